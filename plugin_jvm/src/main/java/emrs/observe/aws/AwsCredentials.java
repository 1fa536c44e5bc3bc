package emrs.observe.aws;

/** An AWS access key pair with an optional session token. Never printed: toString hides it. */
public final class AwsCredentials {
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final String source;

    public AwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken, String source) {
        if (isBlank(accessKeyId) || isBlank(secretAccessKey)) {
            throw new IllegalArgumentException("AWS credentials from " + source + " lack an access key id or secret");
        }
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = isBlank(sessionToken) ? null : sessionToken;
        this.source = source;
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** May be null for long-term keys. */
    public String sessionToken() {
        return sessionToken;
    }

    /** Where the chain found them, e.g. "environment" or "instance metadata (IMDSv2)". */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "AwsCredentials(from " + source + ")";
    }

    static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
