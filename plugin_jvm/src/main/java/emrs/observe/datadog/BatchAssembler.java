package emrs.observe.datadog;

/**
 * Takes events from the buffer and encodes them into batches within the Datadog logs intake v2
 * limits: at most 1000 events and 5 MB uncompressed per request (the array brackets and commas
 * included). Each event is at most 1 MB once encoded (see {@link EventEncoder}). One shipper
 * thread uses it, so its buffers are reused from batch to batch.
 */
public final class BatchAssembler {
    public static final int MAX_EVENTS = 1000;
    public static final int MAX_BYTES = 5 * 1024 * 1024;

    private final EventEncoder encoder;
    private final int maxEvents;
    private final int maxBytes;
    private final JsonBytes out = new JsonBytes(256 * 1024);
    private final JsonBytes event = new JsonBytes(4 * 1024);
    // The event that did not fit the last batch stays in the buffer (so the bound still counts
    // it) and its encoding here, so that it is not encoded twice.
    private LogRecord encoded;
    private boolean encodedTruncated;

    public BatchAssembler(EventEncoder encoder) {
        this(encoder, MAX_EVENTS, MAX_BYTES);
    }

    public BatchAssembler(EventEncoder encoder, int maxEvents, int maxBytes) {
        this.encoder = encoder;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** The next batch, or null when the buffer is empty. */
    public Batch next(EventBuffer buffer) {
        out.reset();
        out.raw('[');
        int n = 0;
        int truncated = 0;
        LogRecord r;
        while (n < maxEvents && (r = buffer.peek()) != null) {
            if (r != encoded) {
                encodedTruncated = encoder.encode(r, event);
                encoded = r;
            }
            // +1 for the comma or the closing bracket.
            if (n > 0 && out.size() + event.size() + 1 > maxBytes) {
                break;
            }
            buffer.poll();
            encoded = null;
            if (n > 0) {
                out.raw(',');
            }
            out.raw(event);
            if (encodedTruncated) {
                truncated++;
            }
            n++;
        }
        if (n == 0) {
            return null;
        }
        out.raw(']');
        Batch b = new Batch(out.toArray(), n, truncated);
        // After an outsized batch or event, give the memory back.
        out.shrinkTo(256 * 1024);
        if (encoded == null) {
            event.shrinkTo(4 * 1024);
        }
        return b;
    }
}
