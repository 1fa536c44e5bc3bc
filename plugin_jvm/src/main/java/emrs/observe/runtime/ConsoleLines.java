package emrs.observe.runtime;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the bytes written to one console stream into log events: one per line, except a Python
 * traceback, which becomes one event from "Traceback (most recent call last):" to its exception
 * line, chained tracebacks ("During handling of the above exception…", "The above exception was
 * the direct cause…") and the indented or Java-trace lines after it included. Lines are split on
 * '\n' over the raw bytes, so a UTF-8 character cut between two writes is decoded whole.
 *
 * <p>A traceback is complete only when the next unrelated line arrives; {@link #flushIdle} ends one
 * that has been quiet for a while (an uncaught exception is the last thing a job prints). Not
 * thread-safe by itself: the caller serialises calls per stream.
 */
public final class ConsoleLines {
    /** Receives each finished line or traceback. */
    public interface Sink {
        void event(long timeMillis, String status, String thread, String message, PythonTraceback error);
    }

    static final String TRACEBACK = "Traceback (most recent call last):";
    private static final String[] CHAIN = {
        "During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:",
    };
    private static final Pattern EXCEPTION_LINE = Pattern.compile("([A-Za-z_][\\w.]*)(?::\\s?(.*))?");
    private static final String[] PYTHON_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"};
    private static final String[] STATUS = {"critical", "error", "warn", "info", "debug"};
    /** A traceback longer than this is shipped as it stands and a new event starts. */
    private static final int MAX_BLOCK_CHARS = 256 * 1024;

    private final Sink sink;
    private final int maxLineBytes;
    private byte[] partial = new byte[256];
    private int size;

    // The traceback being assembled (null: none), and where it stands.
    private StringBuilder block;
    private long blockStart;
    private long lastLine;
    private String blockThread;
    private String exceptionLine;
    private boolean inFrames;
    private int heldBlanks;

    public ConsoleLines(Sink sink, int maxLineBytes) {
        this.sink = sink;
        this.maxLineBytes = maxLineBytes;
    }

    public void write(byte[] b, int off, int len, long now, String thread) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                append(b, off, i - off);
                off = i + 1;
                endLine(now, thread);
            }
        }
        append(b, off, end - off);
        if (size >= maxLineBytes) {
            endLine(now, thread);
        }
    }

    /** Ends a traceback that has seen no line for {@code idleMs}. */
    public void flushIdle(long now, long idleMs) {
        if (block != null && now - lastLine >= idleMs) {
            endBlock();
        }
    }

    /** Ends everything, a line without its newline included (shutdown). */
    public void flushAll(long now, String thread) {
        if (size > 0) {
            endLine(now, thread);
        }
        if (block != null) {
            endBlock();
        }
    }

    private void append(byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (size + len > partial.length) {
            byte[] bigger = new byte[Math.max(partial.length * 2, size + len)];
            System.arraycopy(partial, 0, bigger, 0, size);
            partial = bigger;
        }
        System.arraycopy(b, off, partial, size, len);
        size += len;
    }

    private void endLine(long now, String thread) {
        int n = size;
        if (n > 0 && partial[n - 1] == '\r') {
            n--;
        }
        String line = new String(partial, 0, n, StandardCharsets.UTF_8);
        size = 0;
        if (partial.length > 64 * 1024) {
            partial = new byte[256]; // do not keep an outsized line's buffer
        }
        line(line, now, thread);
    }

    private void line(String line, long now, String thread) {
        if (block != null && continuesBlock(line, now)) {
            return;
        }
        if (line.startsWith(TRACEBACK)) {
            block = new StringBuilder(1024).append(line);
            blockStart = now;
            lastLine = now;
            blockThread = thread;
            exceptionLine = null;
            inFrames = true;
            heldBlanks = 0;
            return;
        }
        if (line.trim().isEmpty()) {
            return; // an empty line says nothing in Datadog
        }
        sink.event(now, status(line), thread, line, null);
    }

    /** Adds {@code line} to the traceback if it belongs there; else ends the traceback. */
    private boolean continuesBlock(String line, long now) {
        boolean indented = line.startsWith(" ") || line.startsWith("\t");
        boolean belongs;
        if (inFrames) {
            // "  File …" and source lines are indented; the first line that is not is the exception.
            belongs = !line.isEmpty();
            if (belongs && !indented) {
                exceptionLine = line;
                inFrames = false;
            }
        } else if (line.isEmpty()) {
            heldBlanks++;
            lastLine = now;
            return true;
        } else if (heldBlanks > 0 && isChain(line)) {
            belongs = true;
        } else if (line.startsWith(TRACEBACK) && endsWithChain()) {
            belongs = true;
            inFrames = true;
        } else {
            // What follows an exception line and is still part of it: py4j's Java trace
            // (": org.apache…", "\tat …", "Caused by: …"), PySpark's "JVM stacktrace:", notes.
            belongs = heldBlanks == 0 && (indented || line.startsWith(": ") || line.startsWith("Caused by")
                    || line.startsWith("JVM stacktrace:") || line.startsWith("..."));
        }
        if (!belongs || block.length() + line.length() > MAX_BLOCK_CHARS) {
            endBlock();
            return false;
        }
        for (; heldBlanks > 0; heldBlanks--) {
            block.append('\n');
        }
        block.append('\n').append(line);
        lastLine = now;
        return true;
    }

    private boolean endsWithChain() {
        for (String c : CHAIN) {
            int at = block.length() - c.length();
            if (at >= 0 && block.indexOf(c, at) == at) {
                return true;
            }
        }
        return false;
    }

    private static boolean isChain(String line) {
        for (String c : CHAIN) {
            if (line.startsWith(c)) {
                return true;
            }
        }
        return false;
    }

    private void endBlock() {
        String text = block.append('\n').toString();
        String last = exceptionLine == null ? TRACEBACK : exceptionLine;
        Matcher m = EXCEPTION_LINE.matcher(last);
        PythonTraceback error = m.matches() ? new PythonTraceback(m.group(1), m.group(2), text)
                : new PythonTraceback("PythonTraceback", last, text);
        block = null;
        heldBlanks = 0;
        sink.event(blockStart, "error", blockThread, last, error);
    }

    /** Python logging's default format starts with the level ("WARNING:root:…"). */
    static String status(String line) {
        for (int i = 0; i < PYTHON_LEVELS.length; i++) {
            String level = PYTHON_LEVELS[i];
            if (line.length() > level.length() && line.startsWith(level) && line.charAt(level.length()) == ':') {
                return STATUS[i];
            }
        }
        return "info";
    }

}
