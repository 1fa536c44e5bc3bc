package emrs.observe.datadog;

/** Why log events did not reach Datadog; each has its own counter. */
public enum DropReason {
    /** The bounded buffer was full: the intake is slower than the job logs, or down. */
    BUFFER_FULL("buffer_full"),
    /** The intake refused the batch for good (400, 401, 403, 413): retrying cannot help. */
    REJECTED("rejected"),
    /** Network errors, 408, 429 or 5xx outlasted every retry. */
    RETRIES_EXHAUSTED("retries_exhausted"),
    /** Still buffered when the shutdown timeout ran out. */
    SHUTDOWN_TIMEOUT("shutdown_timeout"),
    /** No Datadog API key could be had (Vault unreachable, wrong role…): nothing can be sent. */
    NO_API_KEY("no_api_key");

    public final String metricName;

    DropReason(String metricName) {
        this.metricName = metricName;
    }
}
