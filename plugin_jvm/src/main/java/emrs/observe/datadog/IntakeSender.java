package emrs.observe.datadog;

/** Sends one batch to the intake. Separate from the shipper so tests can script answers. */
public interface IntakeSender {
    /** The outcome of one attempt: HTTP status (0: no answer at all), and Retry-After if given. */
    final class Result {
        public final int status;
        public final long retryAfterMs;
        public final String detail;

        public Result(int status, long retryAfterMs, String detail) {
            this.status = status;
            this.retryAfterMs = retryAfterMs;
            this.detail = detail;
        }
    }

    Result send(Batch batch, ApiKeyHolder key);
}
