package emrs.observe.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RegistryFiguresTest {
    private final List<Map.Entry<String, MetricRegistry>> sources = new ArrayList<>();
    private final Set<String> sent = new HashSet<>();

    private MetricRegistry source(String name) {
        MetricRegistry r = new MetricRegistry();
        sources.add(new AbstractMap.SimpleImmutableEntry<>(name, r));
        return r;
    }

    private Map<String, Point> collect(RegistryFigures figures) {
        Figures f = new Figures();
        figures.collect(sources, f, "executor_id:3");
        Map<String, Point> out = new HashMap<>();
        for (Point p : f.points(10, sent)) {
            out.put(p.name, p);
        }
        return out;
    }

    @Test
    void countersAndRunningTotalGaugesAreSentAsTheirChangeLevelsAsTheyAre() {
        MetricRegistry executor = source("executor");
        Counter succeeded = executor.counter("succeededTasks");
        AtomicLong readBytes = new AtomicLong();
        executor.register("filesystem.file.read_bytes", (Gauge<Long>) readBytes::get);
        executor.register("threadpool.activeTasks", (Gauge<Integer>) () -> 2);
        MetricRegistry blocks = source("BlockManager");
        blocks.register("memory.memUsed_MB", (Gauge<Long>) () -> 12L);
        RegistryFigures figures = new RegistryFigures(false);

        succeeded.inc(5);
        readBytes.set(1000);
        Map<String, Point> first = collect(figures);
        assertEquals(MetricKind.COUNT, first.get("emrs.spark.executor.succeeded_tasks").kind);
        assertEquals(5, first.get("emrs.spark.executor.succeeded_tasks").value);
        assertEquals("task", first.get("emrs.spark.executor.succeeded_tasks").unit);
        assertEquals(MetricKind.COUNT, first.get("emrs.spark.executor.filesystem.file.read_bytes").kind);
        assertEquals(1000, first.get("emrs.spark.executor.filesystem.file.read_bytes").value);
        assertEquals("byte", first.get("emrs.spark.executor.filesystem.file.read_bytes").unit);
        assertEquals(MetricKind.GAUGE, first.get("emrs.spark.executor.threadpool.active_tasks").kind);
        assertEquals(2, first.get("emrs.spark.executor.threadpool.active_tasks").value);
        assertEquals("mebibyte", first.get("emrs.spark.block_manager.memory.mem_used_mb").unit);
        assertEquals("executor_id:3", first.get("emrs.spark.executor.succeeded_tasks").tags[0]);

        succeeded.inc(2);
        readBytes.set(1500);
        Map<String, Point> second = collect(figures);
        assertEquals(2, second.get("emrs.spark.executor.succeeded_tasks").value);
        assertEquals(500, second.get("emrs.spark.executor.filesystem.file.read_bytes").value);
        assertEquals(2, second.get("emrs.spark.executor.threadpool.active_tasks").value);
    }

    @Test
    void timersAndHistogramsGiveTheirUpdatesAndTheirP95AndMaxTimersInMilliseconds() {
        MetricRegistry dag = source("DAGScheduler");
        Timer t = dag.timer("messageProcessingTime");
        Histogram h = source("CodeGenerator").histogram("sourceCodeSize");
        Histogram idle = source("CodeGenerator2").histogram("never");
        for (int i = 1; i <= 100; i++) {
            t.update(i, TimeUnit.MILLISECONDS);
            h.update(i * 10);
        }
        Map<String, Point> p = collect(new RegistryFigures(false));
        assertEquals(100, p.get("emrs.spark.dag_scheduler.message_processing_time.count").value);
        assertEquals(MetricKind.COUNT, p.get("emrs.spark.dag_scheduler.message_processing_time.count").kind);
        assertEquals(100, p.get("emrs.spark.dag_scheduler.message_processing_time.max").value, 1e-6);
        assertEquals("millisecond", p.get("emrs.spark.dag_scheduler.message_processing_time.p95").unit);
        assertEquals(1000, p.get("emrs.spark.code_generator.source_code_size.max").value, 1e-6);
        assertNull(p.get("emrs.spark.code_generator2.never.count"));
        assertNull(p.get("emrs.spark.code_generator2.never.p95"));
    }

    @Test
    void ourOwnSourceProcessTreeZerosFailingAndNonNumericGaugesAreLeftOut() {
        source("plugin.emrs.observe.spark.LoggerSparkPlugin").counter("logs.sent").inc(9);
        MetricRegistry em = source("ExecutorMetrics");
        em.register("ProcessTreeJVMRSSMemory", (Gauge<Long>) () -> 0L);
        em.register("JVMHeapMemory", (Gauge<Long>) () -> 4096L);
        em.register("MinorGCCount", (Gauge<Long>) () -> 3L);
        MetricRegistry odd = source("Odd");
        odd.register("text", (Gauge<String>) () -> "x");
        odd.register("broken", (Gauge<Long>) () -> {
            throw new IllegalStateException("closed");
        });
        odd.register("fine", (Gauge<Double>) () -> 1.5);
        Map<String, Point> p = collect(new RegistryFigures(false));
        assertFalse(p.keySet().stream().anyMatch(n -> n.contains("logger_spark_plugin") || n.contains("logs")));
        assertNull(p.get("emrs.spark.executor_metrics.process_tree_jvmrss_memory"));
        assertEquals("byte", p.get("emrs.spark.executor_metrics.jvm_heap_memory").unit);
        assertEquals(MetricKind.COUNT, p.get("emrs.spark.executor_metrics.minor_gc_count").kind);
        assertNull(p.get("emrs.spark.odd.text"));
        assertNull(p.get("emrs.spark.odd.broken"));
        assertEquals(1.5, p.get("emrs.spark.odd.fine").value);
    }

    @Test
    void structuredStreamingQueriesGoUnderTheSparkChecksNamesWithoutTheQuery() {
        MetricRegistry q1 = source("spark.streaming.orders");
        q1.register("inputRate-total", (Gauge<Double>) () -> 10.0);
        q1.register("latency", (Gauge<Long>) () -> 300L);
        q1.register("eventTime-watermark", (Gauge<Long>) () -> 1L);
        MetricRegistry q2 = source("spark.streaming.0b6c8c77-5d2e-4b5e-9c43-2a9d0a1c1e11");
        q2.register("inputRate-total", (Gauge<Double>) () -> 5.0);
        q2.register("latency", (Gauge<Long>) () -> 900L);
        Map<String, Point> p = collect(new RegistryFigures(false));
        assertEquals(15, p.get("spark.structured_streaming.input_rate").value);
        assertEquals(900, p.get("spark.structured_streaming.latency").value);
        assertFalse(p.keySet().stream().anyMatch(n -> n.contains("orders") || n.contains("watermark")));
    }
}
