package emrs.observe.datadog;

import java.nio.charset.StandardCharsets;

/**
 * A log message as a pattern with "{}" placeholders and its arguments, the way log4j's
 * parameterized messages carry it, written by the encoder straight into the event's JSON.
 * Formatting it first (log4j's console layout formats it too, into its own buffer) meant a
 * second pass of log4j's formatter into a StringBuilder and one more copy of the text, about a
 * quarter of what an event cost the logging thread. Only what formats exactly as log4j's
 * {@code ParameterFormatter} does without its help is taken: a pattern without backslashes
 * (escapes) and arguments that are null, strings, boxed integers or booleans; for anything else
 * {@link #accept} says no and log4j formats the message as before.
 *
 * <p>As a CharSequence it is the formatted text, built only when asked (for an event that must be
 * cut to size). One instance per logging thread, reused; {@link #clear} drops the arguments.
 */
public final class MessageTemplate implements CharSequence {
    private static final int MAX_PLACEHOLDERS = 32;
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    private String pattern;
    private final int[] placeholders = new int[MAX_PLACEHOLDERS];
    private final Object[] args = new Object[MAX_PLACEHOLDERS];
    /** Placeholders that get an argument: log4j's usedCount, min(placeholders, arguments). */
    private int used;
    private boolean writable;
    private String formatted;

    /**
     * Starts a message; returns false when {@code pattern} is not one this class formats like
     * log4j (escapes, or more placeholders than it keeps). Then pass each argument to {@link #arg}
     * and ask {@link #accept}.
     */
    public boolean start(String pattern, int argumentCount) {
        clear();
        if (pattern == null || pattern.indexOf('\\') >= 0) {
            return false;
        }
        // The placeholders log4j finds: each "{}" from left to right, the two chars used once.
        int n = 0;
        for (int at = pattern.indexOf("{}"); at >= 0; at = pattern.indexOf("{}", at + 2)) {
            if (n == MAX_PLACEHOLDERS) {
                return false;
            }
            placeholders[n++] = at;
        }
        this.pattern = pattern;
        this.used = Math.min(n, Math.max(0, argumentCount));
        this.writable = true;
        return true;
    }

    /** The argument at {@code index}; those past the placeholders (a trailing Throwable) are not formatted. */
    public void arg(int index, Object value) {
        if (index >= used) {
            return;
        }
        if (value == null || value instanceof String || value instanceof Long || value instanceof Integer
                || value instanceof Short || value instanceof Byte || value instanceof Boolean) {
            args[index] = value;
        } else {
            writable = false; // log4j's formatter handles arrays, maps, dates, toString() failures
        }
    }

    /** Whether every argument given is one this class writes itself. */
    public boolean accept() {
        return writable;
    }

    /** Drops the pattern and the arguments: the instance outlives the log call. */
    public void clear() {
        for (int i = 0; i < used; i++) {
            args[i] = null;
        }
        pattern = null;
        used = 0;
        writable = false;
        formatted = null;
    }

    /** Writes the formatted text, JSON-escaped, without quotes. */
    void writeBody(JsonBytes out) {
        int from = 0;
        for (int i = 0; i < used; i++) {
            int at = placeholders[i];
            if (at > from) {
                out.bodyUncapped(pattern, from, at);
            }
            Object a = args[i];
            if (a instanceof String) {
                String s = (String) a;
                out.bodyUncapped(s, 0, s.length());
            } else if (a instanceof Boolean) {
                out.raw((Boolean) a ? TRUE : FALSE);
            } else if (a == null) {
                out.raw(NULL);
            } else {
                out.number(((Number) a).longValue());
            }
            from = at + 2;
        }
        if (from < pattern.length()) {
            out.bodyUncapped(pattern, from, pattern.length());
        }
    }

    private String formatted() {
        if (formatted == null) {
            StringBuilder sb = new StringBuilder(pattern.length() + 16 * used);
            int from = 0;
            for (int i = 0; i < used; i++) {
                sb.append(pattern, from, placeholders[i]).append(args[i]);
                from = placeholders[i] + 2;
            }
            formatted = sb.append(pattern, from, pattern.length()).toString();
        }
        return formatted;
    }

    @Override
    public int length() {
        return formatted().length();
    }

    @Override
    public char charAt(int index) {
        return formatted().charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return formatted().subSequence(start, end);
    }

    @Override
    public String toString() {
        return formatted();
    }
}
