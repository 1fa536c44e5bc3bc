package emrs.observe.datadog;

/** One intake request body: a JSON array of encoded events, not yet compressed. */
public final class Batch {
    public final byte[] json;
    public final int events;
    /** How many of the events had to be cut to the per-event limit. */
    public final int truncated;

    Batch(byte[] json, int events, int truncated) {
        this.json = json;
        this.events = events;
        this.truncated = truncated;
    }
}
