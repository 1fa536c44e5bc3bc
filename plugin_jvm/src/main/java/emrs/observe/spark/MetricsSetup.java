package emrs.observe.spark;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.lineage.LineageWriter;
import emrs.observe.metrics.AppFigures;
import emrs.observe.metrics.Collector;
import emrs.observe.metrics.Figures;
import emrs.observe.metrics.HealthFigures;
import emrs.observe.metrics.RegistryFigures;
import emrs.observe.metrics.SparkMetricsSources;
import emrs.observe.metrics.StatusStoreReader;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.LogPipeline;
import emrs.observe.runtime.MetricsPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;

/** What each JVM's metrics path reads: the Spark objects behind the collectors. */
final class MetricsSetup {
    private MetricsSetup() {
    }

    /**
     * Starts the metrics path when {@code metrics.enabled}: on the driver ({@code sc} given) the
     * status store, the driver's metrics system and the plugin's counters; on an executor its
     * metrics system and the plugin's counters, tagged with its {@code executor_id}.
     */
    static void start(ObserveConfig cfg, JobMetadata meta, ApiKeyHolder key, Map<String, String> conf,
            SparkContext sc, String executorId) {
        if (!cfg.metricsEnabled) {
            return;
        }
        boolean processTree = "true".equalsIgnoreCase(conf.getOrDefault("spark.executor.processTreeMetrics.enabled",
                "false").trim());
        String[] jvmTags = {"executor_id:" + executorId};
        List<Collector> collectors = new ArrayList<>();
        if (sc != null) {
            collectors.add(new StatusStore(sc, processTree));
        }
        collectors.add(new Registry(processTree, jvmTags));
        collectors.add(new Health(jvmTags));
        MetricsPipeline.start(cfg, meta, key, collectors);
    }

    /** The driver's application status store: Datadog's Spark check's job, stage, executor and RDD figures. */
    private static final class StatusStore implements Collector {
        private final SparkContext sc;
        private final AppFigures figures;
        private StatusStoreReader reader;

        StatusStore(SparkContext sc, boolean processTree) {
            this.sc = sc;
            this.figures = new AppFigures(processTree);
        }

        @Override
        public String name() {
            return "Spark's application status store";
        }

        @Override
        public void collect(Figures out) throws Exception {
            if (reader == null) {
                reader = new StatusStoreReader(sc);
            }
            figures.jobs(reader.jobs(), out);
            figures.stages(reader.stages(), out);
            figures.executors(reader.executors(), out);
            figures.rdds(reader.rdds(), out);
        }
    }

    /** This JVM's Spark metrics system, under emrs.spark.*. */
    private static final class Registry implements Collector {
        private final RegistryFigures figures;
        private final String[] tags;
        private SparkMetricsSources sources;

        Registry(boolean processTree, String[] tags) {
            this.figures = new RegistryFigures(processTree);
            this.tags = tags;
        }

        @Override
        public String name() {
            return "Spark's metrics system";
        }

        @Override
        public void collect(Figures out) throws Exception {
            if (sources == null) {
                SparkEnv env = SparkEnv.get();
                sources = SparkMetricsSources.of(env == null ? null : env.metricsSystem());
            }
            figures.collect(sources.read(), out, tags);
        }
    }

    /** The plugin's own counters: logs, lineage, metrics. */
    private static final class Health implements Collector {
        private final HealthFigures figures = new HealthFigures();
        private final String[] tags;

        Health(String[] tags) {
            this.tags = tags;
        }

        @Override
        public String name() {
            return "the plugin's counters";
        }

        @Override
        public void collect(Figures out) {
            figures.collect(LogPipeline.COUNTERS, LineageWriter.live(), MetricsPipeline.COUNTERS, out, tags);
        }
    }
}
