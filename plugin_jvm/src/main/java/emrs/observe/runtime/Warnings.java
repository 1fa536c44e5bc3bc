package emrs.observe.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plugin's own voice: plain stderr, not log4j, because the plugin's problems are about
 * log4j's output going nowhere, and our appender must never feed on itself.
 */
public final class Warnings {
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    private Warnings() {
    }

    public static void warn(String message) {
        // Quiet: the stderr capture must not ship the plugin's own voice (a failing intake would
        // otherwise feed its warnings back into the intake).
        boolean was = ConsoleCapture.quiet(true);
        try {
            System.err.println("emrs-observe WARNING: " + message);
            System.err.flush();
        } finally {
            ConsoleCapture.quiet(was);
        }
    }

    /** Warns once per JVM for a given key: a down intake must not print a line per batch. */
    public static void once(String key, String message) {
        if (SEEN.add(key)) {
            warn(message);
        }
    }

    /** Accepts "key|message" as sent by the shipper. */
    public static void onceKeyed(String keyed) {
        int bar = keyed.indexOf('|');
        if (bar < 0) {
            once(keyed, keyed);
        } else {
            once(keyed.substring(0, bar), keyed.substring(bar + 1)
                    + " (further occurrences are only counted)");
        }
    }
}
