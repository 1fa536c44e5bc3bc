package emrs.observe.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/** Enabled by {@code spark.plugins=emrs.observe.spark.LoggerSparkPlugin}: ships logs to Datadog. */
public final class LoggerSparkPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return new LoggerDriverPlugin();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new LoggerExecutorPlugin();
    }
}
