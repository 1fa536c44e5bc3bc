package emrs.observe.vault;

/**
 * A secret value (Datadog API key, Vault token). Its toString never shows the value, so a
 * secret that slips into a log line or an exception message shows up as "<redacted>".
 */
public final class Secret implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final String value;

    public Secret(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a secret cannot be empty");
        }
        this.value = value;
    }

    /** The value, for the one place that sends it (an HTTP header). */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "<redacted>";
    }
}
