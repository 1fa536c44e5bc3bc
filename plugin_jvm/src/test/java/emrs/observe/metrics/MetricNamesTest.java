package emrs.observe.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricNamesTest {
    @Test
    void sparkSourceAndMetricNamesBecomeDatadogStyleNames() {
        assertEquals("emrs.spark.jvm.heap.used", MetricNames.spark("jvm", "heap.used"));
        assertEquals("emrs.spark.dag_scheduler.stage.failed_stages", MetricNames.spark("DAGScheduler", "stage.failedStages"));
        assertEquals("emrs.spark.executor_metrics.jvm_heap_memory", MetricNames.spark("ExecutorMetrics", "JVMHeapMemory"));
        assertEquals("emrs.spark.block_manager.memory.max_mem_mb", MetricNames.spark("BlockManager", "memory.maxMem_MB"));
        assertEquals("emrs.spark.executor.jvm_gc_time", MetricNames.spark("executor", "jvmGCTime"));
        assertEquals("emrs.spark.executor.filesystem.file.large_read_ops",
                MetricNames.spark("executor", "filesystem.file.largeRead_ops"));
        assertEquals("emrs.spark.netty_block_transfer.shuffle_client.used_direct_memory",
                MetricNames.spark("NettyBlockTransfer", "shuffle-client.usedDirectMemory"));
        assertEquals("emrs.spark.jvm.g1_young_generation.count", MetricNames.spark("jvm", "G1-Young-Generation.count"));
        assertEquals("emrs.spark.jvm.mapped_non_volatile_memory.used",
                MetricNames.spark("jvm", "mapped - 'non-volatile memory'.used"));
        assertEquals("emrs.spark.live_listener_bus.listener_processing_time.org.apache.spark.sql.execution.ui"
                + ".sql_app_status_listener", MetricNames.spark("LiveListenerBus",
                "listenerProcessingTime.org.apache.spark.sql.execution.ui.SQLAppStatusListener"));
        assertEquals("emrs.spark.jvmcpu.jvm_cpu_time", MetricNames.spark("JVMCPU", "jvmCpuTime"));
    }

    @Test
    void validNamesAreWhatDatadogTakesAsTheyAre() {
        assertTrue(MetricNames.valid("emrs.spark.jvm.heap.used"));
        assertFalse(MetricNames.valid("1abc"));
        assertFalse(MetricNames.valid("a b"));
        assertFalse(MetricNames.valid(""));
        assertFalse(MetricNames.valid("a" + new String(new char[200]).replace('\0', 'b')));
    }
}
