package emrs.observe.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The job, stage, executor and RDD figures of Datadog's Spark check (integrations-core
 * {@code spark/metadata.csv}, {@code spark.py}), under its names and units, from what the driver's
 * status store holds: the store behind Spark's REST API, which is what the check reads.
 *
 * <p>The check submits each retained job's and stage's running totals on every run, tagged with the
 * job's or stage's id; a running total sent again and again is what this project does not do, and
 * per-id tags grow without bound. So here:
 * <ul>
 *   <li>a job (stage attempt) is in a collection while it runs, and once more in the collection that
 *       sees it finished; its figures go to the series of its {@code status} at that moment
 *       (jobs: running, succeeded, failed, unknown; stages: active, pending, complete, failed, skipped),
 *       without job or stage ids, so a job's counts land in one series per status;</li>
 *   <li>{@code spark.job.count} and {@code spark.stage.count} count those jobs (stages): the last point
 *       of {@code status:running} is the jobs running now, and over time {@code status:succeeded} adds
 *       up to the jobs that succeeded, each counted once;</li>
 *   <li>running totals (completed, failed and skipped tasks and stages, bytes, records, spill) are sent
 *       as the RATE of their change (the metadata's type, per second), levels (active tasks, a job's
 *       size in tasks, memory used, blocks) as gauges, and run time as the gauge of milliseconds per
 *       second (the metadata's "fraction").</li>
 * </ul>
 * Executors: {@code spark.driver.*} from the driver's entry, {@code spark.executor.*} summed over the
 * other entries (levels over the active ones, as the REST API lists them), {@code spark.executor.count}
 * the active entries the REST API lists (the driver's included, as in the check). The check's
 * per-executor {@code spark.executor.id.*} (off by default there) is not sent: each executor's own
 * figures come from its metrics system with {@code executor_id}.
 */
public final class AppFigures {
    /** One job as the status store holds it. */
    public static final class Job {
        public int id;
        public String status;
        public int numTasks;
        public int numActiveTasks;
        public int numCompletedTasks;
        public int numSkippedTasks;
        public int numFailedTasks;
        public int numActiveStages;
        public int numCompletedStages;
        public int numSkippedStages;
        public int numFailedStages;
    }

    /** One stage attempt as the status store holds it. */
    public static final class Stage {
        public int id;
        public int attempt;
        public String status;
        public int numActiveTasks;
        public int numCompleteTasks;
        public int numFailedTasks;
        public long executorRunTime;
        public long inputBytes;
        public long inputRecords;
        public long outputBytes;
        public long outputRecords;
        public long shuffleReadBytes;
        public long shuffleReadRecords;
        public long shuffleWriteBytes;
        public long shuffleWriteRecords;
        public long memoryBytesSpilled;
        public long diskBytesSpilled;
    }

    /** One executor (or the driver) as the status store holds it. */
    public static final class Executor {
        public String id;
        public boolean active;
        public long rddBlocks;
        public long memoryUsed;
        public long diskUsed;
        public long activeTasks;
        public long failedTasks;
        public long completedTasks;
        public long totalTasks;
        public long totalDuration;
        public long totalInputBytes;
        public long totalShuffleRead;
        public long totalShuffleWrite;
        public long maxMemory;
        /** usedOnHeapStorage, usedOffHeapStorage, totalOnHeapStorage, totalOffHeapStorage; null if absent. */
        public long[] memory;
        /** Values of {@link #PEAK_METRICS}, in that order; null if absent. */
        public long[] peak;
    }

    /** One RDD the storage tab lists. */
    public static final class Rdd {
        public long numPartitions;
        public long numCachedPartitions;
        public long memoryUsed;
        public long diskUsed;
    }

    /** Spark's ExecutorMetricType names read from peakMemoryMetrics, and the check's name for each. */
    public static final String[][] PEAK_METRICS = {
        {"JVMHeapMemory", "jvm_heap_memory"},
        {"JVMOffHeapMemory", "jvm_off_heap_memory"},
        {"OnHeapExecutionMemory", "on_heap_execution"},
        {"OffHeapExecutionMemory", "off_heap_execution"},
        {"OnHeapStorageMemory", "on_heap_storage"},
        {"OffHeapStorageMemory", "off_heap_storage"},
        {"OnHeapUnifiedMemory", "on_heap_unified"},
        {"OffHeapUnifiedMemory", "off_heap_unified"},
        {"DirectPoolMemory", "direct_pool"},
        {"MappedPoolMemory", "mapped_pool"},
        {"MinorGCCount", "minor_gc_count"},
        {"MinorGCTime", "minor_gc_time"},
        {"MajorGCCount", "major_gc_count"},
        {"MajorGCTime", "major_gc_time"},
        {"ProcessTreeJVMVMemory", "process_tree_jvm"},
        {"ProcessTreeJVMRSSMemory", "process_tree_jvm_rss"},
        {"ProcessTreePythonVMemory", "process_tree_python"},
        {"ProcessTreePythonRSSMemory", "process_tree_python_rss"},
        {"ProcessTreeOtherVMemory", "process_tree_other"},
        {"ProcessTreeOtherRSSMemory", "process_tree_other_rss"},
    };
    private static final int PROCESS_TREE_FROM = 14;
    private static final String[] MEMORY_METRICS = {
        "used_on_heap_storage", "used_off_heap_storage", "total_on_heap_storage", "total_off_heap_storage"};

    private final Deltas jobDeltas = new Deltas();
    private final Deltas stageDeltas = new Deltas();
    private final Deltas executorDeltas = new Deltas();
    private final Set<Integer> jobsDone = new HashSet<>();
    private final Set<String> stagesDone = new HashSet<>();
    private final boolean processTreeMetrics;

    public AppFigures(boolean processTreeMetrics) {
        this.processTreeMetrics = processTreeMetrics;
    }

    public void jobs(List<Job> jobs, Figures out) {
        jobDeltas.begin();
        Set<Integer> seen = new HashSet<>();
        for (Job j : jobs) {
            seen.add(j.id);
            boolean running = "RUNNING".equals(j.status);
            if (!running && jobsDone.contains(j.id)) {
                continue;
            }
            String tag = "status:" + j.status.toLowerCase(Locale.ROOT);
            String k = j.id + "/";
            out.count("spark.job.count", "task", 1, tag);
            out.gauge("spark.job.num_tasks", "task", j.numTasks, tag);
            out.gauge("spark.job.num_active_tasks", "task", j.numActiveTasks, tag);
            out.gauge("spark.job.num_active_stages", "stage", j.numActiveStages, tag);
            out.rate("spark.job.num_completed_tasks", "task", jobDeltas.delta(k + "ct", j.numCompletedTasks), tag);
            out.rate("spark.job.num_skipped_tasks", "task", jobDeltas.delta(k + "kt", j.numSkippedTasks), tag);
            out.rate("spark.job.num_failed_tasks", "task", jobDeltas.delta(k + "ft", j.numFailedTasks), tag);
            out.rate("spark.job.num_completed_stages", "stage", jobDeltas.delta(k + "cs", j.numCompletedStages), tag);
            out.rate("spark.job.num_skipped_stages", "stage", jobDeltas.delta(k + "ks", j.numSkippedStages), tag);
            out.rate("spark.job.num_failed_stages", "stage", jobDeltas.delta(k + "fs", j.numFailedStages), tag);
            if (!running) {
                jobsDone.add(j.id);
            }
        }
        // A job finished and reported is not read again; one Spark no longer holds is forgotten.
        jobsDone.retainAll(seen);
        jobDeltas.forgetUnseen();
    }

    public void stages(List<Stage> stages, Figures out) {
        stageDeltas.begin();
        Set<String> seen = new HashSet<>();
        for (Stage s : stages) {
            String id = s.id + "." + s.attempt;
            seen.add(id);
            boolean live = "ACTIVE".equals(s.status) || "PENDING".equals(s.status);
            if (!live && stagesDone.contains(id)) {
                continue;
            }
            String tag = "status:" + s.status.toLowerCase(Locale.ROOT);
            String k = id + "/";
            out.count("spark.stage.count", "task", 1, tag);
            out.gauge("spark.stage.num_active_tasks", "task", s.numActiveTasks, tag);
            out.rate("spark.stage.num_complete_tasks", "task", stageDeltas.delta(k + "ct", s.numCompleteTasks), tag);
            out.rate("spark.stage.num_failed_tasks", "task", stageDeltas.delta(k + "ft", s.numFailedTasks), tag);
            out.perSecond("spark.stage.executor_run_time", "fraction", stageDeltas.delta(k + "rt", s.executorRunTime),
                    tag);
            out.rate("spark.stage.input_bytes", "byte", stageDeltas.delta(k + "ib", s.inputBytes), tag);
            out.rate("spark.stage.input_records", "record", stageDeltas.delta(k + "ir", s.inputRecords), tag);
            out.rate("spark.stage.output_bytes", "byte", stageDeltas.delta(k + "ob", s.outputBytes), tag);
            out.rate("spark.stage.output_records", "record", stageDeltas.delta(k + "or", s.outputRecords), tag);
            out.rate("spark.stage.shuffle_read_bytes", "byte", stageDeltas.delta(k + "rb", s.shuffleReadBytes), tag);
            out.rate("spark.stage.shuffle_read_records", "record", stageDeltas.delta(k + "rr", s.shuffleReadRecords),
                    tag);
            out.rate("spark.stage.shuffle_write_bytes", "byte", stageDeltas.delta(k + "wb", s.shuffleWriteBytes), tag);
            out.rate("spark.stage.shuffle_write_records", "record",
                    stageDeltas.delta(k + "wr", s.shuffleWriteRecords), tag);
            out.rate("spark.stage.memory_bytes_spilled", "byte", stageDeltas.delta(k + "ms", s.memoryBytesSpilled),
                    tag);
            out.rate("spark.stage.disk_bytes_spilled", "byte", stageDeltas.delta(k + "ds", s.diskBytesSpilled), tag);
            if (!live) {
                stagesDone.add(id);
            }
        }
        stagesDone.retainAll(seen);
        stageDeltas.forgetUnseen();
    }

    public void executors(List<Executor> executors, Figures out) {
        executorDeltas.begin();
        int listed = 0;
        for (Executor e : executors) {
            executor(e, "driver".equals(e.id) ? "spark.driver." : "spark.executor.", out);
            if (e.active) {
                listed++;
            }
        }
        if (listed > 0) {
            out.gauge("spark.executor.count", "task", listed);
        }
        executorDeltas.forgetUnseen();
    }

    private void executor(Executor e, String prefix, Figures out) {
        String k = e.id + "/";
        // Running totals: every entry Spark holds adds its change, a removed executor its last one.
        out.rate(prefix + "failed_tasks", "task", executorDeltas.delta(k + "ft", e.failedTasks));
        out.rate(prefix + "completed_tasks", "task", executorDeltas.delta(k + "ct", e.completedTasks));
        out.rate(prefix + "total_tasks", "task", executorDeltas.delta(k + "tt", e.totalTasks));
        out.perSecond(prefix + "total_duration", "fraction", executorDeltas.delta(k + "td", e.totalDuration));
        out.rate(prefix + "total_input_bytes", "byte", executorDeltas.delta(k + "ib", e.totalInputBytes));
        out.rate(prefix + "total_shuffle_read", "byte", executorDeltas.delta(k + "sr", e.totalShuffleRead));
        out.rate(prefix + "total_shuffle_write", "byte", executorDeltas.delta(k + "sw", e.totalShuffleWrite));
        if (e.peak != null) {
            for (int i = 0; i < PEAK_METRICS.length && i < e.peak.length; i++) {
                String name = PEAK_METRICS[i][1];
                if (name.endsWith("_gc_count") || name.endsWith("_gc_time")) {
                    out.rate(prefix + "peak_mem." + name, name.endsWith("count") ? "garbage collection" : "millisecond",
                            executorDeltas.delta(k + name, e.peak[i]));
                }
            }
        }
        if (!e.active) {
            return;
        }
        // Levels: the active entries only, as the REST API lists them.
        out.gauge(prefix + "rdd_blocks", "block", e.rddBlocks);
        out.gauge(prefix + "memory_used", "byte", e.memoryUsed);
        out.gauge(prefix + "disk_used", "byte", e.diskUsed);
        out.gauge(prefix + "active_tasks", "task", e.activeTasks);
        out.gauge(prefix + "max_memory", "byte", e.maxMemory);
        if (e.memory != null) {
            for (int i = 0; i < MEMORY_METRICS.length && i < e.memory.length; i++) {
                out.gauge(prefix + "mem." + MEMORY_METRICS[i], "byte", e.memory[i]);
            }
        }
        if (e.peak != null) {
            int n = processTreeMetrics ? PEAK_METRICS.length : PROCESS_TREE_FROM;
            for (int i = 0; i < n && i < e.peak.length; i++) {
                String name = PEAK_METRICS[i][1];
                if (!name.endsWith("_gc_count") && !name.endsWith("_gc_time")) {
                    out.gauge(prefix + "peak_mem." + name, "byte", e.peak[i]);
                }
            }
        }
    }

    /** The RDDs with cached partitions, as the REST API's storage/rdd lists them. */
    public void rdds(List<Rdd> rdds, Figures out) {
        int cached = 0;
        for (Rdd r : rdds) {
            if (r.numCachedPartitions <= 0) {
                continue;
            }
            cached++;
            out.gauge("spark.rdd.num_partitions", null, r.numPartitions);
            out.gauge("spark.rdd.num_cached_partitions", null, r.numCachedPartitions);
            out.gauge("spark.rdd.memory_used", "byte", r.memoryUsed);
            out.gauge("spark.rdd.disk_used", "byte", r.diskUsed);
        }
        if (cached > 0) {
            out.gauge("spark.rdd.count", null, cached);
        }
    }
}
