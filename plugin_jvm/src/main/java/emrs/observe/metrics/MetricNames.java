package emrs.observe.metrics;

/**
 * Datadog names for what Spark's metrics system registers: {@code emrs.spark.<source>.<metric>},
 * each dot-separated part in Datadog's style (lower case, words joined by underscores), so that
 * {@code DAGScheduler} / {@code stage.failedStages} becomes {@code emrs.spark.dag_scheduler.stage.failed_stages}
 * and {@code jvm} / {@code heap.used} stays {@code emrs.spark.jvm.heap.used}.
 */
public final class MetricNames {
    public static final String SPARK_PREFIX = "emrs.spark.";
    /** Datadog's longest metric name. */
    public static final int MAX_LENGTH = 200;

    private MetricNames() {
    }

    public static String spark(String source, String metric) {
        return SPARK_PREFIX + snake(source) + "." + snake(metric);
    }

    /**
     * Each dot-separated part in snake case: a capital after a lower-case letter or a digit starts
     * a word, as does the last capital of a run followed by a lower-case letter ({@code JVMHeapMemory}
     * is {@code jvm_heap_memory}); anything but letters, digits and dots becomes one underscore.
     */
    public static String snake(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                trimUnderscore(out);
                if (out.length() > 0 && out.charAt(out.length() - 1) != '.') {
                    out.append('.');
                }
                continue;
            }
            boolean upper = c >= 'A' && c <= 'Z';
            boolean alnum = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum) {
                appendUnderscore(out);
                continue;
            }
            if (upper && i > 0) {
                char prev = s.charAt(i - 1);
                boolean prevLowerOrDigit = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
                boolean prevUpper = prev >= 'A' && prev <= 'Z';
                boolean nextLower = i + 1 < n && s.charAt(i + 1) >= 'a' && s.charAt(i + 1) <= 'z';
                if (prevLowerOrDigit || (prevUpper && nextLower)) {
                    appendUnderscore(out);
                }
            }
            out.append(upper ? (char) (c + ('a' - 'A')) : c);
        }
        trimUnderscore(out);
        if (out.length() > 0 && out.charAt(out.length() - 1) == '.') {
            out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    private static void appendUnderscore(StringBuilder out) {
        int len = out.length();
        if (len > 0 && out.charAt(len - 1) != '_' && out.charAt(len - 1) != '.') {
            out.append('_');
        }
    }

    private static void trimUnderscore(StringBuilder out) {
        while (out.length() > 0 && out.charAt(out.length() - 1) == '_') {
            out.setLength(out.length() - 1);
        }
    }

    /** What Datadog accepts as it is: starts with a letter, letters, digits, underscores and dots, ≤ 200. */
    public static boolean valid(String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        char first = name.charAt(0);
        if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
