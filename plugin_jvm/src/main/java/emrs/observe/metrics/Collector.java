package emrs.observe.metrics;

/** One source of figures, read on the metrics thread at every collection. */
public interface Collector {
    /** A short name for warnings ("Spark's status store"). */
    String name();

    void collect(Figures out) throws Exception;
}
