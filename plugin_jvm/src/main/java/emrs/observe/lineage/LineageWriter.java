package emrs.observe.lineage;

import emrs.observe.config.ObserveConfig;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.Warnings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import scala.Tuple2;

/**
 * Writes lineage objects through the Hadoop FileSystem API: {@code s3://} (EMRFS on EMR),
 * {@code s3a://} elsewhere, {@code file://} for local use. A failed write is retried, then
 * counted and reported on stderr; it never throws into the Spark job.
 */
public final class LineageWriter {
    private final Configuration hadoopConf;
    private final URI location;
    private final LineageJob job;
    private final int maxAttempts;
    private final long backoffMs;

    // After a failed object, the next ones get one attempt until this long has passed: a bucket that
    // is down must not hold Spline's listener for every retry of every execution.
    private static final long FAIL_FAST_MS = 60_000;
    private volatile long lastFailureMs;

    public final AtomicLong written = new AtomicLong();
    public final AtomicLong retried = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();
    public final AtomicLong rejected = new AtomicLong();

    // Every writer of this JVM, whoever made it (Spline's dispatcher, OpenLineage's transport), so the
    // plugin's metrics report the counters above without knowing who writes; weak, so a writer that
    // is dropped is not kept alive for its counters.
    private static final Set<LineageWriter> LIVE = Collections.newSetFromMap(new WeakHashMap<>());

    public LineageWriter(Configuration hadoopConf, String location, LineageJob job, int maxAttempts, long backoffMs) {
        this.hadoopConf = hadoopConf;
        this.location = parseLocation(location, hadoopConf);
        this.job = job;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.backoffMs = backoffMs;
        synchronized (LIVE) {
            LIVE.add(this);
        }
    }

    /** The writers of this JVM that are still in use. */
    public static List<LineageWriter> live() {
        synchronized (LIVE) {
            return new ArrayList<>(LIVE);
        }
    }

    /** A writer for the running Spark application: its Hadoop conf and job metadata. */
    public static LineageWriter fromSpark(SparkContext sc, String location) {
        Map<String, String> conf = new HashMap<>();
        for (Tuple2<String, String> t : sc.getConf().getAll()) {
            conf.put(t._1(), t._2());
        }
        ObserveConfig cfg = ObserveConfig.parse(conf);
        JobMetadata meta = JobMetadata.resolve(cfg, conf, System.getenv(), sc.applicationId(), sc.appName(), "driver");
        LineageJob job = new LineageJob(meta.sparkAppId, meta.sparkAppName, meta.emrApplicationId, meta.emrJobRunId,
                meta.releaseLabel, meta.tags);
        return new LineageWriter(sc.hadoopConfiguration(), location, job, 3, 500);
    }

    static URI parseLocation(String location, Configuration conf) {
        if (location == null || location.trim().isEmpty()) {
            throw new IllegalArgumentException("lineage location is empty (expected s3://bucket/prefix/)");
        }
        URI uri = URI.create(location.trim());
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("lineage location '" + location
                    + "' has no scheme (expected s3://, s3a:// or file://)");
        }
        if ("s3".equals(scheme) && !hasFileSystem("s3", conf)) {
            // Outside EMR nothing serves s3://; the same bucket is reachable through s3a://.
            uri = URI.create("s3a" + location.trim().substring(2));
        }
        return uri;
    }

    private static boolean hasFileSystem(String scheme, Configuration conf) {
        try {
            FileSystem.getFileSystemClass(scheme, conf);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes one Spline object; returns its full path, or null when it could not be written (the
     * reason is on stderr and in the counters).
     */
    public String write(String planJson, String eventJson) {
        LineageDocument doc;
        try {
            doc = LineageDocument.parse(planJson, eventJson);
        } catch (IllegalArgumentException e) {
            rejected.incrementAndGet();
            Warnings.warn("lineage object not written: " + e.getMessage());
            return null;
        }
        return writeObject(doc.eventTimestampMs, doc.planId, doc.toJson(job));
    }

    /**
     * Writes one finished lineage object (any format) at the key of its execution: {@code id} is
     * the execution's id (Spline plan id, OpenLineage run id), {@code eventTimestampMs} its last
     * event's time. Returns the object's full path, or null when it could not be written (the
     * reason is on stderr and in the counters); never throws for S3's sake.
     */
    public String writeObject(long eventTimestampMs, String id, byte[] bytes) {
        String key;
        try {
            key = LineageKey.of(location.getPath(), eventTimestampMs, job.sparkAppId, id);
        } catch (IllegalArgumentException e) {
            rejected.incrementAndGet();
            Warnings.warn("lineage object not written: " + e.getMessage());
            return null;
        }
        URI target = URI.create(location.getScheme() + "://" + (location.getAuthority() == null ? ""
                : location.getAuthority()) + (key.startsWith("/") ? key : "/" + key));
        IOException last = null;
        boolean failingLately = lastFailureMs != 0 && System.currentTimeMillis() - lastFailureMs < FAIL_FAST_MS;
        int attempts = failingLately ? 1 : maxAttempts;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                put(target, bytes);
                written.incrementAndGet();
                lastFailureMs = 0;
                return target.toString();
            } catch (IOException e) {
                last = e;
                if (attempt < attempts) {
                    retried.incrementAndGet();
                    sleep(backoffMs * (1L << (attempt - 1)));
                }
            }
        }
        failed.incrementAndGet();
        lastFailureMs = System.currentTimeMillis();
        // Once per JVM: an unreachable bucket fails every execution of the job the same way.
        Warnings.once("lineage-write-failed", "lineage object " + target + " not written after " + attempts
                + " attempts: " + (last == null ? "" : last.getClass().getSimpleName() + ": " + last.getMessage())
                + ". The Spark job continues; the lineage of this execution is missing"
                + " (further failures are only counted)");
        return null;
    }

    /** Who ran the executions this writer writes: the "job" part of every object. */
    public LineageJob job() {
        return job;
    }

    private void put(URI target, byte[] bytes) throws IOException {
        Path path = new Path(target);
        FileSystem fs = path.getFileSystem(hadoopConf);
        if (fs instanceof LocalFileSystem) {
            fs = ((LocalFileSystem) fs).getRawFileSystem(); // no .crc side files next to the objects
        }
        if ("file".equals(target.getScheme())) {
            // Local readers may list the directory mid-write: write aside, then rename.
            Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            fs.delete(path, false);
            if (!fs.rename(tmp, path)) {
                throw new IOException("rename " + tmp + " to " + path + " failed");
            }
            return;
        }
        // Object stores make a PUT visible whole; a rename would be a copy.
        try (OutputStream out = fs.create(path, true)) {
            out.write(bytes);
        }
    }

    public String countersJson() {
        return "{\"written\":" + written.get() + ",\"retried\":" + retried.get() + ",\"failed\":" + failed.get()
                + ",\"rejected\":" + rejected.get() + "}";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
