package emrs.observe.runtime;

import emrs.observe.datadog.EventContext;
import emrs.observe.datadog.LogShipper;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ships what this JVM writes to stdout and stderr as events (logger.name "stdout" / "stderr"),
 * while the console shows exactly what it showed before.
 *
 * <p>Why in place: Spark takes {@code System.out} before any plugin exists (PythonRunner copies
 * the Python driver's output to the stream it read at start-up; executors copy Python workers'
 * output to {@code System.err}), so {@code System.setOut} would not see it. Instead the stream
 * inside the existing {@link PrintStream} objects is replaced by a tee: every holder of those
 * objects, earlier or later, goes through it. That needs java.io opened to reflection, which
 * Spark's launcher does on Java 17 (--add-opens=java.base/java.io=ALL-UNNAMED); where it is not,
 * {@code System.setOut/setErr} is the fallback and a warning says what is missed.
 *
 * <p>Never twice, never a loop: log4j's console appenders write "quietly" (see the log4j
 * package), as do the plugin's own warnings and the shipper's threads, so those bytes reach the
 * console only.
 */
public final class ConsoleCapture {
    private static final ThreadLocal<boolean[]> QUIET = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final int MAX_LINE_BYTES = 64 * 1024;
    private static final long TRACEBACK_IDLE_MS = 500;
    /** Events made from console lines, for the logs.consoleEvents metric. */
    public static final AtomicLong EVENTS = new AtomicLong();

    private static Tee out;
    private static Tee err;
    private static Thread ticker;
    private static volatile String unsafe;

    private ConsoleCapture() {
    }

    /**
     * Sets whether this thread's console writes are kept out of the capture; returns the previous
     * value so callers can nest.
     */
    public static boolean quiet(boolean quiet) {
        boolean[] flag = QUIET.get();
        boolean was = flag[0];
        flag[0] = quiet;
        return was;
    }

    /**
     * log4j's console lines could not be marked: capturing would ship each of them twice, so the
     * capture stops (and is not started later).
     */
    public static synchronized void cannotTellApart(String why) {
        unsafe = why;
        if (out != null) {
            stop();
            warnUnsafe();
        }
    }

    private static void warnUnsafe() {
        Warnings.once("console-capture", "stdout/stderr lines are not shipped: " + unsafe
                + " (log4j console lines could not be told apart from other output)");
    }

    /** Starts capturing both streams; idempotent. */
    public static synchronized void start() {
        if (unsafe != null) {
            warnUnsafe();
            return;
        }
        if (out != null) {
            return;
        }
        out = install("stdout", System.out);
        err = install("stderr", System.err);
        Thread t = new Thread(ConsoleCapture::tick, "emrs-observe-console");
        t.setDaemon(true);
        t.start();
        ticker = t;
    }

    /** Ships what is pending (a traceback, a line without newline) and stops capturing. */
    public static synchronized void stop() {
        if (ticker != null) {
            ticker.interrupt();
            ticker = null;
        }
        for (Tee tee : new Tee[] {out, err}) {
            if (tee != null) {
                tee.detach();
            }
        }
        out = null;
        err = null;
    }

    private static Tee install(String stream, PrintStream ps) {
        Field inner = innerField();
        if (inner != null) {
            try {
                synchronized (ps) {
                    OutputStream current = (OutputStream) inner.get(ps);
                    Tee tee = new Tee(stream, current, ps, inner);
                    inner.set(ps, tee);
                    return tee;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // fall through to the replacement stream
            }
        }
        Warnings.once("console-reflection", "java.io is not open to reflection (add "
                + "--add-opens=java.base/java.io=ALL-UNNAMED): " + stream + " is captured only where it is looked up "
                + "after the plugin started; the Python driver's output (PythonRunner) is not shipped");
        Tee tee = new Tee(stream, ps, null, null);
        PrintStream replacement = new PrintStream(tee, true);
        if ("stdout".equals(stream)) {
            System.setOut(replacement);
        } else {
            System.setErr(replacement);
        }
        return tee;
    }

    private static Field innerField() {
        try {
            Field f = FilterOutputStream.class.getDeclaredField("out");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // java.lang.reflect.InaccessibleObjectException on a JVM that keeps java.io closed
        }
    }

    private static void tick() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(TRACEBACK_IDLE_MS / 2);
            } catch (InterruptedException e) {
                return;
            }
            Tee o;
            Tee e;
            synchronized (ConsoleCapture.class) {
                o = out;
                e = err;
            }
            if (o != null) {
                o.flushIdle();
            }
            if (e != null) {
                e.flushIdle();
            }
        }
    }

    /** Offers one console event to this JVM's pipeline. */
    static void ship(String stream, long time, String status, String thread, String message, PythonTraceback error) {
        LogPipeline p = LogPipeline.current();
        if (p == null || p.ignores(Thread.currentThread())) {
            return;
        }
        EVENTS.incrementAndGet();
        p.offer(time, status, stream, thread, message, error, (Map<String, String>) null, EventContext.MAP);
    }

    /** Writes through to the console first, then hands the bytes to the line assembler. */
    static final class Tee extends OutputStream {
        private final String stream;
        private final OutputStream console;
        private final PrintStream owner;
        private final Field inner;
        private final ConsoleLines lines;
        /** Events finished under the lock, shipped after it is released (guarded by {@code lines}). */
        private final List<Ready> ready = new ArrayList<>();
        private volatile boolean active = true;

        Tee(String stream, OutputStream console, PrintStream owner, Field inner) {
            this.stream = stream;
            this.console = console;
            this.owner = owner;
            this.inner = inner;
            this.lines = new ConsoleLines((time, status, thread, message, error) -> ready.add(
                    new Ready(time, status, thread, message, error)), MAX_LINE_BYTES);
        }

        @Override
        public void write(int b) throws IOException {
            console.write(b);
            if (captures()) {
                see(new byte[] {(byte) b}, 0, 1);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            console.write(b, off, len);
            if (captures()) {
                see(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            console.flush();
        }

        @Override
        public void close() throws IOException {
            console.close();
        }

        private boolean captures() {
            return active && !QUIET.get()[0] && !LogShipper.isShipperThread(Thread.currentThread());
        }

        private void see(byte[] b, int off, int len) {
            boolean was = quiet(true); // whatever shipping prints must not come back here
            try {
                List<Ready> done;
                synchronized (lines) {
                    lines.write(b, off, len, System.currentTimeMillis(), Thread.currentThread().getName());
                    done = drain();
                }
                shipAll(done);
            } catch (RuntimeException | LinkageError e) {
                // The console already has the bytes; a capture problem must never break the job's output.
            } finally {
                quiet(was);
            }
        }

        void flushIdle() {
            List<Ready> done;
            synchronized (lines) {
                lines.flushIdle(System.currentTimeMillis(), TRACEBACK_IDLE_MS);
                done = drain();
            }
            shipAll(done);
        }

        /**
         * Shipping happens outside the lock: it may print a warning (buffer full), and a writer
         * holding the PrintStream's lock may be waiting for ours.
         */
        private List<Ready> drain() {
            if (ready.isEmpty()) {
                return Collections.emptyList();
            }
            List<Ready> done = new ArrayList<>(ready);
            ready.clear();
            return done;
        }

        private void shipAll(List<Ready> done) {
            for (Ready r : done) {
                ship(stream, r.time, r.status, r.thread, r.message, r.error);
            }
        }

        /** Ships what is pending and puts the original stream back where we replaced it. */
        void detach() {
            active = false;
            List<Ready> done;
            synchronized (lines) {
                lines.flushAll(System.currentTimeMillis(), Thread.currentThread().getName());
                done = drain();
            }
            shipAll(done);
            if (owner != null) {
                try {
                    synchronized (owner) {
                        if (inner.get(owner) == this) {
                            inner.set(owner, console);
                        }
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // stays a pass-through tee: active=false ships nothing more
                }
            }
        }
    }

    /** A finished line or traceback waiting to be shipped. */
    private static final class Ready {
        final long time;
        final String status;
        final String thread;
        final String message;
        final PythonTraceback error;

        Ready(long time, String status, String thread, String message, PythonTraceback error) {
            this.time = time;
            this.status = status;
            this.thread = thread;
            this.message = message;
            this.error = error;
        }
    }
}
