package emrs.observe.metrics;

import java.util.Arrays;

/**
 * One point of one series as it goes to Datadog: the JVM's common tags are added when it is
 * encoded, {@link #tags} are this series' own ({@code executor_id}, {@code status}, {@code reason}).
 */
public final class Point {
    public final String name;
    public final MetricKind kind;
    /** A Datadog unit name, or null. */
    public final String unit;
    public final String[] tags;
    public final double value;
    /** Seconds the point covers (COUNT and RATE); 0 for a gauge. */
    public final long intervalSec;

    public Point(String name, MetricKind kind, String unit, String[] tags, double value, long intervalSec) {
        this.name = name;
        this.kind = kind;
        this.unit = unit;
        this.tags = tags;
        this.value = value;
        this.intervalSec = kind == MetricKind.GAUGE ? 0 : intervalSec;
    }

    /** What identifies the series in Datadog within one JVM: name and own tags. */
    public String seriesKey() {
        return tags.length == 0 ? name : name + Arrays.toString(tags);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(tags) + "=" + value + " (" + kind + (intervalSec > 0 ? ", " + intervalSec + " s" : "")
                + ")";
    }
}
