package emrs.observe.datadog;

/**
 * Encoded events waiting to be sent: a ring of bytes, each event framed by its length, bounded
 * by {@code maxBytes}. Offering never waits for the shipper and never grows past the bound: when
 * full, the event is refused and the caller counts the drop. Many producers (logging threads),
 * one consumer (the shipper thread).
 *
 * <p>Why a byte ring and not a queue of arrays: a queued array per event (plus its queue node)
 * is garbage that lives until shipped, so under load every young collection copies megabytes
 * of it, and those pauses stop the job's own threads. Here the logging thread copies its event
 * into memory that is allocated once (in segments, on first use) and reused for the life of the
 * JVM. Producers serialise on a lock held only for that copy; the consumer never takes it: it
 * reads up to the published tail and frees space by publishing its head.
 *
 * <p>The ring does not cycle through all of its bound. A segment the consumer is done with goes
 * onto a stack of spares, and the producers take the most recently freed one next: while the
 * shipper keeps up, the same few segments, likely still in the CPU's caches, are written over
 * and over, and the buffer holds the heap its largest backlog needed rather than its bound.
 * Cycling through the whole ring instead streamed every byte of log through a fresh part of a
 * 32 MB bound, past the caches the job's own threads use, and kept all 32 MB after a while.
 */
public final class EventBuffer {
    private static final int SEGMENT_BITS = 16;
    /** Segments are allocated when first written, so an idle JVM holds little of the bound. */
    static final int SEGMENT_BYTES = 1 << SEGMENT_BITS;
    private static final int SEGMENT_MASK = SEGMENT_BYTES - 1;
    /** Each event is preceded by its length. */
    static final int FRAME_BYTES = 4;

    /** Slot i holds the segments whose number is i modulo their count, null when not in use. */
    private final byte[][] segments;
    /** Segments freed by the consumer, the most recent on top (under the producers' lock). */
    private final byte[][] spares;
    private int spareCount;
    private final long capacity;
    private final long maxBytes;
    private final Object producers = new Object();
    /** A frame's length bytes on their way in (producers, under the lock) and out (the consumer). */
    private final byte[] frameIn = new byte[FRAME_BYTES];
    private final byte[] frameOut = new byte[FRAME_BYTES];

    // Written by producers under the lock; read by the consumer after reading `published`.
    private long tail;
    private long tailEvents;
    private volatile long published;
    private volatile long publishedEvents;

    // Written by the consumer only.
    private volatile long head;
    private volatile long headEvents;
    private long readPos;
    private long readEvents;
    private long visible;

    public EventBuffer(long maxBytes) {
        long n = Math.max(1, maxBytes >>> SEGMENT_BITS);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + maxBytes + " bytes is too large");
        }
        this.segments = new byte[(int) n][];
        this.spares = new byte[(int) n][];
        this.capacity = n << SEGMENT_BITS;
        this.maxBytes = maxBytes;
    }

    /** Adds the event unless that would pass the bound; returns whether it was added. */
    public boolean offer(byte[] event) {
        return offer(event, event.length);
    }

    /** Adds the first {@code length} bytes of {@code src} as one event, or returns false when full. */
    public boolean offer(byte[] src, int length) {
        long need = FRAME_BYTES + (long) length;
        synchronized (producers) {
            long t = tail;
            // Counting the head's segment as used in full means the tail never reaches a segment
            // the consumer still reads: a segment is then only ever one number's at a time.
            if (t + need - (head & ~(long) SEGMENT_MASK) > capacity) {
                return false;
            }
            writeInt(t, length);
            copyIn(t + FRAME_BYTES, src, length);
            tail = t + need;
            tailEvents++;
            publishedEvents = tailEvents;
            published = tail; // last: the consumer reads this first, then everything before it
        }
        return true;
    }

    /** Length of the next event the consumer would take, or -1 when there is none. Consumer only. */
    int peekLength() {
        if (readPos == visible) {
            visible = published;
            if (readPos == visible) {
                return -1;
            }
        }
        return readInt(readPos);
    }

    /**
     * Copies the next event (of {@link #peekLength} bytes) to {@code dst} at {@code off}. Its
     * space stays reserved until {@link #release}, so producers cannot overwrite it meanwhile.
     */
    void take(byte[] dst, int off, int length) {
        copyOut(readPos + FRAME_BYTES, dst, off, length);
        readPos += FRAME_BYTES + length;
        readEvents++;
    }

    /** Skips the next event (of {@link #peekLength} bytes). */
    void skip(int length) {
        readPos += FRAME_BYTES + length;
        readEvents++;
    }

    /** Frees the space of every event taken so far, for producers to reuse. Consumer only. */
    void release() {
        long first = head >>> SEGMENT_BITS;
        long last = readPos >>> SEGMENT_BITS; // the segment the next event starts in stays
        if (last > first) {
            synchronized (producers) {
                for (long seg = first; seg < last; seg++) {
                    int s = slot(seg);
                    if (segments[s] != null) {
                        spares[spareCount++] = segments[s];
                        segments[s] = null;
                    }
                }
            }
        }
        headEvents = readEvents;
        head = readPos;
    }

    /** Segments allocated so far, in use or spare: what the buffer holds of the heap. */
    int segmentsHeld() {
        synchronized (producers) {
            int n = spareCount;
            for (byte[] s : segments) {
                n += s == null ? 0 : 1;
            }
            return n;
        }
    }

    /** Discards whatever is buffered and returns how many events that was. Consumer only. */
    long discardAll() {
        long before = readEvents;
        int length;
        while ((length = peekLength()) >= 0) {
            skip(length);
        }
        release();
        return readEvents - before;
    }

    /** Events buffered and not yet released; may be a little stale. */
    public long size() {
        return publishedEvents - headEvents;
    }

    /** Bytes buffered (frames included) and not yet released; may be a little stale. */
    public long bytes() {
        return published - head;
    }

    /** The configured bound; what the ring may hold is this rounded down to whole segments. */
    public long maxBytes() {
        return maxBytes;
    }

    private int segmentIndex(long pos) {
        return slot(pos >>> SEGMENT_BITS);
    }

    /** The slot of {@link #segments} that segment number {@code seg} uses. */
    private int slot(long seg) {
        return (int) (seg % segments.length);
    }

    /**
     * Copies into the ring from {@code pos}, across segment ends, taking a spare segment (the one
     * freed last) or allocating one when the position enters a segment. Producers only, under the lock.
     */
    private void copyIn(long pos, byte[] src, int length) {
        int done = 0;
        while (done < length) {
            int at = (int) (pos & SEGMENT_MASK);
            int n = Math.min(length - done, SEGMENT_BYTES - at);
            int s = segmentIndex(pos);
            if (segments[s] == null) {
                // published to the consumer with the tail
                segments[s] = spareCount > 0 ? spares[--spareCount] : new byte[SEGMENT_BYTES];
                spares[spareCount] = null;
            }
            System.arraycopy(src, done, segments[s], at, n);
            done += n;
            pos += n;
        }
    }

    /** Copies out of the ring from {@code pos}, across segment ends; the consumer only reads written bytes. */
    private void copyOut(long pos, byte[] dst, int off, int length) {
        int done = 0;
        while (done < length) {
            int at = (int) (pos & SEGMENT_MASK);
            int n = Math.min(length - done, SEGMENT_BYTES - at);
            System.arraycopy(segments[segmentIndex(pos)], at, dst, off + done, n);
            done += n;
            pos += n;
        }
    }

    private void writeInt(long pos, int v) {
        for (int i = 0; i < FRAME_BYTES; i++) {
            frameIn[i] = (byte) (v >>> (8 * i));
        }
        copyIn(pos, frameIn, FRAME_BYTES);
    }

    private int readInt(long pos) {
        copyOut(pos, frameOut, 0, FRAME_BYTES);
        int v = 0;
        for (int i = 0; i < FRAME_BYTES; i++) {
            v |= (frameOut[i] & 0xff) << (8 * i);
        }
        return v;
    }
}
