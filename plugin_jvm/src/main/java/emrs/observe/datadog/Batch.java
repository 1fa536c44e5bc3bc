package emrs.observe.datadog;

/** One intake request body: a JSON array of encoded events, not yet compressed. */
public final class Batch {
    public final byte[] json;
    public final int events;

    Batch(byte[] json, int events) {
        this.json = json;
        this.events = events;
    }
}
