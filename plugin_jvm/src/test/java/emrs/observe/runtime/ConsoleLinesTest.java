package emrs.observe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleLinesTest {
    private static final class Event {
        final String status;
        final String message;
        final PythonTraceback error;

        Event(String status, String message, PythonTraceback error) {
            this.status = status;
            this.message = message;
            this.error = error;
        }
    }

    private final List<Event> events = new ArrayList<>();
    private final ConsoleLines lines = new ConsoleLines((t, status, thread, message, error) -> events.add(
            new Event(status, message, error)), 1024);

    private void write(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        lines.write(b, 0, b.length, 0, "main");
    }

    @Test
    void eachLineIsOneEventWhateverTheWriteBoundaries() {
        byte[] b = "héllo wörld\nsecond\r\nthird".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            lines.write(b, i, 1, 0, "main"); // one byte at a time: UTF-8 characters cut in two
        }
        assertEquals(2, events.size());
        assertEquals("héllo wörld", events.get(0).message);
        assertEquals("second", events.get(1).message);
        lines.flushAll(0, "main");
        assertEquals("third", events.get(2).message);
    }

    @Test
    void pythonLoggingLevelsBecomeStatus() {
        write("WARNING:root:careful\nERROR:job:bad\nplain print\n\n");
        assertEquals("warn", events.get(0).status);
        assertEquals("error", events.get(1).status);
        assertEquals("info", events.get(2).status);
        assertEquals(3, events.size(), "an empty line is not an event");
    }

    @Test
    void aChainedTracebackIsOneEventEndedByTheNextLine() {
        String tb = "Traceback (most recent call last):\n"
                + "  File \"job.py\", line 3, in lookup\n"
                + "    return {}[\"missing\"]\n"
                + "KeyError: 'missing'\n"
                + "\n"
                + "The above exception was the direct cause of the following exception:\n"
                + "\n"
                + "Traceback (most recent call last):\n"
                + "  File \"job.py\", line 9, in <module>\n"
                + "    raise ValueError(\"py-boom\") from e\n"
                + "ValueError: py-boom\n";
        write("before\n" + tb + "after\n");
        assertEquals(3, events.size());
        Event e = events.get(1);
        assertEquals("error", e.status);
        assertEquals("ValueError: py-boom", e.message);
        assertEquals("ValueError", e.error.kind());
        assertEquals("py-boom", e.error.getMessage());
        assertEquals(tb, e.error.text());
        assertEquals("after", events.get(2).message);
    }

    @Test
    void aTracebackAtTheEndIsShippedWhenIdleOrAtShutdown() {
        write("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nKeyboardInterrupt\n");
        assertTrue(events.isEmpty(), "held: more of it may follow");
        lines.flushIdle(100, 500);
        assertTrue(events.isEmpty());
        lines.flushIdle(600, 500);
        assertEquals(1, events.size());
        assertEquals("KeyboardInterrupt", events.get(0).error.kind());
        assertNull(events.get(0).error.getMessage());
    }

    @Test
    void py4jJavaTraceStaysWithItsException() {
        write("Traceback (most recent call last):\n"
                + "  File \"job.py\", line 2, in <module>\n"
                + "py4j.protocol.Py4JJavaError: An error occurred while calling o42.collect.\n"
                + ": org.apache.spark.SparkException: Job aborted\n"
                + "\tat org.apache.spark.Foo.bar(Foo.scala:1)\n"
                + "Caused by: java.io.IOException: disk\n"
                + "\t... 3 more\n"
                + "\n"
                + "next line\n");
        lines.flushAll(0, "main");
        assertEquals(2, events.size());
        assertEquals("py4j.protocol.Py4JJavaError", events.get(0).error.kind());
        assertTrue(events.get(0).error.text().contains("Caused by: java.io.IOException: disk"));
        assertEquals("next line", events.get(1).message);
    }

    @Test
    void anOverlongLineIsCutNotHeldForever() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append('x');
        }
        write(sb.toString());
        assertEquals(1, events.size(), "a line past the limit is shipped without waiting for its newline");
        assertTrue(events.get(0).message.length() >= 1024);
    }
}
