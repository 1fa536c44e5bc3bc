package emrs.observe.datadog;

/** One request body for {@code POST /api/v2/series}, not yet compressed, and what it carries. */
public final class SeriesPayload {
    final Batch batch;
    /** The points' timestamp (seconds): Datadog drops points older than an hour. */
    public final long timestampSec;

    SeriesPayload(byte[] json, int points, long timestampSec) {
        this.batch = new Batch(json, json.length, points);
        this.timestampSec = timestampSec;
    }

    public int points() {
        return batch.events;
    }

    public int bytes() {
        return batch.length;
    }

    /** The JSON body, for tests. */
    public byte[] json() {
        return batch.json;
    }
}
