package emrs.observe.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FiguresTest {
    private static Map<String, Point> byKey(List<Point> points) {
        Map<String, Point> m = new HashMap<>();
        for (Point p : points) {
            m.put(p.seriesKey(), p);
        }
        return m;
    }

    @Test
    void figuresOfOneSeriesAddUpAndEachShapeBecomesItsDatadogType() {
        Figures f = new Figures();
        f.gauge("g", "byte", 2, "executor_id:1");
        f.gauge("g", "byte", 3, "executor_id:1");
        f.gauge("g", "byte", 7, "executor_id:2");
        f.count("c", null, 4);
        f.rate("r", "task", 30);
        f.perSecond("t", "fraction", 45_000);
        f.gaugeMax("m", "millisecond", 5);
        f.gaugeMax("m", "millisecond", 9);
        f.gaugeMax("m", "millisecond", 2);
        f.gauge("nan", null, Double.NaN);
        Map<String, Point> p = byKey(f.points(15, new HashSet<>()));
        assertEquals(5, p.get("g[executor_id:1]").value);
        assertEquals(7, p.get("g[executor_id:2]").value);
        assertEquals(MetricKind.GAUGE, p.get("g[executor_id:1]").kind);
        assertEquals(0, p.get("g[executor_id:1]").intervalSec);
        assertEquals(MetricKind.COUNT, p.get("c").kind);
        assertEquals(4, p.get("c").value);
        assertEquals(15, p.get("c").intervalSec);
        // A rate is the change per second; times its interval it is the change again.
        assertEquals(MetricKind.RATE, p.get("r").kind);
        assertEquals(2, p.get("r").value);
        assertEquals(30, p.get("r").value * p.get("r").intervalSec);
        assertEquals(MetricKind.GAUGE, p.get("t").kind);
        assertEquals(3_000, p.get("t").value);
        assertEquals(9, p.get("m").value);
        assertTrue(!p.containsKey("nan"));
    }

    @Test
    void aCountNeverMovedIsNotSentButOnceSentKeepsBeingSentAtZero() {
        Set<String> sent = new HashSet<>();
        Figures first = new Figures();
        first.count("idle", null, 0);
        first.count("busy", null, 3);
        assertEquals(java.util.Collections.singletonList("busy"), first.points(10, sent).stream().map(x -> x.name).collect(
                java.util.stream.Collectors.toList()));
        Figures second = new Figures();
        second.count("idle", null, 0);
        second.count("busy", null, 0);
        List<Point> points = second.points(10, sent);
        assertEquals(1, points.size());
        assertEquals("busy", points.get(0).name);
        assertEquals(0, points.get(0).value);
    }

    @Test
    void aSeriesKeepsTheTypeItWasFirstGiven() {
        Figures f = new Figures();
        f.gauge("x", null, 1);
        f.count("x", null, 5);
        List<Point> points = f.points(10, new HashSet<>());
        assertEquals(1, points.size());
        assertEquals(MetricKind.GAUGE, points.get(0).kind);
        assertEquals(1, points.get(0).value);
    }

    @Test
    void deltasCountFromZeroFollowResetsAndForgetWhatIsGone() {
        Deltas d = new Deltas();
        d.begin();
        assertEquals(5, d.delta("a", 5));
        assertEquals(7, d.delta("b", 7));
        d.forgetUnseen();
        d.begin();
        assertEquals(3, d.delta("a", 8));
        assertEquals(2, d.delta("a", 2)); // went down: reset, the new total is the change
        d.forgetUnseen();
        assertEquals(1, d.size());
        d.begin();
        assertEquals(7, d.delta("b", 7)); // forgotten: counts from zero again
    }
}
