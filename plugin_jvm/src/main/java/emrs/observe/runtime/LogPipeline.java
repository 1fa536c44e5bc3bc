package emrs.observe.runtime;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.datadog.DropReason;
import emrs.observe.datadog.EventBuffer;
import emrs.observe.datadog.EventContext;
import emrs.observe.datadog.EventEncoder;
import emrs.observe.datadog.IntakeClient;
import emrs.observe.datadog.LogShipper;
import emrs.observe.datadog.RetryPolicy;
import emrs.observe.datadog.ShipperCounters;

/**
 * The one log pipeline of this JVM: encoder, bounded buffer and shipper thread. log4j's
 * appender finds it through {@link #current()}, because log4j, not the plugin, creates
 * appenders declared in a user's XML.
 */
public final class LogPipeline {
    /** JVM-wide so the metrics registered with Spark exist even when the pipeline could not start. */
    public static final ShipperCounters COUNTERS = new ShipperCounters();

    private static volatile LogPipeline current;

    private final EventEncoder encoder;
    private final LogShipper shipper;
    private final EventEncoder.Sink sink;
    private final ObserveConfig cfg;
    private volatile JobMetadata meta;
    private volatile boolean detached;

    private LogPipeline(EventEncoder encoder, LogShipper shipper, ObserveConfig cfg, JobMetadata meta) {
        this.encoder = encoder;
        this.shipper = shipper;
        this.sink = shipper == null ? null : shipper::offer;
        this.cfg = cfg;
        this.meta = meta;
        setConstants(meta);
    }

    private void setConstants(JobMetadata m) {
        String service = cfg.datadogService != null ? cfg.datadogService
                : m.sparkAppName != null ? m.sparkAppName : "spark";
        encoder.setConstants(cfg.datadogSource, service, m.hostname, m.ddtags());
    }

    /** Spark assigns the application id after plugins start: tag later events with it. */
    public void setSparkAppId(String appId) {
        JobMetadata m = meta.withSparkAppId(appId);
        meta = m;
        setConstants(m);
    }

    public JobMetadata metadata() {
        return meta;
    }

    public static LogPipeline current() {
        return current;
    }

    /**
     * Starts the pipeline. With no key (Vault failed) events are still seen, so that the drop
     * counter says how many were lost, but nothing is buffered.
     */
    public static synchronized LogPipeline start(ObserveConfig cfg, JobMetadata meta, ApiKeyHolder key) {
        if (current != null) {
            return current;
        }
        EventEncoder encoder = new EventEncoder(cfg.datadogSource, "spark", meta.hostname, meta.ddtags());
        LogShipper shipper = null;
        if (key != null && key.present()) {
            shipper = new LogShipper(new EventBuffer(cfg.bufferMaxBytes),
                    new IntakeClient(cfg.datadogUrl, cfg.requestTimeoutMs), key,
                    new RetryPolicy(cfg.maxRetries, cfg.retryBaseMs, cfg.retryMaxMs), COUNTERS,
                    cfg.flushIntervalMs, Warnings::onceKeyed, cfg.concurrentRequests)
                    .eventSuffix(encoder::constantFields).start();
        }
        current = new LogPipeline(encoder, shipper, cfg, meta);
        return current;
    }

    public boolean shipping() {
        return shipper != null && !detached;
    }

    /** True for events the pipeline must not see: our own threads' logging would feed on itself. */
    public boolean ignores(Thread t) {
        return detached || LogShipper.isShipperThread(t);
    }

    /** {@code context} (log4j's MDC) is read through {@code contextReader}, without a copy. */
    public <C> void offer(long timeMillis, String status, String logger, String thread, CharSequence message,
            Throwable thrown, C context, EventContext<C> contextReader) {
        if (shipper == null) {
            COUNTERS.drop(DropReason.NO_API_KEY, 1);
            return;
        }
        if (encoder.encode(timeMillis, status, logger, thread, message, thrown, context, contextReader, sink)) {
            COUNTERS.truncated.incrementAndGet();
        }
    }

    /**
     * Stops seeing events and flushes within the shutdown timeout. Lines Spark logs after its
     * plugins shut down (the last few of SparkContext.stop) are not shipped.
     */
    public static synchronized void shutdown() {
        LogPipeline p = current;
        if (p == null || p.detached) {
            return;
        }
        p.detached = true;
        if (p.shipper != null) {
            p.shipper.close(p.cfg.shutdownTimeoutMs);
        }
        // Without a key the start-up warning already said every line is lost (dropped.no_api_key).
        long noKey = COUNTERS.dropped(DropReason.NO_API_KEY);
        if (COUNTERS.droppedTotal() - noKey > 0 || COUNTERS.failed.get() > 0) {
            Warnings.warn("Datadog log shipping: " + COUNTERS.summary());
        }
    }
}
