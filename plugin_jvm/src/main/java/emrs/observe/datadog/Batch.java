package emrs.observe.datadog;

/**
 * One intake request body: a JSON array of encoded events, not yet compressed, in the first
 * {@link #length} bytes of {@link #json}. The array is its assembler's and is reused for that
 * assembler's next batch, so a batch is valid until it has been sent.
 */
public final class Batch {
    public final byte[] json;
    public final int length;
    public final int events;
    /** Whose array this is: it goes back to the shipper's pool once the batch is sent. */
    final BatchAssembler assembler;

    Batch(byte[] json, int length, int events) {
        this(json, length, events, null);
    }

    Batch(byte[] json, int length, int events, BatchAssembler assembler) {
        this.json = json;
        this.length = length;
        this.events = events;
        this.assembler = assembler;
    }
}
