package emrs.observe.log4j;

import emrs.observe.runtime.ConsoleCapture;
import java.io.OutputStream;
import java.lang.reflect.Method;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.OutputStreamManager;
import org.apache.logging.log4j.core.config.Configuration;

/**
 * Makes log4j's console appenders write "quietly": their lines reach the console as before but
 * the stdout/stderr capture does not ship them, because the Datadog appender already ships the
 * same event with its level, logger and MDC. Without this every log4j line would arrive twice.
 *
 * <p>The console appender keeps its stream in its manager and log4j offers no public way to wrap
 * it; {@code OutputStreamManager.getOutputStream/setOutputStream} are protected (present from
 * log4j 2.0 to 2.24, i.e. Spark 3.3 to 4.0). log4j-core sits on the class path, so reflection
 * on it needs no --add-opens.
 */
final class ConsoleMarking {
    private static final Method GET = method("getOutputStream");
    private static final Method SET = method("setOutputStream", OutputStream.class);

    private ConsoleMarking() {
    }

    /** Whether log4j's console lines can be told apart; if not, the capture must stay off. */
    static boolean available() {
        return GET != null && SET != null;
    }

    /** Wraps the stream of every console appender of {@code config}; already wrapped ones are left. */
    static void mark(Configuration config) {
        if (!available()) {
            return;
        }
        for (Appender a : config.getAppenders().values()) {
            if (!(a instanceof ConsoleAppender)) {
                continue;
            }
            OutputStreamManager manager = ((ConsoleAppender) a).getManager();
            try {
                synchronized (manager) {
                    OutputStream current = (OutputStream) GET.invoke(manager);
                    if (current != null && !(current instanceof QuietStream)) {
                        SET.invoke(manager, new QuietStream(current));
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                ConsoleCapture.cannotTellApart("log4j console appender '" + a.getName() + "': " + e);
            }
        }
    }

    private static Method method(String name, Class<?>... params) {
        try {
            Method m = OutputStreamManager.class.getDeclaredMethod(name, params);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Forwards everything; while it writes, this thread's console output is not captured. */
    static final class QuietStream extends OutputStream {
        private final OutputStream delegate;

        QuietStream(OutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            boolean was = ConsoleCapture.quiet(true);
            try {
                delegate.write(b);
            } finally {
                ConsoleCapture.quiet(was);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            boolean was = ConsoleCapture.quiet(true);
            try {
                delegate.write(b, off, len);
            } finally {
                ConsoleCapture.quiet(was);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            boolean was = ConsoleCapture.quiet(true);
            try {
                delegate.flush();
            } finally {
                ConsoleCapture.quiet(was);
            }
        }

        @Override
        public void close() throws java.io.IOException {
            delegate.close();
        }
    }
}
