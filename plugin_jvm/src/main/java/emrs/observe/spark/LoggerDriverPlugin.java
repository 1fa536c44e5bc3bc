package emrs.observe.spark;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.LogPipeline;
import emrs.observe.runtime.MetricsPipeline;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * Driver side: gets the API key, starts shipping the driver's logs, and answers executors that
 * ask for the key. The key never goes into the map returned by {@link #init}: Spark copies that
 * map into SparkConf, which the UI shows and the event log records.
 */
public final class LoggerDriverPlugin implements DriverPlugin {
    private volatile ApiKeyHolder key;
    private volatile String keyProblem = "the driver has not fetched the Datadog API key";
    private ObserveConfig cfg;

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext ctx) {
        Map<String, String> env = System.getenv();
        Map<String, String> conf = PluginSupport.confMap(sc.getConf());
        cfg = PluginSupport.parse(conf, "driver");
        JobMetadata meta = JobMetadata.resolve(cfg, conf, env, sc.applicationId(), sc.appName(), "driver");
        try {
            key = ApiKeySource.fetch(cfg, env);
            keyProblem = null;
        } catch (Exception e) {
            keyProblem = e.getMessage();
            PluginSupport.fail(cfg, "could not get the Datadog API key", e);
        }
        try {
            PluginSupport.startLogging(cfg, meta, key, env);
        } catch (RuntimeException | LinkageError e) {
            PluginSupport.fail(cfg, "could not set up log shipping on the driver", e);
        }
        PluginSupport.startMetrics(cfg, meta, key, conf, sc, "driver");
        return Collections.emptyMap();
    }

    @Override
    public Object receive(Object message) {
        if (!PluginSupport.ASK_API_KEY.equals(message)) {
            throw new IllegalArgumentException("emrs-observe driver plugin: unknown message " + message);
        }
        // Plain java.util types: the executor's classloader may not resolve ours during RPC decode.
        HashMap<String, String> reply = new HashMap<>();
        ApiKeyHolder k = key;
        if (k != null && k.present()) {
            reply.put("apiKey", k.get().reveal());
        } else {
            reply.put("error", keyProblem == null ? "no API key on the driver" : keyProblem);
        }
        return reply;
    }

    @Override
    public void registerMetrics(String appId, PluginContext ctx) {
        LogPipeline pipeline = LogPipeline.current();
        if (pipeline != null && appId != null) {
            pipeline.setSparkAppId(appId);
        }
        MetricsPipeline metrics = MetricsPipeline.current();
        if (metrics != null && appId != null) {
            metrics.setSparkAppId(appId);
        }
        PluginSupport.registerMetrics(ctx.metricRegistry());
    }

    @Override
    public void shutdown() {
        PluginSupport.stopLogging();
    }
}
