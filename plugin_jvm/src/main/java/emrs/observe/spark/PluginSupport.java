package emrs.observe.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.log4j.LoggingSetup;
import emrs.observe.runtime.ConsoleCapture;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.LogPipeline;
import emrs.observe.runtime.MetricsPipeline;
import emrs.observe.runtime.Warnings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import scala.Tuple2;

/** What the driver and executor plugins share: config, starting the pipeline, failures, metrics. */
final class PluginSupport {
    /** The message an executor sends the driver to get the API key (plain String: any classloader). */
    static final String ASK_API_KEY = "emrs.observe.apiKey";

    /**
     * The metrics' final collection and flush get what the logs' flush leaves of the shutdown's time,
     * but at least this: with the intake down the logs may take all of it, and the metrics path
     * gives up on a failing intake after one retry anyway.
     */
    private static final long MIN_METRICS_SHUTDOWN_MS = 2_000;

    private static volatile boolean hookAdded;
    private static volatile long shutdownTimeoutMs = 10_000;

    private PluginSupport() {
    }

    static Map<String, String> confMap(SparkConf conf) {
        Map<String, String> m = new HashMap<>();
        for (Tuple2<String, String> t : conf.getAll()) {
            m.put(t._1(), t._2());
        }
        return m;
    }

    static ObserveConfig parse(Map<String, String> conf, String where) {
        ObserveConfig cfg = ObserveConfig.parse(conf);
        if (!cfg.problems.isEmpty()) {
            Warnings.warn("configuration problems (" + where + "):\n  - " + String.join("\n  - ", cfg.problems));
        }
        return cfg;
    }

    /** Starts the pipeline and log4j wiring; a null key still counts what is lost. */
    static void startLogging(ObserveConfig cfg, JobMetadata meta, ApiKeyHolder key, Map<String, String> env) {
        shutdownTimeoutMs = cfg.shutdownTimeoutMs;
        LogPipeline.start(cfg, meta, key);
        List<String> problems = new ArrayList<>();
        LoggingSetup.install(cfg, env, problems);
        if (cfg.consoleCapture) {
            if (LoggingSetup.consoleMarkingAvailable()) {
                ConsoleCapture.start();
            } else {
                ConsoleCapture.cannotTellApart("this log4j has no OutputStreamManager.setOutputStream; set "
                        + ObserveConfig.CONSOLE_CAPTURE + "=false to silence this warning");
            }
        }
        if (!problems.isEmpty()) {
            Warnings.warn("logging set-up problems:\n  - " + String.join("\n  - ", problems));
        }
        if (!hookAdded) {
            hookAdded = true;
            // Spark stops plugins on an orderly stop; this covers a JVM that exits without one.
            Runtime.getRuntime().addShutdownHook(new Thread(PluginSupport::stopLogging, "emrs-observe-shutdown"));
        }
    }

    /** Starts the metrics path when enabled; a failure costs the metrics, never the job or the logs. */
    static void startMetrics(ObserveConfig cfg, JobMetadata meta, ApiKeyHolder key, Map<String, String> conf,
            SparkContext sc, String executorId) {
        try {
            MetricsSetup.start(cfg, meta, key, conf, sc, executorId);
        } catch (RuntimeException | LinkageError e) {
            if (cfg.failOnError) {
                throw new IllegalStateException("emrs-observe: could not set up the metrics path: " + e + " ("
                        + ObserveConfig.FAIL_ON_ERROR + "=true)", e);
            }
            Warnings.warn("could not set up the metrics path (" + executorId + "): " + e
                    + ". The Spark job continues without Datadog metrics from this JVM.");
        }
    }

    static void stopLogging() {
        long start = System.nanoTime();
        try {
            LoggingSetup.uninstall();
        } catch (RuntimeException | LinkageError e) {
            // log4j may already be shut down by its own hook; the flush below does not need it.
        }
        ConsoleCapture.stop(); // ships a pending traceback before the pipeline flushes
        LogPipeline.shutdown();
        // After the logs' flush, so that the last interval's emrs.plugin.logs.* counts are in it.
        long deadline = Math.max(start + TimeUnit.MILLISECONDS.toNanos(shutdownTimeoutMs),
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MIN_METRICS_SHUTDOWN_MS));
        MetricsPipeline.shutdown(deadline);
        ApiKeySource.close();
    }

    /**
     * A failure of observability: fatal only with failOnError=true, else one warning on stderr.
     * Messages carry endpoints and reasons, never secrets (see Secret#toString).
     */
    static void fail(ObserveConfig cfg, String what, Throwable e) {
        String reason = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        if (cfg != null && cfg.failOnError) {
            throw new IllegalStateException("emrs-observe: " + what + ": " + reason + " ("
                    + ObserveConfig.FAIL_ON_ERROR + "=true)", e);
        }
        Warnings.warn(what + ": " + reason + ". The Spark job continues without Datadog log shipping from this "
                + "JVM (lost lines are counted in the metric dropped.no_api_key); set " + ObserveConfig.FAIL_ON_ERROR
                + "=true to fail the job instead.");
    }

    static void registerMetrics(MetricRegistry registry) {
        for (String name : LogPipeline.COUNTERS.snapshot().keySet()) {
            String metric = "logs." + name;
            if (!registry.getNames().contains(metric)) {
                registry.register(metric, (Gauge<Long>) () -> LogPipeline.COUNTERS.snapshot().get(name));
            }
        }
        for (String name : MetricsPipeline.COUNTERS.snapshot().keySet()) {
            register(registry, "metrics." + name, () -> MetricsPipeline.COUNTERS.snapshot().get(name));
        }
        register(registry, "logs.reattached", LoggingSetup::reattachments);
        register(registry, "logs.consoleEvents", ConsoleCapture.EVENTS::get);
    }

    private static void register(MetricRegistry registry, String metric, Gauge<Long> gauge) {
        if (!registry.getNames().contains(metric)) {
            registry.register(metric, gauge);
        }
    }
}
