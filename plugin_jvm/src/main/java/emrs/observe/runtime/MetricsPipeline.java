package emrs.observe.runtime;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.datadog.IntakeClient;
import emrs.observe.datadog.IntakeSender;
import emrs.observe.datadog.LogShipper;
import emrs.observe.datadog.MetricsCounters;
import emrs.observe.datadog.RetryPolicy;
import emrs.observe.datadog.SeriesEncoder;
import emrs.observe.datadog.SeriesPayload;
import emrs.observe.datadog.SeriesShipper;
import emrs.observe.metrics.Collector;
import emrs.observe.metrics.Figures;
import emrs.observe.metrics.MetricNames;
import emrs.observe.metrics.Point;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one metrics path of this JVM: a daemon thread that every {@code metrics.intervalMs} reads its
 * collectors (Spark's status store on the driver, the JVM's Spark metrics system, the plugin's own
 * counters), turns the figures into points and sends them to Datadog's series API. Collecting and
 * sending share the thread and neither blocks the job: a payload waiting for a retry waits in a
 * bounded queue while the next collection runs. At shutdown it collects once more, so the last
 * interval of even a short job is sent, and flushes within the shutdown's time.
 */
public final class MetricsPipeline {
    /** JVM-wide, so Spark's metrics system shows them even when the pipeline could not start. */
    public static final MetricsCounters COUNTERS = new MetricsCounters();
    /** Bound on the payloads waiting for the intake: ~80 collections of a busy driver. */
    static final long MAX_QUEUED_BYTES = 8L << 20;
    /**
     * Bound on the distinct series one JVM sends. Spark's own sources make a few hundred; this stops a
     * source that registers per-query or per-partition figures from making Datadog series without end.
     */
    static final int MAX_SERIES = 1000;
    /** The metrics thread's name (Linux shows its first 15 characters, "emrs-observe-me"). */
    public static final String THREAD_NAME = "emrs-observe-metrics";

    private static volatile MetricsPipeline current;

    private final List<Collector> collectors;
    private final boolean[] disabled;
    private final SeriesEncoder encoder = new SeriesEncoder();
    private final SeriesShipper shipper;
    private final String service;
    private final long intervalNanos;
    private final Set<String> countsSent = new HashSet<>();
    private final Set<String> series = new HashSet<>();
    private final Thread thread;
    private volatile JobMetadata meta;
    private volatile boolean stopping;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private long lastCollectMillis;
    private long lastTimestampSec;

    MetricsPipeline(List<Collector> collectors, IntakeSender sender, ApiKeyHolder key, RetryPolicy policy,
            long intervalMs, String service, JobMetadata meta) {
        this.collectors = collectors;
        this.disabled = new boolean[collectors.size()];
        this.shipper = new SeriesShipper(sender, key, policy, COUNTERS, Warnings::onceKeyed, MAX_QUEUED_BYTES,
                System::currentTimeMillis);
        this.service = service;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.meta = meta;
        this.lastCollectMillis = System.currentTimeMillis();
        this.thread = LogShipper.pluginThread(this::run, THREAD_NAME);
    }

    public static MetricsPipeline current() {
        return current;
    }

    /** Starts this JVM's metrics path once; later calls return the running one. */
    public static synchronized MetricsPipeline start(ObserveConfig cfg, JobMetadata meta, ApiKeyHolder key,
            List<Collector> collectors) {
        if (current != null) {
            return current;
        }
        String service = cfg.datadogService != null ? cfg.datadogService
                : meta.sparkAppName != null ? meta.sparkAppName : "spark";
        MetricsPipeline p = new MetricsPipeline(collectors, new IntakeClient(cfg.datadogMetricsUrl, cfg.requestTimeoutMs),
                key, new RetryPolicy(cfg.maxRetries, cfg.retryBaseMs, cfg.retryMaxMs), cfg.metricsIntervalMs, service,
                meta);
        p.begin();
        current = p;
        return p;
    }

    /** Spark assigns the application id after plugins start: later points carry it. */
    public void setSparkAppId(String appId) {
        meta = meta.withSparkAppId(appId);
    }

    private void run() {
        long nextCollect = System.nanoTime() + intervalNanos;
        while (!stopping) {
            long now = System.nanoTime();
            long retryAt = Long.MAX_VALUE;
            try {
                if (now - nextCollect >= 0) {
                    collect();
                }
                retryAt = shipper.sendDue();
            } catch (RuntimeException e) {
                // A bug or a JDK surprise costs a collection, never the thread (and so every later one).
                Warnings.once("metrics-unexpected", "metrics: unexpected " + e + "; the metrics path goes on");
            }
            if (now - nextCollect >= 0) {
                // A collection that ran late does not make the next ones come in a burst.
                nextCollect += ((now - nextCollect) / intervalNanos + 1) * intervalNanos;
            }
            long wakeAt = retryAt == Long.MAX_VALUE || retryAt - nextCollect > 0 ? nextCollect : retryAt;
            long wait = wakeAt - System.nanoTime();
            if (wait > 0 && !stopping) {
                LockSupport.parkNanos(this, wait);
            }
        }
        try {
            collect(); // the last interval: up to the plugin's shutdown
            shipper.flush(deadlineNanos);
        } catch (RuntimeException e) {
            Warnings.once("metrics-unexpected", "metrics: unexpected " + e + " at shutdown; the last interval is lost");
        }
    }

    /** One collection: every collector's figures, as points, queued as payloads. */
    void collect() {
        Figures figures = new Figures();
        for (int i = 0; i < collectors.size(); i++) {
            if (disabled[i]) {
                continue;
            }
            Collector c = collectors.get(i);
            try {
                c.collect(figures);
            } catch (Exception e) {
                Warnings.once("metrics-collect-" + c.name(), "metrics: reading " + c.name() + " failed: " + e
                        + "; its figures are missing from this collection (further failures are not reported)");
            } catch (LinkageError e) {
                // This Spark is shaped otherwise than the ones the plugin knows: stop asking it.
                disabled[i] = true;
                Warnings.warn("metrics: " + c.name() + " cannot be read on this Spark (" + e
                        + "); its figures are not sent, the others are");
            }
        }
        long nowMillis = System.currentTimeMillis();
        long intervalSec = Math.max(1, Math.round((nowMillis - lastCollectMillis) / 1000.0));
        lastCollectMillis = nowMillis;
        // Two collections in one second (the last one at shutdown) must not share a timestamp:
        // Datadog keeps one point per series and second.
        long timestampSec = Math.max(nowMillis / 1000, lastTimestampSec + 1);
        lastTimestampSec = timestampSec;
        List<Point> points = bounded(figures.points(intervalSec, countsSent));
        List<SeriesPayload> payloads = encoder.encode(points, timestampSec, meta.metricTags(service),
                n -> COUNTERS.drop(MetricsCounters.Reason.REJECTED, n));
        shipper.add(payloads);
    }

    private List<Point> bounded(List<Point> points) {
        List<Point> out = new ArrayList<>(points.size());
        long over = 0;
        for (Point p : points) {
            if (!MetricNames.valid(p.name)) {
                // A source or listener class with a name past Datadog's 200 characters.
                COUNTERS.drop(MetricsCounters.Reason.REJECTED, 1);
                Warnings.once("metrics-name", "metrics: " + p.name + " is not a name Datadog accepts "
                        + "(letters, digits, '_' and '.', at most " + MetricNames.MAX_LENGTH + " characters); not sent");
                continue;
            }
            String key = p.seriesKey();
            if (series.contains(key) || (series.size() < MAX_SERIES && series.add(key))) {
                out.add(p);
            } else {
                over++;
            }
        }
        if (over > 0) {
            COUNTERS.drop(MetricsCounters.Reason.SERIES_LIMIT, over);
            Warnings.once("metrics-series-limit", "metrics: this JVM reached " + MAX_SERIES + " series; points of "
                    + "newer series are dropped and counted (metric emrs.plugin.metrics.dropped, reason series_limit)");
        }
        return out;
    }

    /** Starts the thread (tests; {@link #start} does it for the plugin). */
    void begin() {
        thread.start();
    }

    /** Stops the thread as {@link #shutdown} says; false if it was already stopped. */
    synchronized boolean stop(long deadlineNanos) {
        if (stopping) {
            return false;
        }
        this.deadlineNanos = deadlineNanos;
        stopping = true;
        LockSupport.unpark(thread);
        try {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            thread.join(Math.max(1, left + 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /**
     * Collects the last interval and sends what waits, for at most until {@code deadlineNanos}
     * ({@link System#nanoTime} time); returns then even if the intake has not answered.
     */
    public static void shutdown(long deadlineNanos) {
        MetricsPipeline p = current;
        if (p == null || !p.stop(deadlineNanos)) {
            return;
        }
        long noKey = COUNTERS.dropped(MetricsCounters.Reason.NO_API_KEY);
        if (COUNTERS.droppedTotal() - noKey > 0) {
            Warnings.warn("Datadog metrics: " + COUNTERS.summary());
        }
    }
}
