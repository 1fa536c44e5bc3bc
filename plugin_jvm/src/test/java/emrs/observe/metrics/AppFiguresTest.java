package emrs.observe.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppFiguresTest {
    private final Set<String> sent = new HashSet<>();
    /** Series key to what it added up to over every collection (rates as counts), as Datadog would sum it. */
    private final Map<String, Double> totals = new HashMap<>();

    private Map<String, Point> collect(AppFigures app, List<AppFigures.Job> jobs, List<AppFigures.Stage> stages,
            List<AppFigures.Executor> executors) {
        Figures f = new Figures();
        app.jobs(jobs, f);
        app.stages(stages, f);
        app.executors(executors, f);
        Map<String, Point> out = new HashMap<>();
        for (Point p : f.points(10, sent)) {
            out.put(p.seriesKey(), p);
            double amount = p.kind == MetricKind.RATE ? p.value * p.intervalSec : p.value;
            totals.merge(p.seriesKey(), amount, Double::sum);
        }
        return out;
    }

    private static AppFigures.Job job(int id, String status, int tasks, int done, int failed) {
        AppFigures.Job j = new AppFigures.Job();
        j.id = id;
        j.status = status;
        j.numTasks = tasks;
        j.numCompletedTasks = done;
        j.numFailedTasks = failed;
        j.numActiveTasks = "RUNNING".equals(status) ? tasks - done : 0;
        return j;
    }

    private static AppFigures.Stage stage(int id, int attempt, String status, int done, long outputRecords) {
        AppFigures.Stage s = new AppFigures.Stage();
        s.id = id;
        s.attempt = attempt;
        s.status = status;
        s.numCompleteTasks = done;
        s.outputRecords = outputRecords;
        s.executorRunTime = done * 1000L;
        return s;
    }

    private static AppFigures.Executor executor(String id, boolean active, long completed, long memoryUsed) {
        AppFigures.Executor e = new AppFigures.Executor();
        e.id = id;
        e.active = active;
        e.completedTasks = completed;
        e.totalTasks = completed;
        e.memoryUsed = memoryUsed;
        e.peak = new long[AppFigures.PEAK_METRICS.length];
        return e;
    }

    @Test
    void aJobIsCountedWhileItRunsAndOnceWhenItEndsAndItsTasksAddUpToItsTotals() {
        AppFigures app = new AppFigures(false);
        List<AppFigures.Executor> none = Collections.emptyList();
        List<AppFigures.Stage> noStages = Collections.emptyList();
        Map<String, Point> first = collect(app, Arrays.asList(job(0, "RUNNING", 10, 4, 1)), noStages, none);
        assertEquals(1, first.get("spark.job.count[status:running]").value);
        assertEquals(10, first.get("spark.job.num_tasks[status:running]").value);
        assertEquals(6, first.get("spark.job.num_active_tasks[status:running]").value);
        assertEquals(MetricKind.RATE, first.get("spark.job.num_completed_tasks[status:running]").kind);
        // Job 1 started and ended between two collections; job 0 ended.
        Map<String, Point> second = collect(app, Arrays.asList(job(0, "SUCCEEDED", 10, 10, 1),
                job(1, "FAILED", 3, 1, 4)), noStages, none);
        assertEquals(1, second.get("spark.job.count[status:succeeded]").value);
        assertEquals(1, second.get("spark.job.count[status:failed]").value);
        assertNull(second.get("spark.job.count[status:running]"));
        // Nothing new: finished jobs are not counted again.
        Map<String, Point> third = collect(app, Arrays.asList(job(0, "SUCCEEDED", 10, 10, 1),
                job(1, "FAILED", 3, 1, 4)), noStages, none);
        assertFalse(third.containsKey("spark.job.count[status:succeeded]"));
        double completed = totals.get("spark.job.num_completed_tasks[status:running]")
                + totals.get("spark.job.num_completed_tasks[status:succeeded]")
                + totals.get("spark.job.num_completed_tasks[status:failed]");
        assertEquals(11, completed, 1e-9);
        assertEquals(1 + 4, totals.get("spark.job.num_failed_tasks[status:running]")
                + totals.get("spark.job.num_failed_tasks[status:succeeded]")
                + totals.get("spark.job.num_failed_tasks[status:failed]"), 1e-9);
        assertEquals(2, totals.get("spark.job.count[status:succeeded]") + totals.get("spark.job.count[status:failed]"));
    }

    @Test
    void stageAttemptsAreApartAndRunTimeIsMillisecondsPerSecond() {
        AppFigures app = new AppFigures(false);
        List<AppFigures.Job> noJobs = Collections.emptyList();
        List<AppFigures.Executor> none = Collections.emptyList();
        Map<String, Point> first = collect(app, noJobs, Arrays.asList(stage(3, 0, "ACTIVE", 2, 200),
                stage(4, 0, "PENDING", 0, 0)), none);
        assertEquals(2_000 / 10.0, first.get("spark.stage.executor_run_time[status:active]").value);
        assertEquals(1, first.get("spark.stage.count[status:pending]").value);
        collect(app, noJobs, Arrays.asList(stage(3, 0, "FAILED", 2, 200), stage(3, 1, "COMPLETE", 5, 500),
                stage(4, 0, "SKIPPED", 0, 0)), none);
        assertEquals(500 + 200, totals.get("spark.stage.output_records[status:active]")
                + totals.get("spark.stage.output_records[status:complete]")
                + totals.get("spark.stage.output_records[status:failed]"), 1e-9);
        assertEquals(1, totals.get("spark.stage.count[status:complete]"));
        assertEquals(1, totals.get("spark.stage.count[status:failed]"));
        assertEquals(1, totals.get("spark.stage.count[status:skipped]"));
    }

    @Test
    void executorsAddUpTheDriverIsApartAndRemovedExecutorsKeepTheirTasks() {
        AppFigures app = new AppFigures(false);
        List<AppFigures.Job> noJobs = Collections.emptyList();
        List<AppFigures.Stage> noStages = Collections.emptyList();
        Map<String, Point> first = collect(app, noJobs, noStages, Arrays.asList(executor("driver", true, 0, 10),
                executor("1", true, 5, 100), executor("2", true, 7, 200)));
        assertEquals(3, first.get("spark.executor.count").value); // the REST API lists the driver too
        assertEquals(300, first.get("spark.executor.memory_used").value);
        assertEquals(10, first.get("spark.driver.memory_used").value);
        // Executor 2 finished two more tasks, then was removed before the next collection.
        Map<String, Point> second = collect(app, noJobs, noStages, Arrays.asList(executor("driver", true, 0, 10),
                executor("1", true, 6, 100), executor("2", false, 9, 0)));
        assertEquals(2, second.get("spark.executor.count").value);
        assertEquals(100, second.get("spark.executor.memory_used").value);
        assertEquals(9 + 6, totals.get("spark.executor.completed_tasks"), 1e-9);
        assertFalse(first.containsKey("spark.executor.peak_mem.process_tree_jvm"));
        assertEquals(MetricKind.GAUGE, first.get("spark.executor.peak_mem.jvm_heap_memory").kind);
        assertEquals(MetricKind.RATE, first.get("spark.executor.peak_mem.minor_gc_count").kind);
    }

    @Test
    void inLocalModeOnlyTheDriverIsReportedAndRddsOnlyWhenCached() {
        AppFigures app = new AppFigures(true);
        Figures f = new Figures();
        app.executors(new ArrayList<>(Collections.singletonList(executor("driver", true, 4, 1))), f);
        AppFigures.Rdd cached = new AppFigures.Rdd();
        cached.numPartitions = 4;
        cached.numCachedPartitions = 3;
        cached.memoryUsed = 1000;
        AppFigures.Rdd notCached = new AppFigures.Rdd();
        notCached.numPartitions = 8;
        app.rdds(Arrays.asList(cached, notCached), f);
        Map<String, Point> p = new HashMap<>();
        for (Point x : f.points(10, sent)) {
            p.put(x.seriesKey(), x);
        }
        assertEquals(1, p.get("spark.executor.count").value);
        assertFalse(p.containsKey("spark.executor.completed_tasks"));
        assertEquals(1, p.get("spark.rdd.count").value);
        assertEquals(4, p.get("spark.rdd.num_partitions").value);
        assertEquals(0, p.get("spark.driver.peak_mem.process_tree_jvm").value); // processTreeMetrics on
    }
}
