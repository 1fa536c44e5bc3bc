package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventEncoder encoder = new EventEncoder("spark", "svc", "host-1", "executor_id:3,team:data");

    @Test
    void encodesTheReservedAttributes() throws Exception {
        byte[] bytes = encoder.encode(1700000000123L, "warn", "org.x.Y", "main", "tab\tquote\" nl\n ctl\u0001 é 😀",
                null, Collections.singletonMap("mdc.taskName", "task 1.0"));
        JsonNode e = JSON.readTree(bytes);
        assertEquals(1700000000123L, e.get("timestamp").asLong());
        assertEquals("warn", e.get("status").asText());
        assertEquals("tab\tquote\" nl\n ctl\u0001 é 😀", e.get("message").asText());
        assertEquals("org.x.Y", e.at("/logger/name").asText());
        assertEquals("main", e.at("/logger/thread_name").asText());
        assertEquals("task 1.0", e.at("/mdc/mdc.taskName").asText());
        assertEquals("spark", e.get("ddsource").asText());
        assertEquals("svc", e.get("service").asText());
        assertEquals("host-1", e.get("hostname").asText());
        assertEquals("executor_id:3,team:data", e.get("ddtags").asText());
        assertFalse(e.has("truncated"));
    }

    @Test
    void namesAndTextsComeOutRightWhenTheyChangeFromEventToEvent() throws Exception {
        // Logger and thread names are remembered per thread, and text is copied before escaping:
        // alternate the names, pass a reused StringBuilder, put a surrogate pair across the
        // 1024-char chunk edge and go past the kept scratch size.
        StringBuilder text = new StringBuilder();
        String[] loggers = {"org.a.A", "org.b.\"B\"", "org.a.A"};
        String[] threads = {"t-1", "t-2", "t-2"};
        int[] lengths = {1023, 70_000, 5};
        for (int i = 0; i < 3; i++) {
            text.setLength(0);
            for (int j = 0; j < lengths[i]; j++) {
                text.append((char) ('a' + j % 26));
            }
            text.append("😀\u00e9\"").append(i);
            JsonNode e = JSON.readTree(encoder.encode(i, "info", loggers[i], threads[i], text, null, null));
            assertEquals(text.toString(), e.get("message").asText(), "event " + i);
            assertEquals(loggers[i], e.at("/logger/name").asText(), "event " + i);
            assertEquals(threads[i], e.at("/logger/thread_name").asText(), "event " + i);
        }
    }

    @Test
    void exceptionKeepsItsStackTraceAndCause() throws Exception {
        Exception ex = new IllegalStateException("outer", new java.io.IOException("inner"));
        JsonNode e = JSON.readTree(encoder.encode(1, "error", "l", "t", "failed", ex, null));
        assertEquals("java.lang.IllegalStateException", e.at("/error/kind").asText());
        assertEquals("outer", e.at("/error/message").asText());
        String stack = e.at("/error/stack").asText();
        assertTrue(stack.contains("EventEncoderTest.exceptionKeepsItsStackTraceAndCause"), stack);
        assertTrue(stack.contains("Caused by: java.io.IOException: inner"), stack);
    }

    @Test
    void oversizedEventIsCutToTheLimitAndMarked() throws Exception {
        StringBuilder big = new StringBuilder();
        while (big.length() < 2_000_000) {
            big.append("é日志 line ");
        }
        byte[] bytes = encoder.encode(1, "info", "l", "t", big, new RuntimeException("x"), null);
        assertTrue(bytes.length <= EventEncoder.MAX_EVENT_BYTES, "event is " + bytes.length + " bytes");
        assertTrue(bytes.length > EventEncoder.MAX_EVENT_BYTES * 0.9, "cut too much: " + bytes.length);
        assertTrue(encoder.lastWasTruncated());
        JsonNode e = JSON.readTree(bytes); // still valid JSON and valid UTF-8
        assertTrue(e.get("truncated").asBoolean());
        assertTrue(e.get("message").asText().endsWith("…[truncated]"));
        assertTrue(e.get("message").asText().startsWith("é日志 line é日志"));
        assertEquals("java.lang.RuntimeException", e.at("/error/kind").asText());
        assertEquals("svc", e.get("service").asText());
    }

    @Test
    void normalEventAfterAHugeOneIsNotMarked() throws Exception {
        char[] huge = new char[1_500_000];
        java.util.Arrays.fill(huge, 'a');
        encoder.encode(1, "info", "l", "t", new String(huge), null, null);
        assertTrue(encoder.lastWasTruncated());
        JsonNode e = JSON.readTree(encoder.encode(2, "info", "l", "t", "small", null, null));
        assertFalse(encoder.lastWasTruncated());
        assertEquals("small", e.get("message").asText());
    }

    @Test
    void everyContextEntryIsKeptAndCappedWhenTheEventIsCut() throws Exception {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("mdc.taskName", "task 1.0 in stage 2.0 (TID 7)");
        context.put("quote\"key", "line\nbreak");
        context.put("empty", null);
        JsonNode e = JSON.readTree(encoder.encode(1, "info", "l", "t", "m", null, context));
        assertEquals(3, e.get("mdc").size());
        assertEquals("task 1.0 in stage 2.0 (TID 7)", e.at("/mdc/mdc.taskName").asText());
        assertEquals("line\nbreak", e.get("mdc").get("quote\"key").asText());
        assertEquals("", e.at("/mdc/empty").asText());

        char[] longValue = new char[600_000];
        Arrays.fill(longValue, 'v');
        context.put("big", new String(longValue));
        byte[] cut = encoder.encode(2, "info", "l", "t", new String(longValue), null, context);
        assertTrue(encoder.lastWasTruncated());
        assertTrue(cut.length <= EventEncoder.MAX_EVENT_BYTES, "event is " + cut.length + " bytes");
        JsonNode c = JSON.readTree(cut);
        assertEquals(4, c.get("mdc").size());
        assertTrue(c.at("/mdc/big").asText().length() <= 1024, "a context value is capped in a cut event");
        assertEquals("task 1.0 in stage 2.0 (TID 7)", c.at("/mdc/mdc.taskName").asText());
    }
    @Test
    void eachEventCarriesItsOwnContextWhenConsecutiveEventsShareOrChangeIt() throws Exception {
        String task = "task 1.0 in stage 2.0 (TID 7)";
        Map<String, String> first = Collections.singletonMap("mdc.taskName", task);
        Map<String, String> same = new LinkedHashMap<>(first);
        Map<String, String> changed = Collections.singletonMap("mdc.taskName", new String("task 2.0 in stage 2.0 (TID 8)"));
        Map<String, String> more = new LinkedHashMap<>(changed);
        more.put("user", "ana");
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("gone", null);
        withNull.put("user", "ana");
        Map<String, String> sameSizeOtherKey = new LinkedHashMap<>();
        sameSizeOtherKey.put("other", "v");
        sameSizeOtherKey.put("user", "ana");
        java.util.List<Map<String, String>> contexts = Arrays.asList(first, first, same, changed, more, more, withNull,
                sameSizeOtherKey, sameSizeOtherKey, Collections.emptyMap(), first);
        for (Map<String, String> context : contexts) {
            EventEncoder.Sink check = (event, length) -> {
                try {
                    byte[] whole = Arrays.copyOf(event, length + encoder.constantFields().length);
                    System.arraycopy(encoder.constantFields(), 0, whole, length, encoder.constantFields().length);
                    JsonNode mdc = JSON.readTree(whole).get("mdc");
                    Map<String, String> got = new LinkedHashMap<>();
                    if (mdc != null) {
                        mdc.fields().forEachRemaining(f -> got.put(f.getKey(), f.getValue().asText()));
                    }
                    Map<String, String> expected = new LinkedHashMap<>();
                    context.forEach((k, v) -> expected.put(k, v == null ? "" : v));
                    assertEquals(expected, got);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            };
            encoder.encode(1, "info", "l", "t", "m", null, context, EventContext.MAP, check);
        }
    }
}
