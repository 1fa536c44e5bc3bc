package emrs.observe.datadog;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events waiting to be encoded and sent, bounded by their estimated heap cost
 * ({@link LogRecord#cost}, conservative). Offering never blocks and never grows past the bound:
 * when full, the event is refused and the caller counts the drop.
 * Many producers (logging threads), one consumer (the shipper thread).
 */
public final class EventBuffer {
    private final ConcurrentLinkedQueue<LogRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final long maxBytes;

    public EventBuffer(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Adds the event unless that would pass the bound; returns whether it was added. */
    public boolean offer(LogRecord event) {
        long cost = event.cost;
        long after = bytes.addAndGet(cost);
        if (after > maxBytes) {
            bytes.addAndGet(-cost);
            return false;
        }
        queue.offer(event);
        count.incrementAndGet();
        return true;
    }

    public LogRecord peek() {
        return queue.peek();
    }

    public LogRecord poll() {
        LogRecord e = queue.poll();
        if (e != null) {
            bytes.addAndGet(-e.cost);
            count.decrementAndGet();
        }
        return e;
    }

    public long size() {
        return count.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long maxBytes() {
        return maxBytes;
    }
}
