package emrs.observe.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Called from benchmarks/plugin_spark_1m.py inside a Spark driver: logs N lines through log4j2
 * on the calling thread and reports wall time and heap after GC, so the Python side measures
 * the JVM and not py4j.
 */
public final class LogLoad {
    private LogLoad() {
    }

    /** Returns "elapsedMs,heapBeforeBytes,heapAfterBytes". */
    public static String run(int lines) throws InterruptedException {
        Logger log = LogManager.getLogger("emrs.bench.load");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        long start = System.nanoTime();
        for (int i = 0; i < lines; i++) {
            log.info("processed record {} of partition {} with status {}", i, i % 16, "ok");
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long after = usedAfterGc(mem);
        return elapsedMs + "," + before + "," + after;
    }

    private static long usedAfterGc(MemoryMXBean mem) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        return mem.getHeapMemoryUsage().getUsed();
    }
}
