package emrs.observe.datadog;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Turns one log event into one Datadog intake JSON object, as UTF-8 bytes. It runs on the shipper
 * thread (see {@link LogRecord}), into a buffer it reuses. The fields that are the same for every
 * event of this JVM (ddsource, service, hostname, ddtags) are encoded once.
 * An event over the per-event limit (1 MB at the intake) is cut to fit and marked
 * {@code "truncated":true}, with its message ending in "…[truncated]".
 */
public final class EventEncoder {
    /** Datadog accepts at most 1 MB per log; stay a little under to be safe with its accounting. */
    public static final int MAX_EVENT_BYTES = 1_000_000;
    private static final int INITIAL = 1024;
    private static final String MARK = "…[truncated]";
    private static final int MARK_BYTES = MARK.getBytes(StandardCharsets.UTF_8).length;

    private static final byte[] K_TIMESTAMP = "{\"timestamp\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_STATUS = ",\"status\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_MESSAGE = ",\"message\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_LOGGER = ",\"logger\":{\"name\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_THREAD = ",\"thread_name\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_ERROR = ",\"error\":{\"kind\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_ERROR_MESSAGE = ",\"message\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_STACK = ",\"stack\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_MDC = ",\"mdc\":{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_TRUNCATED = ",\"truncated\":true".getBytes(StandardCharsets.US_ASCII);

    // Replaced once when Spark learns the application id (after the driver plugin starts).
    private volatile byte[] constantTail;
    private final int maxEventBytes;
    private final ThreadLocal<JsonBytes> buffers = ThreadLocal.withInitial(() -> new JsonBytes(INITIAL));

    public EventEncoder(String source, String service, String hostname, String ddtags) {
        this(source, service, hostname, ddtags, MAX_EVENT_BYTES);
    }

    public EventEncoder(String source, String service, String hostname, String ddtags, int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
        setConstants(source, service, hostname, ddtags);
    }

    /** The fields every event of this JVM carries. */
    public void setConstants(String source, String service, String hostname, String ddtags) {
        JsonBytes tail = new JsonBytes(256);
        tail.raw(",\"ddsource\":".getBytes(StandardCharsets.US_ASCII)).string(source);
        tail.raw(",\"service\":".getBytes(StandardCharsets.US_ASCII)).string(service);
        tail.raw(",\"hostname\":".getBytes(StandardCharsets.US_ASCII)).string(hostname);
        tail.raw(",\"ddtags\":".getBytes(StandardCharsets.US_ASCII)).string(ddtags);
        tail.raw('}');
        this.constantTail = tail.toArray();
    }

    /** Whether the last {@link #encode} on this thread had to truncate. */
    private final ThreadLocal<boolean[]> lastTruncated = ThreadLocal.withInitial(() -> new boolean[1]);

    public boolean lastWasTruncated() {
        return lastTruncated.get()[0];
    }

    /**
     * Encodes one event. {@code context} (log4j's MDC, where Spark puts the task name) may be
     * null or empty.
     */
    public byte[] encode(long timeMillis, String status, String logger, String thread, CharSequence message,
            Throwable thrown, Map<String, String> context) {
        JsonBytes out = buffers.get();
        lastTruncated.get()[0] = encode(LogRecord.of(timeMillis, status, logger, thread, message, thrown, context),
                out);
        byte[] bytes = out.toArray();
        out.shrinkTo(INITIAL * 64);
        return bytes;
    }

    /** Encodes one record into {@code out}, replacing what it held; returns whether it had to truncate. */
    boolean encode(LogRecord r, JsonBytes out) {
        write(out, r, r.message, r.stack, Integer.MAX_VALUE, Integer.MAX_VALUE);
        if (out.size() <= maxEventBytes) {
            return false;
        }
        // Measure everything but the message and the stack, then share what is left.
        write(out, r, "", r.stack == null ? null : "", 0, 0);
        int room = maxEventBytes - out.size() - K_TRUNCATED.length - 64;
        int stackRoom = r.stack == null ? 0 : Math.min(room / 4, r.stack.length() * 3 + 2);
        int messageRoom = room - stackRoom;
        write(out, r, r.message, r.stack, messageRoom, stackRoom);
        return true;
    }

    private void write(JsonBytes out, LogRecord r, String message, String stack, int messageRoom, int stackRoom) {
        boolean capped = messageRoom != Integer.MAX_VALUE;
        out.reset();
        out.raw(K_TIMESTAMP).number(r.timeMillis);
        out.raw(K_STATUS).string(r.status);
        out.raw(K_MESSAGE);
        if (capped) {
            out.raw('"');
            if (!out.body(message, Math.max(0, messageRoom - MARK_BYTES - 2))) {
                out.body(MARK, MARK_BYTES);
            }
            out.raw('"');
        } else {
            out.string(message);
        }
        out.raw(K_LOGGER).string(r.logger == null ? "" : r.logger);
        out.raw(K_THREAD).string(r.thread == null ? "" : r.thread).raw('}');
        if (r.errorKind != null) {
            out.raw(K_ERROR).string(r.errorKind);
            if (r.errorMessage != null) {
                out.raw(K_ERROR_MESSAGE).string(r.errorMessage, capped ? 4096 : Integer.MAX_VALUE);
            }
            out.raw(K_STACK).string(stack, capped ? stackRoom : Integer.MAX_VALUE);
            out.raw('}');
        }
        Map<String, String> context = r.context;
        if (context != null && !context.isEmpty()) {
            out.raw(K_MDC);
            boolean first = true;
            for (Map.Entry<String, String> e : context.entrySet()) {
                if (!first) {
                    out.raw(',');
                }
                first = false;
                out.string(e.getKey()).raw(':').string(e.getValue() == null ? "" : e.getValue(),
                        capped ? 1024 : Integer.MAX_VALUE);
            }
            out.raw('}');
        }
        if (capped) {
            out.raw(K_TRUNCATED);
        }
        out.raw(constantTail);
    }

    static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter(1024);
        try (PrintWriter pw = new PrintWriter(sw)) {
            t.printStackTrace(pw);
        }
        return sw.toString();
    }
}
