package emrs.observe.datadog;

import java.io.ByteArrayOutputStream;

/**
 * Takes events from the buffer into batches within the Datadog logs intake v2 limits: at most
 * 1000 events and 5 MB uncompressed per request (the array brackets and commas included).
 * Events are already at most 1 MB each (see {@link EventEncoder}).
 */
public final class BatchAssembler {
    public static final int MAX_EVENTS = 1000;
    public static final int MAX_BYTES = 5 * 1024 * 1024;

    private final int maxEvents;
    private final int maxBytes;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);

    public BatchAssembler() {
        this(MAX_EVENTS, MAX_BYTES);
    }

    public BatchAssembler(int maxEvents, int maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** The next batch, or null when the buffer is empty. */
    public Batch next(EventBuffer buffer) {
        out.reset();
        out.write('[');
        int n = 0;
        long taken = 0;
        byte[] e;
        while (n < maxEvents && (e = buffer.peek()) != null) {
            // +1 for the comma or the closing bracket.
            if (n > 0 && out.size() + e.length + 1 > maxBytes) {
                break;
            }
            buffer.take();
            taken += e.length;
            if (n > 0) {
                out.write(',');
            }
            out.write(e, 0, e.length);
            n++;
        }
        buffer.release(taken, n);
        if (n == 0) {
            return null;
        }
        out.write(']');
        return new Batch(out.toByteArray(), n);
    }
}
