package emrs.observe.spline;

import emrs.observe.lineage.LineageWriter;
import emrs.observe.runtime.Warnings;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.configuration.Configuration;
import org.apache.spark.SparkContext;
import scala.Option;
import za.co.absa.spline.harvester.dispatcher.LineageDispatcher;
import za.co.absa.spline.harvester.dispatcher.ProducerApiVersion$;
import za.co.absa.spline.harvester.dispatcher.modelmapper.ModelMapper;
import za.co.absa.spline.harvester.dispatcher.modelmapper.ModelMapper$;
import za.co.absa.spline.harvester.json.HarvesterJsonSerDe$impl$EntityToJson;
import za.co.absa.spline.producer.model.ExecutionEvent;
import za.co.absa.spline.producer.model.ExecutionPlan;

/**
 * Spline's dispatcher for this project: one lineage object per execution, written by
 * {@link LineageWriter} to {@code spark.spline.lineageDispatcher.emrs.location}. Enabled with
 * {@code spark.spline.lineageDispatcher=emrs} and
 * {@code spark.spline.lineageDispatcher.emrs.className=emrs.observe.spline.S3LineageDispatcher}.
 *
 * <p>Plan and event are turned into producer API v1.2 DTOs by Spline's own model mapper and into
 * JSON by Spline's own serialiser ({@code HarvesterJsonSerDe}), exactly as its HTTP dispatcher
 * sends them to a Spline server; everything else lives in plain Java, tested without Spline.
 */
public final class S3LineageDispatcher implements LineageDispatcher {
    // Spline sends a plan and then its event from the same listener call; a plan whose event never
    // comes (the agent failed in between) must not be held forever.
    private static final int MAX_PENDING = 64;

    private final LineageWriter writer;
    private final ModelMapper<?, ?> mapper = ModelMapper$.MODULE$.forApiVersion(ProducerApiVersion$.MODULE$.V1_2());
    private final Map<String, ExecutionPlan> pending = new LinkedHashMap<>();

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
        if (!id.isDefined()) {
            return;
        }
        synchronized (pending) {
            pending.put(id.get().toString(), plan);
            if (pending.size() > MAX_PENDING) {
                Iterator<Map.Entry<String, ExecutionPlan>> oldest = pending.entrySet().iterator();
                String dropped = oldest.next().getKey();
                oldest.remove();
                writer.rejected.incrementAndGet();
                Warnings.once("spline-no-event", "Spline sent plan " + dropped + " but never its event; "
                        + "its lineage is not written (further occurrences are only counted)");
            }
        }
    }

    @Override
    public void send(ExecutionEvent event) {
        String planId = event.planId().toString();
        ExecutionPlan plan;
        synchronized (pending) {
            plan = pending.remove(planId);
        }
        if (plan == null) {
            writer.rejected.incrementAndGet();
            Warnings.once("spline-no-plan", "Spline sent the event of plan " + planId
                    + " without its plan; lineage not written (further occurrences are only counted)");
            return;
        }
        try {
            writer.write(toJson(mapper.toDTO(plan)), toJson(mapper.toDTO(event)));
        } catch (Exception | LinkageError e) {
            // Lineage is observability: it never fails the job.
            writer.failed.incrementAndGet();
            Warnings.once("spline-serialise", "lineage of plan " + planId + " not written: " + e
                    + " (further occurrences are only counted)");
        }
    }

    private static String toJson(Option<?> dto) {
        return new HarvesterJsonSerDe$impl$EntityToJson<Object>(dto.get()).toJson();
    }

    /** The writer's counters, for tests and diagnostics: written, retried, failed, rejected. */
    public String countersJson() {
        return writer.countersJson();
    }
}
