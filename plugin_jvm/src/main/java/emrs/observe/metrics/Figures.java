package emrs.observe.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one collection found, summed per series (name and own tags): several executors, jobs or
 * stages add to the same series. Counters arrive as their change since the last collection,
 * never as running totals; {@link #points} turns the sums into what Datadog reads.
 */
public final class Figures {
    private static final String[] NO_TAGS = new String[0];

    private static final class Sum {
        final String name;
        final Shape shape;
        final String unit;
        final String[] tags;
        double value;
        boolean any;

        Sum(String name, Shape shape, String unit, String[] tags) {
            this.name = name;
            this.shape = shape;
            this.unit = unit;
            this.tags = tags;
        }
    }

    private enum Shape {
        GAUGE, GAUGE_MAX, COUNT, RATE, PER_SECOND
    }

    private final Map<String, Sum> sums = new LinkedHashMap<>();

    /** A level, sent as it is (levels of several entities in one series add up). */
    public void gauge(String name, String unit, double value, String... tags) {
        add(name, Shape.GAUGE, unit, value, tags);
    }

    /** A level of which the series keeps the highest (a latency over several queries). */
    public void gaugeMax(String name, String unit, double value, String... tags) {
        add(name, Shape.GAUGE_MAX, unit, value, tags);
    }

    /** A change of a counter, sent as a COUNT of the interval. */
    public void count(String name, String unit, double delta, String... tags) {
        add(name, Shape.COUNT, unit, delta, tags);
    }

    /** A change of a counter, sent as a RATE: per second over the interval. */
    public void rate(String name, String unit, double delta, String... tags) {
        add(name, Shape.RATE, unit, delta, tags);
    }

    /**
     * A change of a counter of time, sent as a gauge of its growth per second of the interval:
     * Datadog's Spark check's "fraction" figures (milliseconds of run time per second).
     */
    public void perSecond(String name, String unit, double delta, String... tags) {
        add(name, Shape.PER_SECOND, unit, delta, tags);
    }

    public boolean isEmpty() {
        return sums.isEmpty();
    }

    private void add(String name, Shape shape, String unit, double value, String[] tags) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return;
        }
        String[] own = tags == null ? NO_TAGS : tags;
        String key = own.length == 0 ? name : name + Arrays.toString(own);
        Sum s = sums.get(key);
        if (s == null) {
            s = new Sum(name, shape, unit, own);
            sums.put(key, s);
        } else if (s.shape != shape) {
            return; // one name, one type: a second shape for the same series would be a bug of ours
        }
        s.value = s.shape == Shape.GAUGE_MAX && s.any ? Math.max(s.value, value) : s.value + value;
        s.any = true;
    }

    /**
     * The points of an interval of {@code intervalSec} seconds. A count that is still zero and was
     * never sent before is left out ({@code countsSent} remembers which were): most counters of
     * Spark's metrics system never move in a given job, and a series Datadog never saw costs nothing.
     * Once sent, a count keeps being sent, zero included, so graphs fall back to zero.
     */
    public List<Point> points(long intervalSec, Set<String> countsSent) {
        long interval = Math.max(1, intervalSec);
        List<Point> out = new ArrayList<>(sums.size());
        for (Map.Entry<String, Sum> e : sums.entrySet()) {
            Sum s = e.getValue();
            switch (s.shape) {
                case GAUGE:
                case GAUGE_MAX:
                    out.add(new Point(s.name, MetricKind.GAUGE, s.unit, s.tags, s.value, 0));
                    break;
                case COUNT:
                    if (s.value == 0 && !countsSent.contains(e.getKey())) {
                        break;
                    }
                    countsSent.add(e.getKey());
                    out.add(new Point(s.name, MetricKind.COUNT, s.unit, s.tags, s.value, interval));
                    break;
                case RATE:
                    // value × interval is the change itself: Datadog's as_count() gives it back.
                    out.add(new Point(s.name, MetricKind.RATE, s.unit, s.tags, s.value / interval, interval));
                    break;
                default:
                    out.add(new Point(s.name, MetricKind.GAUGE, s.unit, s.tags, s.value / interval, 0));
                    break;
            }
        }
        return out;
    }
}
