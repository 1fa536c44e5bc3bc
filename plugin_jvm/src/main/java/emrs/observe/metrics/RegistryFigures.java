package emrs.observe.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Sampling;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the sources of a JVM's Spark metrics system hold, as Datadog figures under {@code emrs.spark.}
 * (see {@link MetricNames}): a Counter, a Meter, and the Gauges Spark uses for running totals
 * (file system bytes, GC counts and times, CPU time, tasks started) are sent as the COUNT of their
 * change; other numeric Gauges as gauges; a Histogram or Timer as the COUNT of its updates plus its
 * p95 and max (Timers in milliseconds). Structured Streaming's per-query figures go under the
 * names of Datadog's Spark check, summed over queries, since the query is not a tag here.
 */
public final class RegistryFigures {
    /** The source Spark registers for this plugin: its counters are sent as emrs.plugin.* instead. */
    static final String OWN_SOURCE_PREFIX = "plugin.emrs.observe.";
    private static final String STREAMING_PREFIX = "spark.streaming.";
    private static final double NANOS_PER_MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Deltas deltas = new Deltas();
    private final boolean processTreeMetrics;

    /**
     * @param processTreeMetrics whether {@code spark.executor.processTreeMetrics.enabled} is on:
     *     without it Spark's ProcessTree* gauges are always zero and are not sent
     */
    public RegistryFigures(boolean processTreeMetrics) {
        this.processTreeMetrics = processTreeMetrics;
    }

    /** Adds every figure of {@code sources} (source name to its registry) to {@code out}. */
    public void collect(Iterable<Map.Entry<String, MetricRegistry>> sources, Figures out, String... tags) {
        for (Map.Entry<String, MetricRegistry> source : sources) {
            String name = source.getKey();
            if (name == null || name.startsWith(OWN_SOURCE_PREFIX)) {
                continue;
            }
            boolean streaming = name.startsWith(STREAMING_PREFIX);
            for (Map.Entry<String, Metric> m : source.getValue().getMetrics().entrySet()) {
                try {
                    if (streaming) {
                        streaming(m.getKey(), m.getValue(), out, tags);
                    } else {
                        add(name, m.getKey(), m.getValue(), out, tags);
                    }
                } catch (RuntimeException e) {
                    // A gauge of a component that is shutting down may throw: that figure is skipped.
                }
            }
        }
    }

    private void add(String source, String metric, Metric m, Figures out, String[] tags) {
        if (!processTreeMetrics && "ExecutorMetrics".equals(source) && metric.startsWith("ProcessTree")) {
            return;
        }
        String name = MetricNames.spark(source, metric);
        String key = source + '\u0000' + metric;
        if (m instanceof Gauge) {
            Object v = ((Gauge<?>) m).getValue();
            if (!(v instanceof Number)) {
                return;
            }
            double value = ((Number) v).doubleValue();
            String unit = unit(source, metric);
            if (runningTotal(source, metric)) {
                out.count(name, unit, deltas.delta(key, value), tags);
            } else {
                out.gauge(name, unit, value, tags);
            }
        } else if (m instanceof Counter) {
            out.count(name, unit(source, metric), deltas.delta(key, ((Counter) m).getCount()), tags);
        } else if (m instanceof Meter) {
            out.count(name, null, deltas.delta(key, ((Meter) m).getCount()), tags);
        } else if (m instanceof Timer || m instanceof Histogram) {
            long count = m instanceof Timer ? ((Timer) m).getCount() : ((Histogram) m).getCount();
            out.count(name + ".count", null, deltas.delta(key, count), tags);
            if (count > 0) {
                Snapshot s = ((Sampling) m).getSnapshot();
                boolean timer = m instanceof Timer;
                String unit = timer ? "millisecond" : null;
                double scale = timer ? NANOS_PER_MS : 1;
                out.gauge(name + ".p95", unit, s.get95thPercentile() / scale, tags);
                out.gauge(name + ".max", unit, s.getMax() / scale, tags);
            }
        }
    }

    /**
     * Structured Streaming's source {@code spark.streaming.<query>}: the five figures Datadog's Spark
     * check reads from the metrics servlet, summed over queries (latency: the highest).
     */
    private static void streaming(String metric, Metric m, Figures out, String[] tags) {
        if (!(m instanceof Gauge)) {
            return;
        }
        Object v = ((Gauge<?>) m).getValue();
        if (!(v instanceof Number)) {
            return;
        }
        double value = ((Number) v).doubleValue();
        switch (metric) {
            case "inputRate-total":
                out.gauge("spark.structured_streaming.input_rate", null, value, tags);
                break;
            case "processingRate-total":
                out.gauge("spark.structured_streaming.processing_rate", null, value, tags);
                break;
            case "latency":
                out.gaugeMax("spark.structured_streaming.latency", "millisecond", value, tags);
                break;
            case "states-rowsTotal":
                out.gauge("spark.structured_streaming.rows_count", "row", value, tags);
                break;
            case "states-usedBytes":
                out.gauge("spark.structured_streaming.used_bytes", "byte", value, tags);
                break;
            default:
                break; // other per-query gauges (event-time watermark) do not add up over queries
        }
    }

    /** Gauges that Spark uses for running totals: they only grow, so their change is what is sent. */
    static boolean runningTotal(String source, String metric) {
        switch (source) {
            case "executor":
                return metric.startsWith("filesystem.") || metric.equals("threadpool.completeTasks")
                        || metric.equals("threadpool.startedTasks");
            case "ExecutorMetrics":
                return metric.endsWith("GCCount") || metric.endsWith("GCTime");
            case "JVMCPU":
                return metric.equals("jvmCpuTime");
            case "DAGScheduler":
                return metric.equals("job.allJobs");
            case "jvm":
                // Dropwizard's GarbageCollectorMetricSet: "<collector>.count" and "<collector>.time";
                // its buffer pools' "direct.count" is a level.
                return (metric.endsWith(".count") || metric.endsWith(".time")) && !metric.startsWith("direct.")
                        && !metric.startsWith("mapped");
            default:
                return false;
        }
    }

    /** The unit of a figure where Spark's own code says it; null where it does not. */
    static String unit(String source, String metric) {
        switch (source) {
            case "BlockManager":
                return metric.endsWith("_MB") ? "mebibyte" : null;
            case "ExecutorMetrics":
                if (metric.endsWith("Memory")) {
                    return "byte";
                }
                if (metric.endsWith("GCTime")) {
                    return "millisecond";
                }
                return metric.endsWith("GCCount") ? "garbage collection" : null;
            case "JVMCPU":
                return "nanosecond";
            case "NettyBlockTransfer":
                return metric.endsWith("Memory") ? "byte" : null;
            case "jvm":
                if (metric.endsWith(".time")) {
                    return "millisecond";
                }
                if (metric.endsWith(".used") || metric.endsWith(".committed") || metric.endsWith(".max")
                        || metric.endsWith(".init") || metric.endsWith(".capacity")) {
                    return "byte";
                }
                return metric.endsWith(".count") && !metric.startsWith("direct.") && !metric.startsWith("mapped")
                        ? "garbage collection" : null;
            case "executor":
                return executorUnit(metric);
            default:
                return null;
        }
    }

    private static String executorUnit(String metric) {
        switch (metric) {
            case "cpuTime":
            case "deserializeCpuTime":
            case "shuffleWriteTime":
                return "nanosecond"; // Spark's ExecutorSource: task metrics in ns
            case "runTime":
            case "jvmGCTime":
            case "deserializeTime":
            case "resultSerializationTime":
            case "shuffleFetchWaitTime":
            case "shuffleRemoteReqsDuration":
            case "shuffleMergedRemoteReqsDuration":
                return "millisecond";
            case "succeededTasks":
            case "threadpool.activeTasks":
            case "threadpool.completeTasks":
            case "threadpool.startedTasks":
                return "task";
            default:
                break;
        }
        String lower = metric.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("_ops")) {
            return "operation";
        }
        if (lower.contains("bytes") || lower.equals("resultsize")) {
            return "byte";
        }
        if (lower.contains("records")) {
            return "record";
        }
        if (lower.contains("blocksfetched")) {
            return "block";
        }
        return null;
    }
}
