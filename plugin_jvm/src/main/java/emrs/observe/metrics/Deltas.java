package emrs.observe.metrics;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns running totals into changes since the last collection, per key (a counter, a job, an
 * executor). A key seen for the first time counts from zero: every total read here starts at zero
 * with its JVM, application, job or stage, so nothing it counted before is lost. A total that went
 * down was reset (its source was registered again): its change is the new total.
 */
public final class Deltas {
    private static final class Last {
        double value;
        long generation;
    }

    private final Map<String, Last> last = new HashMap<>();
    private long generation;

    /** Starts a collection: keys not seen again before {@link #forgetUnseen} are dropped then. */
    public void begin() {
        generation++;
    }

    public double delta(String key, double total) {
        Last l = last.get(key);
        if (l == null) {
            l = new Last();
            last.put(key, l);
        }
        double d = total >= l.value ? total - l.value : total;
        l.value = total;
        l.generation = generation;
        return d;
    }

    /** The last total recorded for {@code key}, or 0. */
    public double lastTotal(String key) {
        Last l = last.get(key);
        return l == null ? 0 : l.value;
    }

    /**
     * Forgets the keys not seen since {@link #begin}: an executor, job or stage that Spark no
     * longer holds. What they counted was sent when they were last seen.
     */
    public void forgetUnseen() {
        for (Iterator<Last> it = last.values().iterator(); it.hasNext(); ) {
            if (it.next().generation != generation) {
                it.remove();
            }
        }
    }

    public int size() {
        return last.size();
    }
}
