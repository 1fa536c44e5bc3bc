package emrs.observe.datadog;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The background thread that empties the buffer into intake requests. Logging threads only
 * call {@link #offer}: it never blocks and never allocates beyond the buffer's bound.
 */
public final class LogShipper implements AutoCloseable {
    private final EventBuffer buffer;
    private final IntakeSender sender;
    private final ApiKeyHolder key;
    private final RetryPolicy policy;
    private final ShipperCounters counters;
    private final long flushIntervalNanos;
    private final Consumer<String> warn;
    private final BatchAssembler assembler;
    private final Thread thread;
    private final long wakeAtBytes;

    private volatile boolean parked;
    private volatile boolean stopping;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile boolean closed;
    private volatile boolean bufferFullReported;

    public LogShipper(EventBuffer buffer, IntakeSender sender, ApiKeyHolder key, RetryPolicy policy,
            ShipperCounters counters, long flushIntervalMs, Consumer<String> warn) {
        this(buffer, sender, key, policy, counters, flushIntervalMs, warn, new BatchAssembler());
    }

    public LogShipper(EventBuffer buffer, IntakeSender sender, ApiKeyHolder key, RetryPolicy policy,
            ShipperCounters counters, long flushIntervalMs, Consumer<String> warn, BatchAssembler assembler) {
        this.buffer = buffer;
        this.sender = sender;
        this.key = key;
        this.policy = policy;
        this.counters = counters;
        this.flushIntervalNanos = TimeUnit.MILLISECONDS.toNanos(flushIntervalMs);
        this.warn = warn;
        this.assembler = assembler;
        this.wakeAtBytes = Math.min(BatchAssembler.MAX_BYTES, buffer.maxBytes() / 4);
        this.thread = new Thread(this::run, "emrs-observe-log-shipper");
        this.thread.setDaemon(true);
    }

    public LogShipper start() {
        thread.start();
        return this;
    }

    public Thread thread() {
        return thread;
    }

    public ShipperCounters counters() {
        return counters;
    }

    /** Queues one encoded event, or counts it as dropped. Called on the logging thread. */
    public void offer(byte[] event) {
        offer(event, event.length);
    }

    /** Queues the first {@code length} bytes of {@code event} (copied: the caller may reuse it). */
    public void offer(byte[] event, int length) {
        if (closed) {
            counters.drop(DropReason.SHUTDOWN_TIMEOUT, 1);
            return;
        }
        if (!buffer.offer(event, length)) {
            counters.drop(DropReason.BUFFER_FULL, 1);
            if (bufferFullReported) {
                return; // building the message per dropped event would slow the logging thread
            }
            bufferFullReported = true;
            warn.accept("buffer_full|the log buffer (" + buffer.maxBytes() + " bytes, "
                    + "spark.emrs.observe.datadog.bufferMaxBytes) is full because the Datadog intake is slower "
                    + "than this job logs or unreachable; log events are being dropped and counted "
                    + "(metric dropped.buffer_full)");
            return;
        }
        // Wake the shipper early only when a full batch is waiting: unpark is a system call.
        if (parked && (buffer.size() >= BatchAssembler.MAX_EVENTS || buffer.bytes() >= wakeAtBytes)) {
            parked = false;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        long lastFlush = System.nanoTime();
        while (true) {
            boolean stop = stopping;
            long now = System.nanoTime();
            boolean due = now - lastFlush >= flushIntervalNanos
                    || buffer.size() >= BatchAssembler.MAX_EVENTS || buffer.bytes() >= wakeAtBytes;
            if (!stop && !due) {
                parked = true;
                LockSupport.parkNanos(this, flushIntervalNanos - (now - lastFlush));
                parked = false;
                continue;
            }
            Batch batch;
            while ((batch = assembler.next(buffer)) != null) {
                if (System.nanoTime() - deadlineNanos > 0) {
                    counters.drop(DropReason.SHUTDOWN_TIMEOUT, batch.events);
                    continue;
                }
                deliver(batch);
            }
            lastFlush = System.nanoTime();
            if (stop) {
                return;
            }
        }
    }

    private void deliver(Batch batch) {
        boolean keyRefreshed = false;
        for (int retry = 0; ; retry++) {
            IntakeSender.Result result = sender.send(batch, key);
            RetryPolicy.Verdict verdict = RetryPolicy.classify(result.status);
            if (verdict == RetryPolicy.Verdict.DONE) {
                counters.sent.addAndGet(batch.events);
                counters.sentBatches.incrementAndGet();
                return;
            }
            if (verdict == RetryPolicy.Verdict.GIVE_UP) {
                if ((result.status == 401 || result.status == 403) && !keyRefreshed && key.refresh()) {
                    keyRefreshed = true; // the key was rotated in Vault: one more try with the new one
                    counters.retried.incrementAndGet();
                    retry--;
                    continue;
                }
                counters.failed.incrementAndGet();
                counters.drop(DropReason.REJECTED, batch.events);
                warn.accept("rejected" + result.status + "|the Datadog intake refused a batch of " + batch.events
                        + " log events with " + result.detail + hint(result.status)
                        + "; not retried, dropped and counted (metric dropped.rejected)");
                return;
            }
            int next = retry + 1;
            if (!policy.allows(next)) {
                counters.failed.incrementAndGet();
                counters.drop(DropReason.RETRIES_EXHAUSTED, batch.events);
                warn.accept("exhausted|the Datadog intake failed " + (retry + 1) + " times in a row for a batch of "
                        + batch.events + " log events (last: " + result.detail + "); dropped and counted "
                        + "(metric dropped.retries_exhausted)");
                return;
            }
            long delayNanos = TimeUnit.MILLISECONDS.toNanos(policy.delayMs(next, result.retryAfterMs));
            if (System.nanoTime() + delayNanos - deadlineNanos > 0) {
                counters.failed.incrementAndGet();
                counters.drop(DropReason.SHUTDOWN_TIMEOUT, batch.events);
                return;
            }
            counters.retried.incrementAndGet();
            sleep(delayNanos);
        }
    }

    private static String hint(int status) {
        switch (status) {
            case 401:
            case 403:
                return " (is the API key in Vault valid for this Datadog site?)";
            case 413:
                return " (payload too large)";
            default:
                return "";
        }
    }

    private void sleep(long nanos) {
        long until = System.nanoTime() + nanos;
        long left;
        while ((left = until - System.nanoTime()) > 0 && until - deadlineNanos <= 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * Sends what is buffered, giving up after {@code timeoutMs}; whatever is left then is
     * counted as dropped (shutdown_timeout). Idempotent.
     */
    @Override
    public synchronized void close() {
        close(0);
    }

    public synchronized void close(long timeoutMs) {
        if (closed) {
            return;
        }
        deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        stopping = true;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(Math.max(1, timeoutMs + 500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed = true;
        // The buffer has one consumer: a shipper still stuck in a request counts the rest itself.
        long left = thread.isAlive() ? 0 : buffer.discardAll();
        if (left > 0) {
            counters.drop(DropReason.SHUTDOWN_TIMEOUT, left);
        }
    }
}
