package emrs.observe.openlineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.lineage.LineageWriter;
import emrs.observe.runtime.Warnings;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClientUtils;
import io.openlineage.client.transports.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import scala.Option;

/**
 * OpenLineage's transport for this project: one lineage object per SQL execution that wrote data,
 * in the envelope of docs/architecture.md, through {@link LineageWriter} (same location, key layout,
 * job metadata and failure contract as Spline's {@code S3LineageDispatcher}).
 *
 * <p>OpenLineage calls {@link #emit} on Spark's listener thread (or, inside a composite transport,
 * on its pool, one event at a time), which the job's UI and other listeners share: here an event
 * is only serialised (OpenLineage's own {@code toJson}, which also leaves out the disabled facets)
 * and buffered by run id; a finished execution is handed to an upload thread through a bounded
 * queue. Nothing here throws into OpenLineage, and lineage never fails the job.
 */
public final class S3LineageTransport extends Transport {
    // Runs waiting for their terminal event, events per run and bytes over all of them: a listener
    // that fails between two events of a run must not make the driver hold them forever.
    static final int MAX_PENDING_RUNS = 256;
    static final int MAX_EVENTS_PER_RUN = 32;
    static final long MAX_PENDING_BYTES = 64L << 20;
    static final int REMEMBER_FINISHED = 4096;
    // Objects waiting for S3; past this, an execution's lineage is dropped (counted) rather than
    // holding the listener thread.
    static final int MAX_QUEUED = 256;
    static final long DRAIN_SECONDS = 30;

    private final String location;
    private final Supplier<LineageWriter> writerSource;
    private final RunBuffer buffer;
    private final ThreadPoolExecutor uploads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile LineageWriter writer;
    private volatile boolean noWriter;
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong lostEarly = new AtomicLong();

    S3LineageTransport(String location, Supplier<LineageWriter> writerSource, RunBuffer buffer, int maxQueued) {
        this.location = location;
        this.writerSource = writerSource;
        this.buffer = buffer;
        this.uploads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(maxQueued),
                r -> {
                    Thread t = new Thread(r, "emrs-observe-openlineage");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * The transport OpenLineage asked for. A configuration this cannot work with gives a warning
     * and a transport that writes nothing, never an exception: inside a composite, one transport
     * that fails to build stops the others (AWS Glue's feed on EMR) from being built.
     */
    static Transport create(S3LineageTransportConfig config) {
        String location = config == null ? null : config.getLocation();
        String problem = checkLocation(location);
        if (problem != null) {
            Warnings.warn("OpenLineage transport '" + S3LineageTransportBuilder.TYPE + "': " + problem
                    + "; no lineage object is written by this job");
            return new Disabled();
        }
        String where = location.trim();
        return new S3LineageTransport(where, () -> LineageWriter.fromSpark(activeSparkContext(), where),
                new RunBuffer(MAX_PENDING_RUNS, MAX_EVENTS_PER_RUN, MAX_PENDING_BYTES, REMEMBER_FINISHED),
                MAX_QUEUED);
    }

    static String checkLocation(String location) {
        if (location == null || location.trim().isEmpty()) {
            return "its location is not set (spark.openlineage.transport.location, or "
                    + "spark.openlineage.transport.transports.<name>.location in a composite; expected "
                    + "s3://bucket/prefix/)";
        }
        try {
            URI uri = URI.create(location.trim());
            if (uri.getScheme() == null) {
                return "location '" + location + "' has no scheme (expected s3://, s3a:// or file://)";
            }
        } catch (IllegalArgumentException e) {
            return "location '" + location + "' is not a URI: " + e.getMessage();
        }
        return null;
    }

    /**
     * The running SparkContext. Not {@code getOrCreate}: OpenLineage builds its transport on
     * the application's start, while the SparkContext may still be under construction, and
     * getOrCreate would then make a second one. By the time an execution has finished, the
     * context is active.
     */
    private static SparkContext activeSparkContext() {
        Option<SparkContext> active = SparkContext$.MODULE$.getActive();
        if (active.isEmpty()) {
            throw new IllegalStateException("no active SparkContext to take the job's metadata from");
        }
        return active.get();
    }

    @Override
    public void emit(OpenLineage.RunEvent event) {
        if (event == null || closed.get()) {
            return;
        }
        List<RunBuffer.Finished> ready;
        try {
            if (isApplicationRun(event) || event.getRun() == null || event.getRun().getRunId() == null) {
                return;
            }
            ready = buffer.add(event.getRun().getRunId().toString(), toBufferEvent(event));
        } catch (RuntimeException | LinkageError e) {
            unreadable.incrementAndGet();
            countLost(1);
            Warnings.once("openlineage-event", "an OpenLineage event could not be kept for its lineage object: "
                    + e + " (further occurrences are only counted)");
            return;
        }
        for (RunBuffer.Finished run : ready) {
            submit(run);
        }
    }

    @Override
    public void emit(OpenLineage.DatasetEvent event) {
        // Spark's integration sends run events; a dataset event belongs to no execution.
    }

    @Override
    public void emit(OpenLineage.JobEvent event) {
        // Likewise: a job event has no run, so no execution to write.
    }

    /** Spark's integration marks the application's own run with jobType APPLICATION: it writes no data. */
    static boolean isApplicationRun(OpenLineage.RunEvent event) {
        OpenLineage.Job job = event.getJob();
        if (job == null || job.getFacets() == null || job.getFacets().getJobType() == null) {
            return false;
        }
        return "APPLICATION".equalsIgnoreCase(job.getFacets().getJobType().getJobType());
    }

    static RunBuffer.Event toBufferEvent(OpenLineage.RunEvent event) {
        List<OpenLineage.InputDataset> inputs = event.getInputs();
        List<OpenLineage.OutputDataset> outputs = event.getOutputs();
        boolean hasOutputs = outputs != null && !outputs.isEmpty();
        boolean hasColumnLineage = false;
        if (hasOutputs) {
            for (OpenLineage.OutputDataset out : outputs) {
                if (out != null && out.getFacets() != null && out.getFacets().getColumnLineage() != null) {
                    hasColumnLineage = true;
                    break;
                }
            }
        }
        String type = event.getEventType() == null ? "" : event.getEventType().name();
        boolean terminal = "COMPLETE".equals(type) || "FAIL".equals(type) || "ABORT".equals(type);
        long timeMs = event.getEventTime() == null ? System.currentTimeMillis()
                : event.getEventTime().toInstant().toEpochMilli();
        String json = OpenLineageClientUtils.toJson(event);
        return new RunBuffer.Event(json, timeMs, inputs != null && !inputs.isEmpty(), hasOutputs, hasColumnLineage,
                terminal, coverage(json));
    }

    // The facets emrs_observe/openlineage reads: a later event that repeats these makes an earlier one redundant.
    private static final Set<String> READ_DATASET_FACETS = new HashSet<>(
            Arrays.asList("columnLineage", "schema", "symlinks", "lifecycleStateChange"));
    private static final Set<String> READ_RUN_FACETS = new HashSet<>(
            Arrays.asList("parent", "errorMessage", "spark_applicationDetails", "spark_properties"));
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a reader takes from one event: each dataset, each facet of it the processor reads, and
     * the run facets it reads. Taken from the JSON as written, not from OpenLineage's objects: the
     * facets that spark-defaults disable are still on the objects (the Spark integration puts
     * spark_applicationDetails on START and RUNNING only) and only left out when serialised.
     */
    static Set<String> coverage(String json) {
        Set<String> out = new HashSet<>();
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            return null; // never superseded: kept whole
        }
        datasets(root.path("inputs"), "i", out);
        datasets(root.path("outputs"), "o", out);
        Iterator<String> runFacets = root.path("run").path("facets").fieldNames();
        while (runFacets.hasNext()) {
            String name = runFacets.next();
            if (READ_RUN_FACETS.contains(name)) {
                out.add("r\u0000" + name);
            }
        }
        return out;
    }

    private static void datasets(JsonNode list, String kind, Set<String> out) {
        for (JsonNode dataset : list) {
            String key = kind + "\u0000" + dataset.path("namespace").asText() + "\u0000" + dataset.path("name").asText();
            out.add(key);
            Iterator<String> facets = dataset.path("facets").fieldNames();
            while (facets.hasNext()) {
                String name = facets.next();
                if (READ_DATASET_FACETS.contains(name)) {
                    out.add(key + "\u0000" + name);
                }
            }
        }
    }

    private void submit(RunBuffer.Finished run) {
        if (!run.terminal) {
            Warnings.once("openlineage-no-terminal", "OpenLineage run " + run.runId + " had not ended (no COMPLETE, "
                    + "FAIL or ABORT event yet) when it had to be written: its lineage object holds the events so far"
                    + " (further occurrences are only counted)");
        }
        try {
            uploads.execute(() -> write(run));
        } catch (RejectedExecutionException e) {
            dropped.incrementAndGet();
            countLost(1);
            if (uploads.isShutdown()) {
                Warnings.once("openlineage-after-close", "lineage of OpenLineage run " + run.runId + " dropped: it "
                        + "ended after OpenLineage closed its transport (further drops are only counted)");
            } else {
                Warnings.once("lineage-queue-full", "lineage of OpenLineage run " + run.runId + " dropped: "
                        + MAX_QUEUED + " objects already wait for S3 (further drops are only counted)");
            }
        }
    }

    /** On the upload thread: the object's bytes and its write (retried, counted and warned by the writer). */
    String write(RunBuffer.Finished run) {
        LineageWriter w = writer();
        if (w == null) {
            dropped.incrementAndGet();
            countLost(1);
            return null;
        }
        try {
            return w.writeObject(run.lastEventTimeMs, run.runId, OpenLineageDocument.toJson(run.events, w.job()));
        } catch (RuntimeException e) {
            w.failed.incrementAndGet();
            Warnings.once("openlineage-write", "lineage of OpenLineage run " + run.runId + " not written: " + e
                    + " (further occurrences are only counted)");
            return null;
        }
    }

    /**
     * An execution's lineage lost before the writer could try: counted in the writer's
     * {@code rejected} too, which the metrics path sends as {@code emrs.plugin.lineage.dropped}.
     * Losses while the writer is still being made wait in {@code lostEarly} and move to it once it
     * exists; nothing here waits for the upload thread (a transport whose writer could not be made
     * at all has only its warning).
     */
    private void countLost(long n) {
        LineageWriter w = writer;
        if (w != null) {
            w.rejected.addAndGet(n);
            return;
        }
        lostEarly.addAndGet(n);
        handOverLost();
    }

    private void handOverLost() {
        LineageWriter w = writer;
        if (w != null) {
            w.rejected.addAndGet(lostEarly.getAndSet(0));
        }
    }

    private LineageWriter writer() {
        LineageWriter w = writer;
        if (w != null || noWriter) {
            return w;
        }
        synchronized (this) {
            if (writer == null && !noWriter) {
                try {
                    writer = writerSource.get();
                    handOverLost();
                } catch (RuntimeException | LinkageError e) {
                    noWriter = true;
                    Warnings.warn("OpenLineage transport '" + S3LineageTransportBuilder.TYPE + "' cannot write to "
                            + location + ": " + e.getMessage() + "; no lineage object is written by this job");
                }
            }
            return writer;
        }
    }

    /**
     * OpenLineage closes its client at the application's end (after Spark's last event): the runs
     * still waiting that wrote data are written as they stand, and the queue is drained for at
     * most {@value #DRAIN_SECONDS} s.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (RunBuffer.Finished run : buffer.drain()) {
            submit(run);
        }
        uploads.shutdown();
        try {
            if (!uploads.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                int lost = uploads.shutdownNow().size();
                dropped.addAndGet(lost);
                countLost(lost);
                Warnings.warn(lost + " lineage objects not written: S3 did not take them within " + DRAIN_SECONDS
                        + " s of the application's end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counters for tests and diagnostics: the writer's, then the transport's own. */
    public String countersJson() {
        LineageWriter w = writer;
        String base = w == null ? "{\"written\":0,\"retried\":0,\"failed\":0,\"rejected\":0}" : w.countersJson();
        synchronized (buffer) {
            return base.substring(0, base.length() - 1) + ",\"dropped\":" + dropped.get() + ",\"unreadable\":"
                    + unreadable.get() + ",\"skippedNoOutputs\":" + buffer.skippedNoOutputs + ",\"writtenEarly\":"
                    + buffer.handedOutEarly + ",\"trimmedEvents\":" + buffer.trimmedEvents + ",\"supersededEvents\":"
                    + buffer.supersededEvents + ",\"lateEvents\":"
                    + buffer.lateEvents + "}";
        }
    }

    /** What a misconfigured transport becomes: it takes every event and writes nothing. */
    static final class Disabled extends Transport {
        @Override
        public void emit(OpenLineage.RunEvent event) {
        }

        @Override
        public void emit(OpenLineage.DatasetEvent event) {
        }

        @Override
        public void emit(OpenLineage.JobEvent event) {
        }
    }
}
