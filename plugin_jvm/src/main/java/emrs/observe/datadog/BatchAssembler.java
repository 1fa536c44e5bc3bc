package emrs.observe.datadog;

import java.util.Arrays;

/**
 * Takes events from the buffer into batches within the Datadog logs intake v2 limits: at most
 * 1000 events and 5 MB uncompressed per request (the array brackets and commas included).
 * Events are already at most 1 MB each (see {@link EventEncoder}). One array serves every batch:
 * under load a new one per batch would be as much garbage as the events themselves.
 */
public final class BatchAssembler {
    public static final int MAX_EVENTS = 1000;
    public static final int MAX_BYTES = 5 * 1024 * 1024;
    private static final int INITIAL = 64 * 1024;

    private final int maxEvents;
    private final int maxBytes;
    private byte[] out = new byte[INITIAL];

    public BatchAssembler() {
        this(MAX_EVENTS, MAX_BYTES);
    }

    public BatchAssembler(int maxEvents, int maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** The next batch, or null when the buffer is empty. Invalidates this assembler's previous batch. */
    public Batch next(EventBuffer buffer) {
        return next(buffer, NOTHING);
    }

    private static final byte[] NOTHING = new byte[0];

    /**
     * Like {@link #next(EventBuffer)} for a buffer of events that each lack the same last bytes
     * ({@link EventEncoder#constantFields()}): they are appended to every event here.
     */
    public Batch next(EventBuffer buffer, byte[] suffix) {
        int pos = 1;
        int n = 0;
        int length;
        while (n < maxEvents && (length = buffer.peekLength()) >= 0) {
            int whole = length + suffix.length;
            // +1 for the comma or the closing bracket.
            if (n > 0 && pos + whole + 1 > maxBytes) {
                break;
            }
            if (pos + whole + 1 > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, pos + whole + 1));
            }
            out[pos - 1] = (byte) (n == 0 ? '[' : ',');
            buffer.take(out, pos, length);
            System.arraycopy(suffix, 0, out, pos + length, suffix.length);
            pos += whole + 1;
            n++;
        }
        buffer.release();
        if (n == 0) {
            return null;
        }
        out[pos - 1] = ']';
        return new Batch(out, pos, n, this);
    }
}
