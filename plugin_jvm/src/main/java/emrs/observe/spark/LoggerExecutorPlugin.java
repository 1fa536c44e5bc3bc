package emrs.observe.spark;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.LogPipeline;
import emrs.observe.vault.Secret;
import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * Executor side: gets the API key from the driver over Spark's RPC (or by its own Vault login
 * when {@code vault.executorLogin=true}) and ships this executor's logs, tagged with its id.
 */
public final class LoggerExecutorPlugin implements ExecutorPlugin {
    private boolean owner;

    @Override
    public void init(PluginContext ctx, Map<String, String> extraConf) {
        if (LogPipeline.current() != null) {
            return; // local mode: the driver plugin already set up this JVM
        }
        owner = true;
        Map<String, String> env = System.getenv();
        Map<String, String> conf = PluginSupport.confMap(ctx.conf());
        ObserveConfig cfg = PluginSupport.parse(conf, "executor " + ctx.executorID());
        JobMetadata meta = JobMetadata.resolve(cfg, conf, env, conf.get("spark.app.id"), conf.get("spark.app.name"),
                ctx.executorID());
        ApiKeyHolder key = null;
        try {
            key = cfg.vaultExecutorLogin ? ApiKeySource.fetch(cfg, env) : askDriver(ctx);
        } catch (Exception e) {
            PluginSupport.fail(cfg, "could not get the Datadog API key on executor " + ctx.executorID(), e);
        }
        try {
            PluginSupport.startLogging(cfg, meta, key, env);
        } catch (RuntimeException | LinkageError e) {
            PluginSupport.fail(cfg, "could not set up log shipping on executor " + ctx.executorID(), e);
        }
        PluginSupport.startMetrics(cfg, meta, key, conf, null, ctx.executorID());
        PluginSupport.registerMetrics(ctx.metricRegistry());
    }

    private static ApiKeyHolder askDriver(PluginContext ctx) throws Exception {
        Object reply = ctx.ask(PluginSupport.ASK_API_KEY);
        if (!(reply instanceof Map)) {
            throw new IllegalStateException("the driver plugin answered the API key request with " + reply);
        }
        Map<?, ?> m = (Map<?, ?>) reply;
        Object key = m.get("apiKey");
        if (key == null) {
            throw new IllegalStateException("the driver has no API key to give: " + m.get("error"));
        }
        // No refresh source: executors re-ask nothing; a rotated key reaches them on the next job.
        return new ApiKeyHolder(new Secret(key.toString()), null, Long.MAX_VALUE);
    }

    @Override
    public void shutdown() {
        if (owner) {
            PluginSupport.stopLogging();
        }
    }
}
