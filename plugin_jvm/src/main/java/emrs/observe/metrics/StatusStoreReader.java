package emrs.observe.metrics;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.status.ExecutorSummaryWrapper;
import org.apache.spark.status.JobDataWrapper;
import org.apache.spark.status.RDDStorageInfoWrapper;
import org.apache.spark.status.StageDataWrapper;
import org.apache.spark.status.api.v1.ExecutorSummary;
import org.apache.spark.status.api.v1.JobData;
import org.apache.spark.status.api.v1.MemoryMetrics;
import org.apache.spark.status.api.v1.RDDStorageInfo;
import org.apache.spark.status.api.v1.StageData;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.KVStoreIterator;
import scala.Option;

/**
 * Reads the driver's application status store: the same {@code KVStore} Spark's REST API and UI
 * read, so the figures are the ones the REST API shows (Datadog's Spark check reads that API).
 *
 * <p>Through the {@code KVStore} interface (Java, in {@code spark-kvstore}) and the stored wrappers'
 * getters, which return Java and primitive types with the same signatures in Spark 3.5 (Scala 2.12)
 * and 4.0 (Scala 2.13); {@code AppStatusStore}'s own list methods return Scala {@code Seq}s, whose
 * class differs between the two, so they are not called. A {@code LinkageError} here means a Spark
 * whose store is shaped otherwise: the caller stops reading it.
 */
public final class StatusStoreReader {
    private final KVStore store;

    public StatusStoreReader(SparkContext sc) {
        this.store = sc.statusStore().store();
    }

    public List<AppFigures.Job> jobs() throws Exception {
        List<AppFigures.Job> out = new ArrayList<>();
        try (KVStoreIterator<JobDataWrapper> it = store.view(JobDataWrapper.class).closeableIterator()) {
            while (it.hasNext()) {
                JobData d = it.next().info();
                AppFigures.Job j = new AppFigures.Job();
                j.id = d.jobId();
                j.status = d.status().name();
                j.numTasks = d.numTasks();
                j.numActiveTasks = d.numActiveTasks();
                j.numCompletedTasks = d.numCompletedTasks();
                j.numSkippedTasks = d.numSkippedTasks();
                j.numFailedTasks = d.numFailedTasks();
                j.numActiveStages = d.numActiveStages();
                j.numCompletedStages = d.numCompletedStages();
                j.numSkippedStages = d.numSkippedStages();
                j.numFailedStages = d.numFailedStages();
                out.add(j);
            }
        }
        return out;
    }

    public List<AppFigures.Stage> stages() throws Exception {
        List<AppFigures.Stage> out = new ArrayList<>();
        try (KVStoreIterator<StageDataWrapper> it = store.view(StageDataWrapper.class).closeableIterator()) {
            while (it.hasNext()) {
                StageData d = it.next().info();
                AppFigures.Stage s = new AppFigures.Stage();
                s.id = d.stageId();
                s.attempt = d.attemptId();
                s.status = d.status().name();
                s.numActiveTasks = d.numActiveTasks();
                s.numCompleteTasks = d.numCompleteTasks();
                s.numFailedTasks = d.numFailedTasks();
                s.executorRunTime = d.executorRunTime();
                s.inputBytes = d.inputBytes();
                s.inputRecords = d.inputRecords();
                s.outputBytes = d.outputBytes();
                s.outputRecords = d.outputRecords();
                s.shuffleReadBytes = d.shuffleReadBytes();
                s.shuffleReadRecords = d.shuffleReadRecords();
                s.shuffleWriteBytes = d.shuffleWriteBytes();
                s.shuffleWriteRecords = d.shuffleWriteRecords();
                s.memoryBytesSpilled = d.memoryBytesSpilled();
                s.diskBytesSpilled = d.diskBytesSpilled();
                out.add(s);
            }
        }
        return out;
    }

    public List<AppFigures.Executor> executors() throws Exception {
        List<AppFigures.Executor> out = new ArrayList<>();
        try (KVStoreIterator<ExecutorSummaryWrapper> it =
                store.view(ExecutorSummaryWrapper.class).closeableIterator()) {
            while (it.hasNext()) {
                ExecutorSummary d = it.next().info();
                AppFigures.Executor e = new AppFigures.Executor();
                e.id = d.id();
                e.active = d.isActive();
                e.rddBlocks = d.rddBlocks();
                e.memoryUsed = d.memoryUsed();
                e.diskUsed = d.diskUsed();
                e.activeTasks = d.activeTasks();
                e.failedTasks = d.failedTasks();
                e.completedTasks = d.completedTasks();
                e.totalTasks = d.totalTasks();
                e.totalDuration = d.totalDuration();
                e.totalInputBytes = d.totalInputBytes();
                e.totalShuffleRead = d.totalShuffleRead();
                e.totalShuffleWrite = d.totalShuffleWrite();
                e.maxMemory = d.maxMemory();
                Option<MemoryMetrics> memory = d.memoryMetrics();
                if (memory.isDefined()) {
                    MemoryMetrics m = memory.get();
                    e.memory = new long[] {m.usedOnHeapStorageMemory(), m.usedOffHeapStorageMemory(),
                        m.totalOnHeapStorageMemory(), m.totalOffHeapStorageMemory()};
                }
                Option<ExecutorMetrics> peak = d.peakMemoryMetrics();
                if (peak.isDefined()) {
                    ExecutorMetrics m = peak.get();
                    e.peak = new long[AppFigures.PEAK_METRICS.length];
                    for (int i = 0; i < e.peak.length; i++) {
                        e.peak[i] = m.getMetricValue(AppFigures.PEAK_METRICS[i][0]);
                    }
                }
                out.add(e);
            }
        }
        return out;
    }

    public List<AppFigures.Rdd> rdds() throws Exception {
        List<AppFigures.Rdd> out = new ArrayList<>();
        try (KVStoreIterator<RDDStorageInfoWrapper> it = store.view(RDDStorageInfoWrapper.class).closeableIterator()) {
            while (it.hasNext()) {
                RDDStorageInfo d = it.next().info();
                AppFigures.Rdd r = new AppFigures.Rdd();
                r.numPartitions = d.numPartitions();
                r.numCachedPartitions = d.numCachedPartitions();
                r.memoryUsed = d.memoryUsed();
                r.diskUsed = d.diskUsed();
                out.add(r);
            }
        }
        return out;
    }
}
