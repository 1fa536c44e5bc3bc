package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchAssemblerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventEncoder encoder = new EventEncoder("spark", "svc", "h", "t:1");

    private List<Batch> drain(EventBuffer buffer) {
        BatchAssembler assembler = new BatchAssembler();
        List<Batch> out = new ArrayList<>();
        Batch b;
        while ((b = assembler.next(buffer)) != null) {
            out.add(new Batch(java.util.Arrays.copyOf(b.json, b.length), b.length, b.events)); // b is reused
        }
        return out;
    }

    @Test
    void atMostAThousandEventsPerBatch() throws Exception {
        EventBuffer buffer = new EventBuffer(64L << 20);
        for (int i = 0; i < 2500; i++) {
            assertTrue(buffer.offer(encoder.encode(i, "info", "l", "t", "line " + i, null, null)));
        }
        List<Batch> batches = drain(buffer);
        assertEquals(3, batches.size());
        assertEquals(1000, batches.get(0).events);
        assertEquals(1000, batches.get(1).events);
        assertEquals(500, batches.get(2).events);
        JsonNode first = JSON.readTree(batches.get(0).json);
        assertEquals(1000, first.size());
        assertEquals("line 0", first.get(0).get("message").asText());
        assertEquals("line 2499", JSON.readTree(batches.get(2).json).get(499).get("message").asText());
        assertEquals(0, buffer.size());
        assertEquals(0, buffer.bytes());
    }

    @Test
    void atMostFiveMegabytesPerBatch() throws Exception {
        EventBuffer buffer = new EventBuffer(64L << 20);
        char[] text = new char[900_000];
        java.util.Arrays.fill(text, 'x');
        for (int i = 0; i < 12; i++) {
            buffer.offer(encoder.encode(i, "info", "l", "t", new String(text), null, null));
        }
        List<Batch> batches = drain(buffer);
        int events = 0;
        for (Batch b : batches) {
            assertTrue(b.length <= BatchAssembler.MAX_BYTES, "batch of " + b.length + " bytes");
            assertEquals(b.events, JSON.readTree(b.json).size());
            events += b.events;
        }
        assertEquals(12, events);
        assertEquals(5, batches.get(0).events); // 5 x ~900 kB fit, a sixth would not
    }

    @Test
    void emptyBufferGivesNoBatch() {
        assertNull(new BatchAssembler().next(new EventBuffer(1 << 20)));
    }
}
