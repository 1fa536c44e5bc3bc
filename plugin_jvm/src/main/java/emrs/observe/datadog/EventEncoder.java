package emrs.observe.datadog;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Turns one log event into one Datadog intake JSON object, as UTF-8 bytes. The fields that are
 * the same for every event of this JVM (ddsource, service, hostname, ddtags) are encoded once,
 * as {@link #constantFields()}: the logging thread encodes only the rest of the event, and the
 * shipper appends them when it batches (half of each event's bytes that the logging thread
 * neither writes nor copies into the buffer). An event over the per-event limit (1 MB at the
 * intake, constant fields included) is cut to fit and marked {@code "truncated":true}, with its
 * message ending in "…[truncated]".
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
    public boolean lastWasTruncated() {
        return buffers.get().truncated;
    }

    /**
     * What completes an event handed to a {@link Sink}: the constant fields and the closing brace.
     * It changes once, when Spark assigns the application id; events still buffered then are
     * completed with the new value.
     */
    public byte[] constantFields() {
        return constantTail;
    }

    /**
     * Receives an encoded event without its {@link #constantFields()}; the bytes are only valid
     * during the call.
     */
    public interface Sink {
        void accept(byte[] event, int length);
    }

    /**
     * Encodes one whole event, constant fields included. {@code context} (log4j's MDC, where
     * Spark puts the task name) may be null or empty.
     */
    public byte[] encode(long timeMillis, String status, String logger, String thread, CharSequence message,
            Throwable thrown, Map<String, String> context) {
        byte[] tail = constantTail;
        JsonBytes out = encodeToBuffer(timeMillis, status, logger, thread, message, thrown, context,
                EventContext.MAP, tail.length);
        out.raw(tail);
        byte[] bytes = out.toArray();
        out.shrinkTo(INITIAL * 64);
        return bytes;
    }

    /**
     * Encodes one event, without its {@link #constantFields()}, into this thread's buffer and
     * hands it to {@code sink} without a copy: the logging thread allocates nothing per event.
     * Returns whether the event was truncated.
     */
    public <C> boolean encode(long timeMillis, String status, String logger, String thread, CharSequence message,
            Throwable thrown, C context, EventContext<C> contextReader, Sink sink) {
        JsonBytes out = encodeToBuffer(timeMillis, status, logger, thread, message, thrown, context, contextReader,
                constantTail.length);
        sink.accept(out.array(), out.size());
        out.shrinkTo(INITIAL * 64);
        return out.truncated;
    }

    /** The event up to its constant fields, which take {@code tailBytes} of the limit. */
    private <C> JsonBytes encodeToBuffer(long timeMillis, String status, String logger, String thread,
            CharSequence message, Throwable thrown, C context, EventContext<C> contextReader, int tailBytes) {
        JsonBytes out = buffers.get();
        String stack = thrown == null ? null : stackTrace(thrown);
        write(out, timeMillis, status, logger, thread, message, thrown, stack, context, contextReader,
                Integer.MAX_VALUE, Integer.MAX_VALUE);
        int maxBytes = maxEventBytes - tailBytes;
        boolean truncated = out.size() > maxBytes;
        out.truncated = truncated;
        if (truncated) {
            // Measure everything but the message and the stack, then share what is left.
            write(out, timeMillis, status, logger, thread, "", thrown, stack == null ? null : "", context,
                    contextReader, 0, 0);
            int room = maxBytes - out.size() - K_TRUNCATED.length - 64;
            int stackRoom = stack == null ? 0 : Math.min(room / 4, stack.length() * 3 + 2);
            int messageRoom = room - stackRoom;
            write(out, timeMillis, status, logger, thread, message, thrown, stack, context, contextReader,
                    messageRoom, stackRoom);
        }
        return out;
    }

    private <C> void write(JsonBytes out, long timeMillis, String status, String logger, String thread,
            CharSequence message, Throwable thrown, String stack, C context, EventContext<C> contextReader,
            int messageRoom, int stackRoom) {
        boolean capped = messageRoom != Integer.MAX_VALUE;
        out.reset();
        out.raw(K_TIMESTAMP).number(timeMillis);
        out.raw(K_STATUS).string(status);
        out.raw(K_MESSAGE);
        if (capped) {
            out.raw('"');
            if (!out.body(message == null ? "" : message, Math.max(0, messageRoom - MARK_BYTES - 2))) {
                out.body(MARK, MARK_BYTES);
            }
            out.raw('"');
        } else if (message instanceof MessageTemplate) {
            out.raw('"');
            ((MessageTemplate) message).writeBody(out);
            out.raw('"');
        } else {
            out.string(message == null ? "" : message);
        }
        out.raw(K_LOGGER).string(logger == null ? "" : logger, out.logger);
        out.raw(K_THREAD).string(thread == null ? "" : thread, out.thread).raw('}');
        if (thrown != null) {
            out.raw(K_ERROR).string(thrown instanceof ErrorKind ? ((ErrorKind) thrown).kind()
                    : thrown.getClass().getName());
            String m = thrown.getMessage();
            if (m != null) {
                out.raw(K_ERROR_MESSAGE).string(m, capped ? 4096 : Integer.MAX_VALUE);
            }
            out.raw(K_STACK).string(stack, capped ? stackRoom : Integer.MAX_VALUE);
            out.raw('}');
        }
        if (context != null && !contextReader.isEmpty(context)) {
            JsonBytes.RememberedContext remembered = out.context;
            if (!capped && remembered.sameAs(context, contextReader)) {
                remembered.copyTo(out);
            } else {
                int start = out.size();
                if (capped) {
                    remembered.skip();
                } else {
                    remembered.record();
                }
                out.raw(K_MDC);
                out.beginFields(capped ? 1024 : Integer.MAX_VALUE);
                contextReader.forEach(context, out);
                out.raw('}');
                if (!capped) {
                    remembered.keep(out, start);
                }
            }
        }
        if (capped) {
            out.raw(K_TRUNCATED);
        }
    }

    static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter(1024);
        try (PrintWriter pw = new PrintWriter(sw)) {
            t.printStackTrace(pw);
        }
        return sw.toString();
    }
}
