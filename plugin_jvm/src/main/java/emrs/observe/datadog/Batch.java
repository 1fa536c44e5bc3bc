package emrs.observe.datadog;

/**
 * One intake request body: a JSON array of encoded events, not yet compressed, in the first
 * {@link #length} bytes of {@link #json}. The array is the assembler's and is reused for the next
 * batch, so a batch is valid until the shipper asks for the next one.
 */
public final class Batch {
    public final byte[] json;
    public final int length;
    public final int events;

    Batch(byte[] json, int length, int events) {
        this.json = json;
        this.length = length;
        this.events = events;
    }
}
