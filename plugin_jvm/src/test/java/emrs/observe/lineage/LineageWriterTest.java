package emrs.observe.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LineageJob JOB = new LineageJob("app-1", "nightly", "00fapp", "00frun", "emr-7.1.0",
            Collections.singletonMap("team", "data"));
    private static final String PLAN = "{\"id\":\"p-1\",\"operations\":{\"write\":{\"outputSource\":\"s3://b/o\"}}}";
    private static final String EVENT = "{\"planId\":\"p-1\",\"timestamp\":1767225600123}";

    @TempDir
    Path dir;

    @Test
    void keyLayoutUsesTheEventTimeInUtc() {
        // 2026-01-01T23:59:59Z, and one second later the next day.
        assertEquals("lineage/dt=2026-01-01/hour=23/app-1/1767311999000-p-1.json",
                LineageKey.of("lineage/", 1767311999000L, "app-1", "p-1"));
        assertEquals("lineage/dt=2026-01-02/hour=00/app-1/1767312000000-p-1.json",
                LineageKey.of("lineage", 1767312000000L, "app-1", "p-1"));
        assertThrows(IllegalArgumentException.class, () -> LineageKey.of("x", 1, "app/1", "p"));
    }

    @Test
    void writesOneObjectWithPlanEventAndJob() throws Exception {
        LineageWriter w = new LineageWriter(new Configuration(), dir.toUri() + "spline/", JOB, 3, 1);
        String written = w.write(PLAN, EVENT);
        Path file = dir.resolve("spline/dt=2026-01-01/hour=00/app-1/1767225600123-p-1.json");
        assertEquals(file.toUri().toString().replace("file:///", "file:/"), written.replace("file:///", "file:/"));
        JsonNode doc = JSON.readTree(Files.readAllBytes(file));
        assertEquals("emrs-observe.lineage", doc.get("format").asText());
        assertEquals(1, doc.get("version").asInt());
        assertEquals(JSON.readTree(PLAN), doc.get("executionPlan"));
        assertEquals(JSON.readTree(EVENT), doc.get("executionEvent"));
        assertEquals("00fapp", doc.at("/job/emrApplicationId").asText());
        assertEquals("data", doc.at("/job/tags/team").asText());
        assertEquals(1, w.written.get());
        try (java.util.stream.Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(1, s.count()); // no temporary file left behind
        }
    }

    @Test
    void badDocumentsAreRefusedWithTheReason() {
        LineageWriter w = new LineageWriter(new Configuration(), dir.toUri().toString(), JOB, 3, 1);
        assertNull(w.write("{not json", EVENT));
        assertNull(w.write(PLAN, "{\"planId\":\"other\",\"timestamp\":1}"));
        assertNull(w.write(PLAN, "{\"planId\":\"p-1\"}"));
        assertEquals(3, w.rejected.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LineageDocument.parse(PLAN, "{\"planId\":\"p-2\",\"timestamp\":5}"));
        assertTrue(e.getMessage().contains("planId 'p-2' does not match the plan id 'p-1'"), e.getMessage());
    }

    @Test
    void failedWritesAreRetriedThenCounted() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.write(blocker, new byte[] {1});
        LineageWriter w = new LineageWriter(new Configuration(), blocker.toUri() + "/", JOB, 3, 1);
        assertNull(w.write(PLAN, EVENT));
        assertEquals(2, w.retried.get());
        assertEquals(1, w.failed.get());
    }

    @Test
    void locationWithoutSchemeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LineageWriter(new Configuration(), "bucket/prefix", JOB, 1, 1));
        assertTrue(e.getMessage().contains("has no scheme"), e.getMessage());
    }
}
