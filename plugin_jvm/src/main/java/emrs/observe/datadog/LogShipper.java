package emrs.observe.datadog;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The background threads that empty the buffer into intake requests. Logging threads only call
 * {@link #offer}: it never blocks and never allocates. One thread assembles batches; up to
 * {@code concurrency} sender threads compress and send them, each retrying its own batch. More
 * than one request in flight matters because a request's time is mostly the round trip to
 * Datadog: one at a time, a 50 ms round trip would cap a JVM at 20 batches a second.
 */
public final class LogShipper implements AutoCloseable {
    private final EventBuffer buffer;
    private final IntakeSender sender;
    private final ApiKeyHolder key;
    private final RetryPolicy policy;
    private final ShipperCounters counters;
    private final long flushIntervalNanos;
    private final Consumer<String> warn;
    private final Thread thread;
    private final Thread[] senders;
    private final long wakeAtBytes;
    /** Assemblers not holding a batch in flight: their number bounds the batches in memory. */
    private final BlockingQueue<BatchAssembler> idle;
    private final BlockingQueue<Batch> ready = new LinkedBlockingQueue<>();
    /** Put in {@link #ready} once per sender at shutdown, after the last batch. */
    private static final Batch STOP = new Batch(new byte[0], 0, 0, null);

    private volatile boolean parked;
    private volatile boolean stopping;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile boolean closed;
    private volatile boolean bufferFullReported;
    /** What every buffered event lacks at its end (see {@link EventEncoder#constantFields()}). */
    private volatile Supplier<byte[]> eventSuffix = () -> NO_SUFFIX;
    private static final byte[] NO_SUFFIX = new byte[0];

    public LogShipper(EventBuffer buffer, IntakeSender sender, ApiKeyHolder key, RetryPolicy policy,
            ShipperCounters counters, long flushIntervalMs, Consumer<String> warn) {
        this(buffer, sender, key, policy, counters, flushIntervalMs, warn, 1);
    }

    /** {@code sender} must be safe to call from {@code concurrency} threads at once. */
    public LogShipper(EventBuffer buffer, IntakeSender sender, ApiKeyHolder key, RetryPolicy policy,
            ShipperCounters counters, long flushIntervalMs, Consumer<String> warn, int concurrency) {
        this.buffer = buffer;
        this.sender = sender;
        this.key = key;
        this.policy = policy;
        this.counters = counters;
        this.flushIntervalNanos = TimeUnit.MILLISECONDS.toNanos(flushIntervalMs);
        this.warn = warn;
        this.wakeAtBytes = Math.min(BatchAssembler.MAX_BYTES, buffer.maxBytes() / 4);
        this.idle = new ArrayBlockingQueue<>(concurrency);
        this.senders = new Thread[concurrency];
        for (int i = 0; i < concurrency; i++) {
            idle.add(new BatchAssembler());
            senders[i] = new ShipperThread(this::send, "emrs-observe-log-sender-" + (i + 1));
        }
        this.thread = new ShipperThread(this::run, "emrs-observe-log-shipper");
    }

    /** The plugin's own threads: what they log must not come back into the buffer. */
    private static final class ShipperThread extends Thread {
        ShipperThread(Runnable body, String name) {
            super(body, name);
            setDaemon(true);
        }
    }

    /**
     * Events are offered without their last bytes, {@code suffix}'s current value, which the
     * shipper appends to each when it batches. Call before {@link #start}.
     */
    public LogShipper eventSuffix(Supplier<byte[]> suffix) {
        this.eventSuffix = suffix;
        return this;
    }

    public LogShipper start() {
        for (Thread t : senders) {
            t.start();
        }
        thread.start();
        return this;
    }

    /** A daemon thread of the plugin's own, whose logging the appender ignores like the shipper's. */
    public static Thread pluginThread(Runnable body, String name) {
        return new ShipperThread(body, name);
    }

    /** Whether {@code t} is one of the threads of a shipper. */
    public static boolean isShipperThread(Thread t) {
        return t instanceof ShipperThread;
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
        if (parked && fullBatchWaiting()) {
            parked = false;
            LockSupport.unpark(thread);
        }
    }

    /** The assembling thread: the buffer's one consumer. */
    private void run() {
        long lastFlush = System.nanoTime();
        try {
            while (true) {
                boolean stop = stopping;
                long now = System.nanoTime();
                boolean timeUp = stop || now - lastFlush >= flushIntervalNanos;
                if (!timeUp && !fullBatchWaiting()) {
                    parked = true;
                    LockSupport.parkNanos(this, flushIntervalNanos - (now - lastFlush));
                    parked = false;
                    continue;
                }
                if (!assemble(timeUp)) {
                    break; // past the shutdown deadline with every sender still busy
                }
                if (timeUp) {
                    lastFlush = System.nanoTime();
                }
                if (stop) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = buffer.discardAll();
        if (left > 0) {
            counters.drop(DropReason.SHUTDOWN_TIMEOUT, left);
        }
        for (int i = 0; i < senders.length; i++) {
            ready.add(STOP);
        }
        for (Thread t : senders) {
            joinUntilDeadline(t);
        }
    }

    /** Whether the buffer holds at least a full batch (by events or by bytes). */
    private boolean fullBatchWaiting() {
        return buffer.size() >= BatchAssembler.MAX_EVENTS || buffer.bytes() >= wakeAtBytes;
    }

    /**
     * Hands buffered events to the senders, waiting for a free assembler when all are in flight
     * (meanwhile the buffer takes the load): every event when {@code all} (the flush interval is
     * up, or shutdown), else only full batches. Under load the rest waits for the next full
     * batch or the interval: emptying the buffer on every wake-up sent a small batch after each
     * full one, and a request's fixed cost (HTTP on our side, the intake's on its side) was
     * then spread over tens of events instead of a thousand. Returns false when the shutdown
     * deadline passed first.
     */
    private boolean assemble(boolean all) throws InterruptedException {
        while (all || fullBatchWaiting()) {
            BatchAssembler assembler;
            while ((assembler = idle.poll(10, TimeUnit.MILLISECONDS)) == null) {
                if (pastDeadline(0)) {
                    return false;
                }
            }
            Batch batch = assembler.next(buffer, eventSuffix.get());
            if (batch == null) {
                idle.add(assembler);
                return true;
            }
            if (pastDeadline(0)) {
                counters.drop(DropReason.SHUTDOWN_TIMEOUT, batch.events);
                idle.add(assembler);
                continue;
            }
            ready.add(batch);
        }
        return true;
    }

    /** A sender thread: sends batches until told to stop, then returns. */
    private void send() {
        try {
            Batch batch;
            while ((batch = ready.take()) != STOP) {
                try {
                    if (pastDeadline(0)) {
                        counters.drop(DropReason.SHUTDOWN_TIMEOUT, batch.events);
                    } else {
                        deliver(batch);
                    }
                } catch (RuntimeException e) {
                    // A bug or a JDK surprise costs this batch, never a sender (or its assembler).
                    counters.failed.incrementAndGet();
                    counters.drop(DropReason.REJECTED, batch.events);
                    warn.accept("unexpected|a batch of " + batch.events + " log events could not be sent: " + e
                            + "; dropped and counted (metric dropped.rejected)");
                } finally {
                    idle.add(batch.assembler);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the shutdown deadline will have passed {@code fromNowNanos} from now. */
    private boolean pastDeadline(long fromNowNanos) {
        return System.nanoTime() + fromNowNanos - deadlineNanos > 0;
    }

    private void joinUntilDeadline(Thread t) {
        try {
            long left = deadlineNanos - System.nanoTime();
            // A sender in a request past the deadline is abandoned: it is a daemon thread.
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            if (pastDeadline(delayNanos)) {
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
                thread.join(Math.max(1, timeoutMs + 1_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed = true;
    }
}
