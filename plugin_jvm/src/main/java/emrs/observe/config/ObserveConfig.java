package emrs.observe.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Everything the logger plugin reads from {@code spark.emrs.observe.*}. The full list with
 * defaults is in docs/plugin.md; keep the two in step.
 */
public final class ObserveConfig {
    public static final String PREFIX = "spark.emrs.observe.";

    public static final String VAULT_ADDR = PREFIX + "vault.addr";
    public static final String VAULT_NAMESPACE = PREFIX + "vault.namespace";
    public static final String VAULT_AUTH_METHOD = PREFIX + "vault.authMethod";
    public static final String VAULT_AUTH_ROLE = PREFIX + "vault.authRole";
    public static final String VAULT_AUTH_MOUNT = PREFIX + "vault.authMount";
    public static final String VAULT_AWS_SERVER_ID_HEADER = PREFIX + "vault.awsServerIdHeader";
    public static final String VAULT_AWS_REGION = PREFIX + "vault.awsRegion";
    public static final String VAULT_AWS_STS_ENDPOINT = PREFIX + "vault.awsStsEndpoint";
    public static final String VAULT_KV_MOUNT = PREFIX + "vault.kvMount";
    public static final String VAULT_SECRET_PATH = PREFIX + "vault.secretPath";
    public static final String VAULT_SECRET_FIELD = PREFIX + "vault.secretField";
    public static final String VAULT_TOKEN_FILE = PREFIX + "vault.tokenFile";
    public static final String VAULT_SECRET_ID_FILE = PREFIX + "vault.secretIdFile";
    public static final String VAULT_EXECUTOR_LOGIN = PREFIX + "vault.executorLogin";
    public static final String VAULT_TIMEOUT = PREFIX + "vault.timeoutMs";
    public static final String VAULT_CA_CERT = PREFIX + "vault.caCert";

    public static final String DD_SITE = PREFIX + "datadog.site";
    public static final String DD_URL = PREFIX + "datadog.url";
    public static final String DD_SERVICE = PREFIX + "datadog.service";
    public static final String DD_SOURCE = PREFIX + "datadog.source";
    public static final String DD_BUFFER_MAX_BYTES = PREFIX + "datadog.bufferMaxBytes";
    public static final String DD_SHUTDOWN_TIMEOUT = PREFIX + "datadog.shutdownTimeoutMs";
    public static final String DD_FLUSH_INTERVAL = PREFIX + "datadog.flushIntervalMs";
    public static final String DD_MAX_RETRIES = PREFIX + "datadog.maxRetries";
    public static final String DD_RETRY_BASE = PREFIX + "datadog.retryBaseMs";
    public static final String DD_RETRY_MAX = PREFIX + "datadog.retryMaxMs";
    public static final String DD_REQUEST_TIMEOUT = PREFIX + "datadog.requestTimeoutMs";
    public static final String DD_CONCURRENT_REQUESTS = PREFIX + "datadog.concurrentRequests";
    public static final String DD_METRICS_URL = PREFIX + "datadog.metricsUrl";

    public static final String METRICS_ENABLED = PREFIX + "metrics.enabled";
    public static final String METRICS_INTERVAL = PREFIX + "metrics.intervalMs";

    public static final String LOG4J_LOCATION = PREFIX + "log4j.location";
    public static final String LOG_PACKAGES = PREFIX + "log.packages";
    public static final String TAGS = PREFIX + "tags";
    public static final String FAIL_ON_ERROR = PREFIX + "failOnError";
    public static final String CONSOLE_CAPTURE = PREFIX + "console.capture";

    public static final String META_EMR_APPLICATION_ID = PREFIX + "meta.emrApplicationId";
    public static final String META_EMR_JOB_RUN_ID = PREFIX + "meta.emrJobRunId";
    public static final String META_RELEASE_LABEL = PREFIX + "meta.releaseLabel";

    public static final long DEFAULT_BUFFER_MAX_BYTES = 32L << 20;

    public final String vaultAddr;
    public final String vaultNamespace;
    public final String vaultAuthMethod;
    public final String vaultAuthRole;
    public final String vaultAuthMount;
    public final String vaultAwsServerIdHeader;
    public final String vaultAwsRegion;
    public final String vaultAwsStsEndpoint;
    public final String vaultKvMount;
    public final String vaultSecretPath;
    public final String vaultSecretField;
    public final String vaultTokenFile;
    public final String vaultSecretIdFile;
    public final boolean vaultExecutorLogin;
    public final int vaultTimeoutMs;
    public final String vaultCaCert;

    public final String datadogUrl;
    public final String datadogService;
    public final String datadogSource;
    public final long bufferMaxBytes;
    public final long shutdownTimeoutMs;
    public final long flushIntervalMs;
    public final int maxRetries;
    public final long retryBaseMs;
    public final long retryMaxMs;
    public final int requestTimeoutMs;
    public final int concurrentRequests;
    public final String datadogMetricsUrl;

    public final boolean metricsEnabled;
    public final long metricsIntervalMs;

    public final String log4jLocation;
    public final List<String> logPackages;
    public final Map<String, String> tags;
    public final boolean failOnError;
    public final boolean consoleCapture;

    public final List<String> metaEmrApplicationId;
    public final List<String> metaEmrJobRunId;
    public final List<String> metaReleaseLabel;

    public final List<String> problems;

    private ObserveConfig(ConfigReader r) {
        vaultAddr = trimSlash(r.string(VAULT_ADDR));
        vaultNamespace = r.string(VAULT_NAMESPACE);
        vaultAuthMethod = r.choice(VAULT_AUTH_METHOD, "aws", "aws", "approle", "token");
        vaultAuthRole = r.string(VAULT_AUTH_ROLE);
        vaultAuthMount = r.string(VAULT_AUTH_MOUNT, vaultAuthMethod);
        vaultAwsServerIdHeader = r.string(VAULT_AWS_SERVER_ID_HEADER);
        vaultAwsRegion = r.string(VAULT_AWS_REGION, "us-east-1");
        // Unset: the STS endpoint of vault.awsRegion's partition (see StsEndpoints).
        vaultAwsStsEndpoint = trimSlash(r.string(VAULT_AWS_STS_ENDPOINT));
        vaultKvMount = trimSlashes(r.string(VAULT_KV_MOUNT, "secret"));
        vaultSecretPath = trimSlashes(r.string(VAULT_SECRET_PATH));
        vaultSecretField = r.string(VAULT_SECRET_FIELD, "api_key");
        vaultTokenFile = r.string(VAULT_TOKEN_FILE);
        vaultSecretIdFile = r.string(VAULT_SECRET_ID_FILE);
        vaultExecutorLogin = r.bool(VAULT_EXECUTOR_LOGIN, false);
        vaultTimeoutMs = (int) r.millis(VAULT_TIMEOUT, 5_000, 100, 120_000);
        vaultCaCert = r.string(VAULT_CA_CERT);

        String site = r.string(DD_SITE, "datadoghq.com");
        String url = trimSlash(r.string(DD_URL));
        datadogUrl = url != null ? url : "https://http-intake.logs." + site + "/api/v2/logs";
        datadogService = r.string(DD_SERVICE);
        datadogSource = r.string(DD_SOURCE, "spark");
        bufferMaxBytes = r.bytes(DD_BUFFER_MAX_BYTES, DEFAULT_BUFFER_MAX_BYTES, 1L << 20, 4L << 30);
        shutdownTimeoutMs = r.millis(DD_SHUTDOWN_TIMEOUT, 10_000, 0, 600_000);
        flushIntervalMs = r.millis(DD_FLUSH_INTERVAL, 1_000, 10, 60_000);
        maxRetries = r.intInRange(DD_MAX_RETRIES, 5, 0, 100);
        retryBaseMs = r.millis(DD_RETRY_BASE, 250, 1, 60_000);
        retryMaxMs = r.millis(DD_RETRY_MAX, 10_000, 1, 600_000);
        requestTimeoutMs = (int) r.millis(DD_REQUEST_TIMEOUT, 10_000, 100, 600_000);
        concurrentRequests = r.intInRange(DD_CONCURRENT_REQUESTS, 2, 1, 16);
        String metricsUrl = trimSlash(r.string(DD_METRICS_URL));
        datadogMetricsUrl = metricsUrl != null ? metricsUrl : "https://api." + site + "/api/v2/series";

        // Off unless spark-defaults turn it on (defaults render does): every series is a Datadog custom
        // metric, billed per series, so upgrading the jar must not start a bill by itself.
        metricsEnabled = r.bool(METRICS_ENABLED, false);
        // 15 s, the Datadog Agent's default check interval: each point then covers what one run of
        // Datadog's Spark check covers, and a job of under a minute still gets several points.
        metricsIntervalMs = r.millis(METRICS_INTERVAL, 15_000, 1_000, 600_000);

        log4jLocation = r.string(LOG4J_LOCATION);
        logPackages = r.list(LOG_PACKAGES);
        tags = Collections.unmodifiableMap(r.tags(TAGS));
        failOnError = r.bool(FAIL_ON_ERROR, false);
        consoleCapture = r.bool(CONSOLE_CAPTURE, true);

        metaEmrApplicationId = sources(r, META_EMR_APPLICATION_ID,
                "env:EMR_SERVERLESS_APPLICATION_ID,conf:spark.emr-serverless.applicationId");
        metaEmrJobRunId = sources(r, META_EMR_JOB_RUN_ID,
                "env:EMR_SERVERLESS_JOB_RUN_ID,conf:spark.emr-serverless.jobRunId");
        metaReleaseLabel = sources(r, META_RELEASE_LABEL,
                "env:EMR_RELEASE_LABEL,conf:spark.emr-serverless.releaseLabel");

        if (vaultAddr != null && vaultSecretPath == null) {
            r.problems().add(VAULT_SECRET_PATH + " is not set but " + VAULT_ADDR
                    + " is: the plugin cannot know which Vault secret holds the Datadog API key");
        }
        if (vaultAddr != null && !"token".equals(vaultAuthMethod) && vaultAuthRole == null) {
            r.problems().add(VAULT_AUTH_ROLE + " is not set; the " + vaultAuthMethod + " login needs a role");
        }
        problems = r.problems().messages();
    }

    public static ObserveConfig parse(Map<String, String> conf) {
        return new ObserveConfig(new ConfigReader(conf, new ConfigProblems()));
    }

    private static List<String> sources(ConfigReader r, String key, String dflt) {
        List<String> out = r.list(key);
        if (out.isEmpty()) {
            out = new ConfigReader(Collections.singletonMap(key, dflt), new ConfigProblems()).list(key);
        }
        for (String s : out) {
            if (!s.startsWith("env:") && !s.startsWith("conf:")) {
                r.problems().add(key + ": source '" + s + "' must start with env: or conf:; ignored");
            }
        }
        return out;
    }

    private static String trimSlash(String s) {
        return s == null ? null : s.replaceAll("/+$", "");
    }

    private static String trimSlashes(String s) {
        return s == null ? null : s.replaceAll("^/+|/+$", "");
    }
}
