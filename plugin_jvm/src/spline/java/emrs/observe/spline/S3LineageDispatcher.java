package emrs.observe.spline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.scala.DefaultScalaModule$;
import emrs.observe.lineage.LineageWriter;
import emrs.observe.runtime.Warnings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.configuration.Configuration;
import org.apache.spark.SparkContext;
import scala.Option;
import za.co.absa.spline.harvester.dispatcher.LineageDispatcher;
import za.co.absa.spline.harvester.dispatcher.modelmapper.ModelMapperV12$;
import za.co.absa.spline.producer.model.ExecutionEvent;
import za.co.absa.spline.producer.model.ExecutionPlan;

/**
 * Spline's dispatcher for this project: one lineage object per execution, written by
 * {@link LineageWriter} to {@code spark.spline.lineageDispatcher.emrs.location}. Enabled with
 * {@code spark.spline.lineageDispatcher=emrs} and
 * {@code spark.spline.lineageDispatcher.emrs.className=emrs.observe.spline.S3LineageDispatcher}.
 *
 * <p>Only a thin adapter: Spline's model is turned into producer API v1.2 JSON with Spline's own
 * v1.2 mapper, and everything else lives in plain Java, tested without the Spline bundle.
 */
public final class S3LineageDispatcher implements LineageDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(DefaultScalaModule$.MODULE$)
            .setSerializationInclusion(JsonInclude.Include.NON_ABSENT);

    private final LineageWriter writer;
    // Spline sends a plan, then its event; keyed by plan id in case executions interleave.
    private final Map<String, ExecutionPlan> pending = new ConcurrentHashMap<>();

    public S3LineageDispatcher(Configuration conf) {
        String location = conf.getString("location");
        if (location == null || location.trim().isEmpty()) {
            throw new IllegalArgumentException("spark.spline.lineageDispatcher.emrs.location is not set "
                    + "(expected s3://bucket/prefix/)");
        }
        this.writer = LineageWriter.fromSpark(SparkContext.getOrCreate(), location);
    }

    @Override
    public String name() {
        return "emrs";
    }

    @Override
    public void send(ExecutionPlan plan) {
        Option<?> id = plan.id();
        if (id.isDefined()) {
            pending.put(id.get().toString(), plan);
        }
    }

    @Override
    public void send(ExecutionEvent event) {
        String planId = event.planId().toString();
        ExecutionPlan plan = pending.remove(planId);
        if (plan == null) {
            Warnings.warn("Spline sent the event of plan " + planId + " without its plan; lineage not written");
            return;
        }
        try {
            String planJson = JSON.writeValueAsString(ModelMapperV12$.MODULE$.toDTO(plan).get());
            String eventJson = JSON.writeValueAsString(ModelMapperV12$.MODULE$.toDTO(event).get());
            writer.write(planJson, eventJson);
        } catch (Exception | LinkageError e) {
            // Lineage is observability: it never fails the job.
            Warnings.warn("lineage of plan " + planId + " not written: " + e);
        }
    }
}
