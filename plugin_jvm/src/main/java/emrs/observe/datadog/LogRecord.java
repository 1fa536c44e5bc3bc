package emrs.observe.datadog;

import java.util.Map;

/**
 * One log event as the logging thread hands it over: immutable, encoded to JSON later on the
 * shipper thread so that the thread that logs pays only for this object. A Throwable is not
 * kept (it is mutable and may hold on to large object graphs): its class, message and stack
 * trace are taken as Strings at once, a rare and already expensive path.
 */
public final class LogRecord {
    /** Rough heap cost of a record beyond its Strings: the object and its queue node. */
    static final int OVERHEAD = 112;
    /** Heap cost of a String beyond its characters (object + array headers), rounded up. */
    private static final int STRING_OVERHEAD = 48;

    final long timeMillis;
    final String status;
    final String logger;
    final String thread;
    final String message;
    final String errorKind;
    final String errorMessage;
    final String stack;
    final Map<String, String> context;
    /** A conservative estimate of the heap this record holds, for the buffer's bound. */
    final long cost;

    private LogRecord(long timeMillis, String status, String logger, String thread, String message,
            String errorKind, String errorMessage, String stack, Map<String, String> context) {
        this.timeMillis = timeMillis;
        this.status = status;
        this.logger = logger;
        this.thread = thread;
        this.message = message;
        this.errorKind = errorKind;
        this.errorMessage = errorMessage;
        this.stack = stack;
        this.context = context;
        long c = OVERHEAD + cost(message) + cost(logger) + cost(thread) + cost(errorKind) + cost(errorMessage)
                + cost(stack);
        if (context != null) {
            // HashMap and its table, then a node and two Strings per entry.
            c += 64 + 8L * context.size();
            for (Map.Entry<String, String> e : context.entrySet()) {
                c += 48 + cost(e.getKey()) + cost(e.getValue());
            }
        }
        this.cost = c;
    }

    /**
     * {@code context} (log4j's MDC, where Spark puts the task name) may be null or empty and
     * must not be changed afterwards; {@code message} is the formatted message.
     */
    public static LogRecord of(long timeMillis, String status, String logger, String thread, CharSequence message,
            Throwable thrown, Map<String, String> context) {
        String stack = null;
        String kind = null;
        String errorMessage = null;
        if (thrown != null) {
            kind = thrown.getClass().getName();
            errorMessage = thrown.getMessage();
            stack = EventEncoder.stackTrace(thrown);
        }
        return new LogRecord(timeMillis, status, logger, thread, message == null ? "" : message.toString(), kind,
                errorMessage, stack, context == null || context.isEmpty() ? null : context);
    }

    /** UTF-16 counted at two bytes a char: exact on Java 8, an upper bound with compact strings. */
    private static long cost(String s) {
        return s == null ? 0 : STRING_OVERHEAD + 2L * s.length();
    }
}
