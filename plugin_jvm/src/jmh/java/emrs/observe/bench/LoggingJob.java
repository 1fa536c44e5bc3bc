package emrs.observe.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.substring;

import java.util.Iterator;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

/**
 * Called from benchmarks/plugin_spark_1m.py: a Spark job whose tasks log while they work, as a
 * chatty job does. It derives a value from each of {@code rows} ids, logs one line every
 * {@code every} rows from the executor's task threads, then shuffles (group by the value's
 * first two characters) and writes Parquet. Returns "elapsedMs,linesLogged,threadCpu" where
 * threadCpu is {@link ThreadCpu#since}: the CPU the job's tasks, the plugin's threads, the JIT
 * and the GC took over the run, which the wall time alone does not tell apart.
 */
public final class LoggingJob {
    private LoggingJob() {
    }

    public static String run(SparkSession spark, long rows, int every, int partitions, String outDir) {
        Map<String, Long> cpu = ThreadCpu.snapshot();
        long start = System.nanoTime();
        spark.range(0, rows, 1, partitions).as(Encoders.LONG())
                .mapPartitions((MapPartitionsFunction<Long, String>) ids -> new Derive(ids, every), Encoders.STRING())
                .groupBy(substring(col("value"), 0, 2).as("prefix"))
                .count()
                .write().mode("overwrite").parquet(outDir);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        return elapsedMs + "," + (rows + every - 1) / every + "," + ThreadCpu.since(cpu);
    }

    private static final class Derive implements Iterator<String> {
        private static final Logger LOG = LogManager.getLogger("emrs.bench.job");
        private final Iterator<Long> ids;
        private final int every;
        private final int partition = TaskContext.getPartitionId();

        Derive(Iterator<Long> ids, int every) {
            this.ids = ids;
            this.every = every;
        }

        @Override
        public boolean hasNext() {
            return ids.hasNext();
        }

        @Override
        public String next() {
            long id = ids.next();
            if (id % every == 0) {
                LOG.info("processed record {} of partition {} with status {}", id, partition, "ok");
            }
            return Long.toHexString(id * 0x9E3779B97F4A7C15L);
        }
    }
}
