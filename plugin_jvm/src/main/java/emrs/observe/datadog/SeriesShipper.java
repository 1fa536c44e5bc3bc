package emrs.observe.datadog;

import emrs.observe.datadog.MetricsCounters.Reason;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Sends metric payloads to {@code POST /api/v2/series}, oldest first, with the logs' retry policy
 * (backoff with jitter on network errors, 408, 429, 5xx, at least {@code Retry-After}; 401/403 read
 * the key from Vault again once). Used by one thread only, the metrics thread, which collects
 * between attempts: a payload waiting for its retry never delays the next collection.
 *
 * <p>Bounded: payloads wait in a queue of at most {@code maxQueuedBytes} (uncompressed); past it the
 * oldest are dropped. A payload whose points have become older than Datadog accepts (an hour) is
 * dropped rather than sent. Every point lost is counted by reason and each reason warned once.
 */
public final class SeriesShipper {
    /** Datadog ignores points more than an hour old; two minutes are kept for clock skew and transit. */
    static final long MAX_AGE_SEC = 3600 - 120;

    private final IntakeSender sender;
    private final ApiKeyHolder key;
    private final RetryPolicy policy;
    private final MetricsCounters counters;
    private final Consumer<String> warn;
    private final long maxQueuedBytes;
    private final LongSupplier clockMillis;
    private final ArrayDeque<SeriesPayload> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** Retries of the payload at the head of the queue so far, and when its next attempt is due. */
    private int attempts;
    private boolean keyRefreshed;
    private long retryAtNanos;
    private String lastFailure = "";

    public SeriesShipper(IntakeSender sender, ApiKeyHolder key, RetryPolicy policy, MetricsCounters counters,
            Consumer<String> warn, long maxQueuedBytes, LongSupplier clockMillis) {
        this.sender = sender;
        this.key = key;
        this.policy = policy;
        this.counters = counters;
        this.warn = warn;
        this.maxQueuedBytes = maxQueuedBytes;
        this.clockMillis = clockMillis;
    }

    public boolean pending() {
        return !queue.isEmpty();
    }

    /** Queues payloads, dropping the oldest beyond the bound; without a key nothing can be sent. */
    public void add(Collection<SeriesPayload> payloads) {
        for (SeriesPayload p : payloads) {
            if (key == null || !key.present()) {
                counters.drop(Reason.NO_API_KEY, p.points());
                continue;
            }
            queue.addLast(p);
            queuedBytes += p.bytes();
        }
        while (queuedBytes > maxQueuedBytes && queue.size() > 1) {
            SeriesPayload old = removeHead();
            counters.drop(Reason.BUFFER_FULL, old.points());
            warn.accept("metrics-buffer_full|metric payloads waiting for the Datadog intake passed " + maxQueuedBytes
                    + " bytes (the intake is down or slower than the job's metrics); the oldest points are dropped "
                    + "and counted (metric emrs.plugin.metrics.dropped, reason buffer_full)");
        }
    }

    /**
     * Sends what is due; returns when the next attempt is due ({@link System#nanoTime} time), or
     * {@code Long.MAX_VALUE} when nothing waits.
     */
    public long sendDue() {
        while (!queue.isEmpty()) {
            long now = System.nanoTime();
            if (attempts > 0 && now - retryAtNanos < 0) {
                return retryAtNanos;
            }
            IntakeSender.Result r = attemptHead();
            if (r == null) {
                continue; // sent, or given up on: the next one
            }
            int next = attempts + 1;
            if (!policy.allows(next)) {
                giveUp(Reason.RETRIES_EXHAUSTED, "metrics-exhausted|the Datadog series intake failed " + next
                        + " times in a row for a payload (last: " + r.detail + "); its points are dropped and counted "
                        + "(metric emrs.plugin.metrics.dropped, reason retries_exhausted)");
                continue;
            }
            attempts = next;
            counters.retried.incrementAndGet();
            retryAtNanos = now + TimeUnit.MILLISECONDS.toNanos(policy.delayMs(next, r.retryAfterMs));
            return retryAtNanos;
        }
        return Long.MAX_VALUE;
    }

    /**
     * At shutdown: sends what waits until {@code deadlineNanos}. A failing intake gets one retry (after
     * the backoff's first delay or its {@code Retry-After}, within the deadline), not the whole policy:
     * the job must not wait for an intake that is down. What is left is counted as shutdown_timeout.
     */
    public void flush(long deadlineNanos) {
        boolean retried = false;
        while (!queue.isEmpty()) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                break;
            }
            IntakeSender.Result r = attemptHead();
            if (r == null) {
                continue;
            }
            long delayNanos = TimeUnit.MILLISECONDS.toNanos(policy.delayMs(1, r.retryAfterMs));
            if (retried || System.nanoTime() + delayNanos - deadlineNanos >= 0) {
                break;
            }
            retried = true;
            counters.retried.incrementAndGet();
            long until = System.nanoTime() + delayNanos;
            for (long left; (left = until - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(this, left);
            }
        }
        long left = 0;
        while (!queue.isEmpty()) {
            left += removeHead().points();
        }
        if (left > 0) {
            counters.drop(Reason.SHUTDOWN_TIMEOUT, left);
            warn.accept("metrics-shutdown|" + left + " metric points were not sent at shutdown (the Datadog series "
                    + "intake " + (lastFailure.isEmpty() ? "did not answer in time" : "failed: " + lastFailure)
                    + "); counted as dropped, reason shutdown_timeout");
        }
    }

    /** One attempt at the head; null when it is done with (sent or dropped), else the retryable answer. */
    private IntakeSender.Result attemptHead() {
        SeriesPayload head = queue.peekFirst();
        long nowSec = clockMillis.getAsLong() / 1000;
        if (head.timestampSec < nowSec - MAX_AGE_SEC) {
            giveUp(Reason.TOO_OLD, "metrics-too_old|metric points older than Datadog accepts (an hour) were dropped "
                    + "before they could be sent; counted (metric emrs.plugin.metrics.dropped, reason too_old)");
            return null;
        }
        IntakeSender.Result r = sender.send(head.batch, key);
        RetryPolicy.Verdict verdict = RetryPolicy.classify(r.status);
        if (verdict == RetryPolicy.Verdict.DONE) {
            counters.sent.addAndGet(head.points());
            counters.sentPayloads.incrementAndGet();
            removeHead();
            lastFailure = "";
            return null;
        }
        lastFailure = r.detail;
        if (verdict == RetryPolicy.Verdict.GIVE_UP) {
            if ((r.status == 401 || r.status == 403) && !keyRefreshed && key.refresh()) {
                keyRefreshed = true; // the key was rotated in Vault: one more try with the new one
                counters.retried.incrementAndGet();
                return attemptHead();
            }
            giveUp(Reason.REJECTED, "metrics-rejected" + r.status + "|the Datadog series intake refused a payload of "
                    + head.points() + " points with " + r.detail + (r.status == 401 || r.status == 403
                    ? " (is the API key in Vault valid for this Datadog site?)" : "")
                    + "; not retried, dropped and counted (metric emrs.plugin.metrics.dropped, reason rejected)");
            return null;
        }
        return r;
    }

    private void giveUp(Reason reason, String keyedWarning) {
        counters.drop(reason, removeHead().points());
        warn.accept(keyedWarning);
    }

    private SeriesPayload removeHead() {
        SeriesPayload p = queue.removeFirst();
        queuedBytes -= p.bytes();
        attempts = 0;
        keyRefreshed = false;
        return p;
    }
}
