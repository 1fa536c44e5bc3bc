package emrs.observe.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import emrs.observe.datadog.DropReason;
import emrs.observe.datadog.MetricsCounters;
import emrs.observe.datadog.ShipperCounters;
import emrs.observe.lineage.LineageJob;
import emrs.observe.lineage.LineageWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthFiguresTest {
    @TempDir
    Path dir;

    private final Set<String> sent = new HashSet<>();

    private Map<String, Point> collect(HealthFigures h, ShipperCounters logs, List<LineageWriter> lineage,
            MetricsCounters metrics) {
        Figures f = new Figures();
        h.collect(logs, lineage, metrics, f, "executor_id:driver");
        Map<String, Point> out = new HashMap<>();
        for (Point p : f.points(15, sent)) {
            out.put(p.seriesKey(), p);
        }
        return out;
    }

    private LineageWriter writer() {
        return new LineageWriter(new Configuration(), dir.toUri().toString(),
                new LineageJob("app", "n", null, null, null, Collections.emptyMap()), 1, 1);
    }

    @Test
    void thePluginsCountersAreSentAsCountsOfTheirChangeDropsByReason() {
        HealthFigures h = new HealthFigures();
        ShipperCounters logs = new ShipperCounters();
        MetricsCounters metrics = new MetricsCounters();
        LineageWriter w1 = writer();
        logs.sent.set(100);
        logs.drop(DropReason.BUFFER_FULL, 7);
        w1.written.set(3);
        w1.rejected.set(1);
        metrics.drop(MetricsCounters.Reason.TOO_OLD, 2);
        Map<String, Point> first = collect(h, logs, Arrays.asList(w1), metrics);
        assertEquals(MetricKind.COUNT, first.get("emrs.plugin.logs.sent[executor_id:driver]").kind);
        assertEquals(100, first.get("emrs.plugin.logs.sent[executor_id:driver]").value);
        assertEquals(7, first.get("emrs.plugin.logs.dropped[executor_id:driver, reason:buffer_full]").value);
        assertFalse(first.containsKey("emrs.plugin.logs.dropped[executor_id:driver, reason:rejected]"));
        assertEquals(3, first.get("emrs.plugin.lineage.written[executor_id:driver]").value);
        assertEquals(1, first.get("emrs.plugin.lineage.dropped[executor_id:driver]").value);
        assertEquals(2, first.get("emrs.plugin.metrics.dropped[executor_id:driver, reason:too_old]").value);

        // A second writer appears (OpenLineage's transport beside Spline's dispatcher): its counts add.
        LineageWriter w2 = writer();
        logs.sent.set(130);
        w1.written.set(4);
        w2.written.set(2);
        w2.failed.set(1);
        Map<String, Point> second = collect(h, logs, Arrays.asList(w1, w2), metrics);
        assertEquals(30, second.get("emrs.plugin.logs.sent[executor_id:driver]").value);
        assertEquals(0, second.get("emrs.plugin.logs.dropped[executor_id:driver, reason:buffer_full]").value);
        assertEquals(3, second.get("emrs.plugin.lineage.written[executor_id:driver]").value);
        assertEquals(1, second.get("emrs.plugin.lineage.failed[executor_id:driver]").value);
        assertTrue(LineageWriter.live().containsAll(Arrays.asList(w1, w2)));
    }

    @Test
    void aJvmWithoutLineageSendsNoLineageSeries() {
        Map<String, Point> p = collect(new HealthFigures(), new ShipperCounters(), Collections.emptyList(),
                new MetricsCounters());
        assertFalse(p.keySet().stream().anyMatch(k -> k.startsWith("emrs.plugin.lineage.")));
    }
}
