package emrs.observe.runtime;

import emrs.observe.datadog.ErrorKind;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * A Python traceback read from stdout/stderr, carried as the event's error: kind and message
 * from its last exception line ("ValueError: boom"), the stack as Python printed it.
 */
public final class PythonTraceback extends Throwable implements ErrorKind {
    private static final long serialVersionUID = 1L;
    private final String kind;
    private final String text;

    PythonTraceback(String kind, String message, String text) {
        super(message, null, false, false);
        this.kind = kind;
        this.text = text;
    }

    @Override
    public String kind() {
        return kind;
    }

    /** The traceback as Python printed it. */
    public String text() {
        return text;
    }

    @Override
    public void printStackTrace(PrintWriter s) {
        s.print(text);
    }

    @Override
    public void printStackTrace(PrintStream s) {
        s.print(text);
    }

    @Override
    public String toString() {
        return getMessage() == null ? kind : kind + ": " + getMessage();
    }
}
