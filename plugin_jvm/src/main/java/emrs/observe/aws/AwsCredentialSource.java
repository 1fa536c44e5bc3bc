package emrs.observe.aws;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.useragent.BusinessMetricFeatureId;

/**
 * AWS credentials as the AWS SDK's default chain finds them: system properties, environment,
 * web identity token, profile files, the container credentials endpoint, instance metadata.
 * How EMR Serverless hands the job runtime role to the JVM is the SDK's business, not a chain of
 * our own. One provider per JVM: it caches temporary credentials and refreshes them before they
 * expire, so each Vault login (renewals included) gets valid keys without a new STS call.
 */
public final class AwsCredentialSource {
    private static final Map<String, String> SOURCES = sourceNames();
    private static DefaultCredentialsProvider provider;

    private AwsCredentialSource() {
    }

    /** Resolves credentials now; the message of a failure lists each source the SDK tried. */
    public static AwsCredentials resolve() throws IOException {
        try {
            return provider().resolveCredentials();
        } catch (SdkException | IllegalStateException | IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Where the credentials came from, e.g. "environment variables" or "web identity token file,
     * STS AssumeRoleWithWebIdentity". The SDK names its providers by user-agent metric codes
     * ("g", "h,k"), which say nothing to someone reading a warning; unknown codes are kept as they are.
     */
    public static String source(AwsCredentials credentials) {
        String codes = credentials.providerName().orElse("");
        List<String> names = new ArrayList<>();
        for (String code : codes.split(",")) {
            if (!code.trim().isEmpty()) {
                names.add(SOURCES.getOrDefault(code.trim(), code.trim()));
            }
        }
        return names.isEmpty() ? "the AWS SDK default chain" : String.join(", ", names);
    }

    private static Map<String, String> sourceNames() {
        Map<String, String> readable = new HashMap<>();
        readable.put("CREDENTIALS_ENV_VARS", "environment variables");
        readable.put("CREDENTIALS_JVM_SYSTEM_PROPERTIES", "JVM system properties");
        readable.put("CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN", "web identity token file");
        readable.put("CREDENTIALS_STS_ASSUME_ROLE_WEB_ID", "STS AssumeRoleWithWebIdentity");
        readable.put("CREDENTIALS_HTTP", "container credentials endpoint");
        readable.put("CREDENTIALS_IMDS", "instance metadata");
        readable.put("CREDENTIALS_PROFILE", "profile file");
        Map<String, String> byCode = new HashMap<>();
        for (BusinessMetricFeatureId id : BusinessMetricFeatureId.values()) {
            String name = id.name();
            if (name.startsWith("CREDENTIALS_")) {
                byCode.put(id.value(), readable.getOrDefault(name,
                        name.substring("CREDENTIALS_".length()).toLowerCase(Locale.ROOT).replace('_', ' ')));
            }
        }
        return byCode;
    }

    private static synchronized DefaultCredentialsProvider provider() {
        if (provider == null) {
            provider = DefaultCredentialsProvider.builder().build();
        }
        return provider;
    }
}
