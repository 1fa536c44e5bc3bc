package emrs.observe.spline;

import emrs.observe.lineage.LineageWriter;
import emrs.observe.runtime.Warnings;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.commons.configuration.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
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
    // Objects waiting for S3; past this, an execution's lineage is dropped (counted) rather than
    // holding Spark's listener bus, which the job's own UI and listeners share.
    private static final int MAX_QUEUED = 256;
    private static final long DRAIN_SECONDS = 30;

    private final LineageWriter writer;
    private final ThreadPoolExecutor uploads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                Thread t = new Thread(r, "emrs-observe-lineage");
                t.setDaemon(true);
                return t;
            });
    private final ModelMapper<?, ?> mapper = ModelMapper$.MODULE$.forApiVersion(ProducerApiVersion$.MODULE$.V1_2());
    private final Map<String, ExecutionPlan> pending = new LinkedHashMap<>();

    public S3LineageDispatcher(Configuration conf) {
        String location = conf.getString("location");
        if (location == null || location.trim().isEmpty()) {
            throw new IllegalArgumentException("spark.spline.lineageDispatcher.emrs.location is not set "
                    + "(expected s3://bucket/prefix/)");
        }
        SparkContext sc = SparkContext.getOrCreate();
        this.writer = LineageWriter.fromSpark(sc, location);
        // Spark stops its listener bus only after every listener has seen the application end:
        // the objects still queued are written then, within a bound.
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onApplicationEnd(SparkListenerApplicationEnd end) {
                drain();
            }
        });
    }

    void drain() {
        uploads.shutdown();
        try {
            if (!uploads.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                int lost = uploads.shutdownNow().size();
                writer.failed.addAndGet(lost);
                Warnings.warn(lost + " lineage objects not written: S3 did not take them within "
                        + DRAIN_SECONDS + " s of the application's end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        String planJson;
        String eventJson;
        try {
            planJson = toJson(mapper.toDTO(plan));
            eventJson = toJson(mapper.toDTO(event));
        } catch (Exception | LinkageError e) {
            // Lineage is observability: it never fails the job.
            writer.failed.incrementAndGet();
            Warnings.once("spline-serialise", "lineage of plan " + planId + " not written: " + e
                    + " (further occurrences are only counted)");
            return;
        }
        try {
            uploads.execute(() -> writer.write(planJson, eventJson));
        } catch (RejectedExecutionException e) {
            writer.failed.incrementAndGet();
            Warnings.once("lineage-queue-full", "lineage of plan " + planId + " dropped: " + MAX_QUEUED
                    + " objects already wait for S3 (further drops are only counted)");
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
