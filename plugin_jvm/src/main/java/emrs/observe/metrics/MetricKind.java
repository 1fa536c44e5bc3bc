package emrs.observe.metrics;

/** How Datadog reads a point: the {@code type} codes of the series API v2 ({@code MetricIntakeType}). */
public enum MetricKind {
    /** How many things happened in the point's interval. */
    COUNT(1),
    /** How many things happened per second over the point's interval. */
    RATE(2),
    /** A level at the point's time. */
    GAUGE(3);

    public final int intakeType;

    MetricKind(int intakeType) {
        this.intakeType = intakeType;
    }
}
