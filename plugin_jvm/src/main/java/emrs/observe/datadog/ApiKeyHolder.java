package emrs.observe.datadog;

import emrs.observe.vault.Secret;

/**
 * The Datadog API key of this JVM. When the intake answers 401/403 the key may have been
 * rotated in Vault: {@link #refresh} reads it again, at most once per {@code minRefreshMs}.
 */
public final class ApiKeyHolder {
    /** Reads the key again from its source; null when the source cannot be asked from here. */
    public interface Source {
        Secret read() throws Exception;
    }

    private volatile Secret key;
    private final Source source;
    private final long minRefreshMs;
    private volatile long lastRefresh;

    public ApiKeyHolder(Secret key, Source source, long minRefreshMs) {
        this.key = key;
        this.source = source;
        this.minRefreshMs = minRefreshMs;
        this.lastRefresh = System.currentTimeMillis();
    }

    public Secret get() {
        return key;
    }

    public boolean present() {
        return key != null;
    }

    /** Re-reads the key; returns true if a different key was found. */
    public synchronized boolean refresh() {
        long now = System.currentTimeMillis();
        if (source == null || now - lastRefresh < minRefreshMs) {
            return false;
        }
        lastRefresh = now;
        try {
            Secret fresh = source.read();
            if (fresh != null && (key == null || !fresh.reveal().equals(key.reveal()))) {
                key = fresh;
                return true;
            }
        } catch (Exception e) {
            // The caller counts the batch as rejected; a failed refresh changes nothing.
        }
        return false;
    }
}
