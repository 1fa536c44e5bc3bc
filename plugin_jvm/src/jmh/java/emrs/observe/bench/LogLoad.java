package emrs.observe.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.Map;
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

    /** Returns "elapsedMs,heapBeforeBytes,heapAfterBytes,gcMs,shipperCpuMs,loggingCpuMs". */
    public static String run(int lines) throws InterruptedException {
        return run(0, lines);
    }

    /**
     * Logs {@code warmup} lines first (not timed, so that the JIT has compiled the log path in
     * both runs, with and without the plugin), lets a second pass for their delivery, then times
     * {@code lines} lines. Returns "elapsedMs,heapBeforeBytes,heapAfterBytes,gcMs,shipperCpuMs,loggingCpuMs"
     * (GC time, the plugin's shipping threads' and the logging thread's CPU time while those lines were logged:
     * wall time beyond the logging thread's CPU time is time it waited for a core or a lock).
     */
    public static String run(int warmup, int lines) throws InterruptedException {
        Logger log = LogManager.getLogger("emrs.bench.load");
        for (int i = 0; i < warmup; i++) {
            log.info("processed record {} of partition {} with status {}", i, i % 16, "ok");
        }
        if (warmup > 0) {
            Thread.sleep(1000);
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        long gcBefore = gcMillis();
        Map<String, Long> cpuBefore = ThreadCpu.snapshot();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long ownCpuBefore = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < lines; i++) {
            log.info("processed record {} of partition {} with status {}", i, i % 16, "ok");
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long ownCpuMs = (threads.getCurrentThreadCpuTime() - ownCpuBefore) / 1_000_000;
        long gcMs = gcMillis() - gcBefore;
        long shipperCpuMs = ThreadCpu.snapshot().get("plugin") - cpuBefore.get("plugin");
        long after = usedAfterGc(mem);
        return elapsedMs + "," + before + "," + after + "," + gcMs + "," + shipperCpuMs + "," + ownCpuMs;
    }

    /** Time the collectors spent while the lines were logged: it competes for the same cores. */
    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    private static long usedAfterGc(MemoryMXBean mem) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        return mem.getHeapMemoryUsage().getUsed();
    }
}
