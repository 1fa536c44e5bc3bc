package emrs.observe.datadog;

import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a batch again, and how long to wait: exponential backoff with full jitter, so
 * the executors of one job that all saw the same outage do not come back at the same instant.
 */
public final class RetryPolicy {
    /** What to do with a batch after one attempt. */
    public enum Verdict {
        DONE, RETRY, GIVE_UP
    }

    private final int maxRetries;
    private final long baseMs;
    private final long maxMs;

    public RetryPolicy(int maxRetries, long baseMs, long maxMs) {
        this.maxRetries = maxRetries;
        this.baseMs = baseMs;
        this.maxMs = Math.max(baseMs, maxMs);
    }

    public int maxRetries() {
        return maxRetries;
    }

    /** Verdict for an HTTP status; status 0 stands for a network error (no answer at all). */
    public static Verdict classify(int status) {
        if (status >= 200 && status < 300) {
            return Verdict.DONE;
        }
        if (status == 0 || status == 408 || status == 429 || status >= 500) {
            return Verdict.RETRY;
        }
        // 400 (bad payload), 401/403 (bad key), 413 (too large) and the rest of 4xx: the same
        // request will fail the same way.
        return Verdict.GIVE_UP;
    }

    /** Whether the given retry (1-based) is still allowed. */
    public boolean allows(int retry) {
        return retry <= maxRetries;
    }

    /**
     * Delay before the given retry (1-based): uniform in [0, min(max, base * 2^(retry-1))],
     * but at least what the server asked for in Retry-After (capped at the max).
     */
    public long delayMs(int retry, long retryAfterMs) {
        long ceiling = baseMs << Math.min(30, Math.max(0, retry - 1));
        if (ceiling <= 0 || ceiling > maxMs) {
            ceiling = maxMs;
        }
        long jittered = ThreadLocalRandom.current().nextLong(ceiling + 1);
        return Math.max(jittered, Math.min(retryAfterMs, maxMs));
    }
}
