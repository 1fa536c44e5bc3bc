package emrs.observe.runtime;

import emrs.observe.config.ObserveConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What identifies the job and this JVM in every log event (ddtags) and lineage object. */
public final class JobMetadata {
    static final int MAX_TAG_LENGTH = 200;

    public final String sparkAppId;
    public final String sparkAppName;
    public final String emrApplicationId;
    public final String emrJobRunId;
    public final String releaseLabel;
    public final String executorId;
    public final String hostname;
    public final Map<String, String> tags;

    public JobMetadata(String sparkAppId, String sparkAppName, String emrApplicationId, String emrJobRunId,
            String releaseLabel, String executorId, String hostname, Map<String, String> tags) {
        this.sparkAppId = sparkAppId;
        this.sparkAppName = sparkAppName;
        this.emrApplicationId = emrApplicationId;
        this.emrJobRunId = emrJobRunId;
        this.releaseLabel = releaseLabel;
        this.executorId = executorId;
        this.hostname = hostname;
        this.tags = tags;
    }

    public JobMetadata withSparkAppId(String appId) {
        return new JobMetadata(appId, sparkAppName, emrApplicationId, emrJobRunId, releaseLabel, executorId, hostname,
                tags);
    }

    public static JobMetadata resolve(ObserveConfig cfg, Map<String, String> conf, Map<String, String> env,
            String appId, String appName, String executorId) {
        return new JobMetadata(appId, appName, lookup(cfg.metaEmrApplicationId, conf, env),
                lookup(cfg.metaEmrJobRunId, conf, env), lookup(cfg.metaReleaseLabel, conf, env), executorId,
                hostname(env), cfg.tags);
    }

    static String lookup(List<String> sources, Map<String, String> conf, Map<String, String> env) {
        for (String s : sources) {
            String v = null;
            if (s.startsWith("env:")) {
                v = env.get(s.substring(4));
            } else if (s.startsWith("conf:")) {
                v = conf.get(s.substring(5));
            }
            if (v != null && !v.trim().isEmpty()) {
                return v.trim();
            }
        }
        return null;
    }

    static String hostname(Map<String, String> env) {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            String h = env.get("HOSTNAME");
            return h == null ? "unknown" : h;
        }
    }

    /** Datadog tags: "name:value" joined by commas; commas inside values would split a tag. */
    public String ddtags() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spark_app_id", sparkAppId);
        all.put("spark_app_name", sparkAppName);
        all.put("executor_id", executorId);
        all.put("emr_application_id", emrApplicationId);
        all.put("emr_job_run_id", emrJobRunId);
        all.put("release_label", releaseLabel);
        all.putAll(tags);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(clean(e.getKey())).append(':').append(clean(e.getValue()));
        }
        return sb.toString();
    }

    /**
     * The tags of every metric series this JVM sends: the logs' tags without {@code executor_id},
     * which only per-executor figures carry, and with {@code service}, which logs carry as a field.
     */
    public List<String> metricTags(String service) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("service", service);
        all.put("spark_app_name", sparkAppName);
        all.put("spark_app_id", sparkAppId);
        all.put("emr_application_id", emrApplicationId);
        all.put("emr_job_run_id", emrJobRunId);
        all.put("release_label", releaseLabel);
        all.putAll(tags);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (e.getValue() != null && !e.getValue().isEmpty()) {
                String tag = clean(e.getKey()) + ":" + clean(e.getValue());
                // Datadog keeps the first 200 characters of a tag; cut here, so every series agrees.
                out.add(tag.length() > MAX_TAG_LENGTH ? tag.substring(0, MAX_TAG_LENGTH) : tag);
            }
        }
        return out;
    }

    private static String clean(String s) {
        return s.replace(',', '_').replaceAll("\\s+", "_");
    }
}
