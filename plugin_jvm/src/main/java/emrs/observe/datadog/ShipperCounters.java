package emrs.observe.datadog;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What happened to the log events of this JVM; registered with Spark's metrics system. */
public final class ShipperCounters {
    /** Events accepted by the intake (2xx). */
    public final AtomicLong sent = new AtomicLong();
    /** Batches accepted by the intake. */
    public final AtomicLong sentBatches = new AtomicLong();
    /** Attempts repeated after a retryable failure. */
    public final AtomicLong retried = new AtomicLong();
    /** Batches given up on (rejected or retries exhausted). */
    public final AtomicLong failed = new AtomicLong();
    /** Events cut to the per-event size limit before sending. */
    public final AtomicLong truncated = new AtomicLong();
    private final EnumMap<DropReason, AtomicLong> dropped = new EnumMap<>(DropReason.class);

    public ShipperCounters() {
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new AtomicLong());
        }
    }

    public void drop(DropReason reason, long events) {
        dropped.get(reason).addAndGet(events);
    }

    public long dropped(DropReason reason) {
        return dropped.get(reason).get();
    }

    public long droppedTotal() {
        long n = 0;
        for (AtomicLong a : dropped.values()) {
            n += a.get();
        }
        return n;
    }

    /** Metric name to current value, in a stable order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sent", sent.get());
        m.put("sentBatches", sentBatches.get());
        m.put("retried", retried.get());
        m.put("failed", failed.get());
        m.put("truncated", truncated.get());
        m.put("dropped", droppedTotal());
        for (Map.Entry<DropReason, AtomicLong> e : dropped.entrySet()) {
            m.put("dropped." + e.getKey().metricName, e.getValue().get());
        }
        return m;
    }

    /** One line for stderr at shutdown when something was lost. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("sent ").append(sent.get()).append(" log events in ").append(sentBatches.get())
                .append(" batches, retried ").append(retried.get()).append(" times, failed batches ")
                .append(failed.get()).append(", dropped ").append(droppedTotal()).append(" events");
        String sep = " (";
        for (Map.Entry<DropReason, AtomicLong> e : dropped.entrySet()) {
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
