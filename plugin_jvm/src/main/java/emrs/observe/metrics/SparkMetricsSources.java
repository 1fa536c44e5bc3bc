package emrs.observe.metrics;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jvm.BufferPoolMetricSet;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.metrics.MetricsSystem;
import org.apache.spark.metrics.source.Source;

/**
 * The sources of this JVM's Spark metrics system, each with its own registry, as the plugin finds
 * them with only its jar in {@code spark.jars}.
 *
 * <p>Spark has no public way to read its metrics system: a custom {@code Sink} would be one, but a
 * sink class is loaded when the metrics system starts, on executors before {@code spark.jars}
 * reaches the class loader, and it needs a {@code spark.metrics.conf} entry the job would have to
 * carry. What both Spark 3.5 (Scala 2.12) and 4.0 (Scala 2.13) do have is
 * {@code SparkEnv.metricsSystem()} and, inside it, the private field {@code sources}: a Scala
 * {@code ArrayBuffer} of {@link Source}s, each with its name and its Dropwizard registry (Java types,
 * the same under both Scala versions). The field is found by its type and iterated through the
 * {@code scala.collection.Iterator} interface by reflection, because the Scala collection methods'
 * signatures differ between 2.12 and 2.13 (the public {@code getSourcesByName} returns
 * {@code scala.collection.Seq} in one and {@code immutable.Seq} in the other). Reading each source's
 * own registry also gives its name exactly, where the metrics system's merged registry only has
 * names prefixed with the application and executor ids.
 *
 * <p>Spark's {@code JvmSource} is only registered when a job's metrics configuration asks for it;
 * otherwise the same Dropwizard JVM sets it would use (heap and non-heap memory, garbage
 * collectors, buffer pools; not the per-pool figures, which would triple the series) are read here
 * under the same source name, {@code jvm}.
 */
public final class SparkMetricsSources {
    private final Object metricsSystem;
    private final Field sourcesField;
    private final Method iterator;
    private final Method hasNext;
    private final Method next;
    private final MetricRegistry jvm = jvmRegistry();
    private List<Map.Entry<String, MetricRegistry>> lastRead = Collections.emptyList();

    private SparkMetricsSources(Object metricsSystem, Field sourcesField, Method iterator, Method hasNext,
            Method next) {
        this.metricsSystem = metricsSystem;
        this.sourcesField = sourcesField;
        this.iterator = iterator;
        this.hasNext = hasNext;
        this.next = next;
    }

    /** Fails with a message naming what this Spark lacks when its metrics system cannot be read. */
    public static SparkMetricsSources of(MetricsSystem metricsSystem) throws ReflectiveOperationException {
        if (metricsSystem == null) {
            throw new IllegalStateException("Spark has no metrics system in this JVM (SparkEnv not set)");
        }
        Field found = null;
        for (Field f : MetricsSystem.class.getDeclaredFields()) {
            if (f.getType().getName().equals("scala.collection.mutable.ArrayBuffer")
                    && (found == null || f.getName().equals("sources"))) {
                found = f;
            }
        }
        if (found == null) {
            throw new NoSuchFieldException("org.apache.spark.metrics.MetricsSystem has no ArrayBuffer of sources");
        }
        found.setAccessible(true);
        ClassLoader loader = found.getType().getClassLoader();
        Class<?> scalaIterator = Class.forName("scala.collection.Iterator", false, loader);
        return new SparkMetricsSources(metricsSystem, found, found.getType().getMethod("iterator"),
                scalaIterator.getMethod("hasNext"), scalaIterator.getMethod("next"));
    }

    /**
     * Every registered source and its registry, plus {@code jvm} when Spark has none. Sources are
     * registered while the application starts; a read that meets a registration in progress (the
     * buffer is not thread-safe) returns what the last complete read found.
     */
    public List<Map.Entry<String, MetricRegistry>> read() {
        List<Map.Entry<String, MetricRegistry>> out = new ArrayList<>();
        try {
            Object buffer = sourcesField.get(metricsSystem);
            Object it = iterator.invoke(buffer);
            boolean jvmSeen = false;
            while ((Boolean) hasNext.invoke(it)) {
                Object s = next.invoke(it);
                if (s instanceof Source) {
                    Source source = (Source) s;
                    jvmSeen |= "jvm".equals(source.sourceName());
                    out.add(new AbstractMap.SimpleImmutableEntry<>(source.sourceName(), source.metricRegistry()));
                }
            }
            if (!jvmSeen) {
                out.add(new AbstractMap.SimpleImmutableEntry<>("jvm", jvm));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return lastRead;
        }
        lastRead = out;
        return out;
    }

    private static MetricRegistry jvmRegistry() {
        MetricRegistry r = new MetricRegistry();
        MemoryUsageGaugeSet memory = new MemoryUsageGaugeSet();
        memory.getMetrics().forEach((name, metric) -> {
            if (!name.startsWith("pools.")) {
                r.register(name, metric);
            }
        });
        r.registerAll(new GarbageCollectorMetricSet());
        r.registerAll(new BufferPoolMetricSet(ManagementFactory.getPlatformMBeanServer()));
        return r;
    }
}
