package emrs.observe.datadog;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What happened to this JVM's metric points; registered with Spark's metrics system, sent as emrs.plugin.metrics.*. */
public final class MetricsCounters {
    /** Why points did not reach Datadog; the names are the {@code reason} tag's values. */
    public enum Reason {
        /** The queue of payloads waiting for the intake was full: the intake is down or slow. */
        BUFFER_FULL("buffer_full"),
        /** The intake refused the payload for good (400, 401, 403, 413). */
        REJECTED("rejected"),
        /** Network errors, 408, 429 or 5xx outlasted every retry. */
        RETRIES_EXHAUSTED("retries_exhausted"),
        /** Still waiting when the shutdown's time ran out, or the intake was failing at shutdown. */
        SHUTDOWN_TIMEOUT("shutdown_timeout"),
        /** No Datadog API key could be had. */
        NO_API_KEY("no_api_key"),
        /** Older than Datadog accepts (an hour) before it could be sent. */
        TOO_OLD("too_old"),
        /** A new series past this JVM's bound on series. */
        SERIES_LIMIT("series_limit");

        public final String metricName;

        Reason(String metricName) {
            this.metricName = metricName;
        }
    }

    /** Points accepted by the intake. */
    public final AtomicLong sent = new AtomicLong();
    /** Payloads accepted by the intake. */
    public final AtomicLong sentPayloads = new AtomicLong();
    /** Attempts repeated after a retryable failure. */
    public final AtomicLong retried = new AtomicLong();
    private final EnumMap<Reason, AtomicLong> dropped = new EnumMap<>(Reason.class);

    public MetricsCounters() {
        for (Reason r : Reason.values()) {
            dropped.put(r, new AtomicLong());
        }
    }

    public void drop(Reason reason, long points) {
        dropped.get(reason).addAndGet(points);
    }

    public long dropped(Reason reason) {
        return dropped.get(reason).get();
    }

    public long droppedTotal() {
        long n = 0;
        for (AtomicLong a : dropped.values()) {
            n += a.get();
        }
        return n;
    }

    /** Metric name to current value, for Spark's metrics system. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sent", sent.get());
        m.put("sentPayloads", sentPayloads.get());
        m.put("retried", retried.get());
        m.put("dropped", droppedTotal());
        for (Map.Entry<Reason, AtomicLong> e : dropped.entrySet()) {
            m.put("dropped." + e.getKey().metricName, e.getValue().get());
        }
        return m;
    }

    /** One line for stderr at shutdown when something was lost. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("sent ").append(sent.get()).append(" metric points in ").append(sentPayloads.get())
                .append(" payloads, retried ").append(retried.get()).append(" times, dropped ").append(droppedTotal())
                .append(" points");
        String sep = " (";
        for (Map.Entry<Reason, AtomicLong> e : dropped.entrySet()) {
            if (e.getValue().get() > 0) {
                sb.append(sep).append(e.getKey().metricName).append('=').append(e.getValue().get());
                sep = ", ";
            }
        }
        if (!" (".equals(sep)) {
            sb.append(')');
        }
        return sb.toString();
    }
}
