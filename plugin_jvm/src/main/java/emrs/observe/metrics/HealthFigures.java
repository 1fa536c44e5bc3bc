package emrs.observe.metrics;

import emrs.observe.datadog.DropReason;
import emrs.observe.datadog.MetricsCounters;
import emrs.observe.datadog.ShipperCounters;
import emrs.observe.lineage.LineageWriter;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The plugin's own health, as COUNTs of what changed since the last collection (the contract of
 * TEAM.md: {@code emrs.plugin.logs.*}, {@code emrs.plugin.lineage.*}, {@code emrs.plugin.metrics.dropped},
 * drops tagged with their {@code reason}).
 */
public final class HealthFigures {
    private final Deltas deltas = new Deltas();
    /** Per lineage writer, its totals at the last collection: writers come and go, their counts add up. */
    private final Map<LineageWriter, long[]> lineageLast = new WeakHashMap<>();

    public void collect(ShipperCounters logs, List<LineageWriter> lineage, MetricsCounters metrics, Figures out,
            String... tags) {
        if (logs != null) {
            out.count("emrs.plugin.logs.sent", "event", deltas.delta("logs.sent", logs.sent.get()), tags);
            out.count("emrs.plugin.logs.retried", null, deltas.delta("logs.retried", logs.retried.get()), tags);
            out.count("emrs.plugin.logs.failed", null, deltas.delta("logs.failed", logs.failed.get()), tags);
            for (DropReason r : DropReason.values()) {
                out.count("emrs.plugin.logs.dropped", "event",
                        deltas.delta("logs.dropped." + r.metricName, logs.dropped(r)), with(tags, "reason:" + r.metricName));
            }
        }
        long written = 0;
        long failed = 0;
        long dropped = 0;
        for (LineageWriter w : lineage) {
            long[] now = {w.written.get(), w.failed.get(), w.rejected.get()};
            long[] before = lineageLast.get(w);
            if (before == null) {
                before = new long[3];
            }
            written += Math.max(0, now[0] - before[0]);
            failed += Math.max(0, now[1] - before[1]);
            dropped += Math.max(0, now[2] - before[2]);
            lineageLast.put(w, now);
        }
        if (!lineage.isEmpty() || !lineageLast.isEmpty()) {
            out.count("emrs.plugin.lineage.written", null, written, tags);
            out.count("emrs.plugin.lineage.failed", null, failed, tags);
            out.count("emrs.plugin.lineage.dropped", null, dropped, tags);
        }
        if (metrics != null) {
            for (MetricsCounters.Reason r : MetricsCounters.Reason.values()) {
                out.count("emrs.plugin.metrics.dropped", null,
                        deltas.delta("metrics.dropped." + r.metricName, metrics.dropped(r)),
                        with(tags, "reason:" + r.metricName));
            }
        }
    }

    private static String[] with(String[] tags, String tag) {
        String[] out = new String[tags.length + 1];
        System.arraycopy(tags, 0, out, 0, tags.length);
        out[tags.length] = tag;
        return out;
    }
}
