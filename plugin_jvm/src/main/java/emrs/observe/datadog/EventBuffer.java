package emrs.observe.datadog;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encoded events waiting to be sent, bounded by bytes. Offering never blocks and never grows
 * past the bound: when full, the event is refused and the caller counts the drop.
 * Many producers (logging threads), one consumer (the shipper thread).
 */
public final class EventBuffer {
    /** Rough heap cost of one queued event beyond its bytes: the array header and queue node. */
    static final int PER_EVENT_OVERHEAD = 48;

    private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final long maxBytes;

    public EventBuffer(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Adds the event unless that would pass the bound; returns whether it was added. */
    public boolean offer(byte[] event) {
        long cost = event.length + PER_EVENT_OVERHEAD;
        long after = bytes.addAndGet(cost);
        if (after > maxBytes) {
            bytes.addAndGet(-cost);
            return false;
        }
        queue.offer(event);
        count.incrementAndGet();
        return true;
    }

    public byte[] peek() {
        return queue.peek();
    }

    public byte[] poll() {
        byte[] e = queue.poll();
        if (e != null) {
            bytes.addAndGet(-(e.length + PER_EVENT_OVERHEAD));
            count.decrementAndGet();
        }
        return e;
    }

    /**
     * Removes the head like {@link #poll} but leaves it counted until {@link #release}: the
     * shipper releases a whole batch at once, so the counters the logging threads update are not
     * written from the other core for every event (a cache line bouncing between cores each
     * time). Until then the buffer only looks fuller than it is, so the bound still holds.
     */
    byte[] take() {
        return queue.poll();
    }

    /** Stops counting {@code events} taken events of {@code eventBytes} bytes in total. */
    void release(long eventBytes, long events) {
        if (events > 0) {
            bytes.addAndGet(-(eventBytes + events * PER_EVENT_OVERHEAD));
            count.addAndGet(-events);
        }
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
