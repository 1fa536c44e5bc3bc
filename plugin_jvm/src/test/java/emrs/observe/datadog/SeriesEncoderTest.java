package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.metrics.MetricKind;
import emrs.observe.metrics.Point;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class SeriesEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COMMON = Arrays.asList("service:nightly", "spark_app_id:app-1", "team:d\"a\\ta");

    @Test
    void eachPointIsOneSeriesWithItsTypeIntervalUnitAndTheCommonTagsFirst() throws Exception {
        List<Point> points = Arrays.asList(
                new Point("spark.job.num_completed_tasks", MetricKind.RATE, "task", new String[] {"status:running"}, 2.5,
                        15),
                new Point("emrs.plugin.logs.sent", MetricKind.COUNT, "event", new String[] {"executor_id:driver"}, 1200,
                        15),
                new Point("spark.executor.count", MetricKind.GAUGE, null, new String[0], 3, 15));
        List<SeriesPayload> out = new SeriesEncoder().encode(points, 1_767_225_600L, COMMON, n -> {
            throw new AssertionError("nothing is too large here");
        });
        assertEquals(1, out.size());
        assertEquals(3, out.get(0).points());
        JsonNode series = JSON.readTree(out.get(0).json()).get("series");
        assertEquals(3, series.size());
        JsonNode rate = series.get(0);
        assertEquals("spark.job.num_completed_tasks", rate.get("metric").asText());
        assertEquals(2, rate.get("type").asInt());
        assertEquals(15, rate.get("interval").asInt());
        assertEquals("task", rate.get("unit").asText());
        assertEquals(1_767_225_600L, rate.at("/points/0/timestamp").asLong());
        assertEquals(2.5, rate.at("/points/0/value").asDouble());
        assertEquals(Arrays.asList("service:nightly", "spark_app_id:app-1", "team:d\"a\\ta", "status:running"),
                JSON.convertValue(rate.get("tags"), List.class));
        JsonNode count = series.get(1);
        assertEquals(1, count.get("type").asInt());
        assertTrue(count.at("/points/0/value").isIntegralNumber()); // whole numbers as such
        JsonNode gauge = series.get(2);
        assertEquals(3, gauge.get("type").asInt());
        assertFalse(gauge.has("interval"));
        assertFalse(gauge.has("unit"));
        assertEquals(3, gauge.get("tags").size());
    }

    @Test
    void manySeriesAreSplitIntoBodiesUnderTheLimitAndNoneIsLostOrRepeated() throws Exception {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            points.add(new Point("emrs.spark.source.metric_" + i, MetricKind.GAUGE, "byte",
                    new String[] {"executor_id:" + (i % 50)}, i * 1.25, 0));
        }
        List<SeriesPayload> out = new SeriesEncoder().encode(points, 1L, COMMON, n -> {
            throw new AssertionError();
        });
        assertTrue(out.size() > 1, "20,000 series need more than one body");
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (SeriesPayload p : out) {
            assertTrue(p.bytes() <= SeriesEncoder.MAX_BYTES, p.bytes() + " bytes");
            // Datadog's limits on what it receives: 512,000 bytes compressed, 5,242,880 decompressed.
            assertTrue(gzip(p.json()).length < 512_000);
            assertTrue(p.bytes() < 5_242_880);
            JsonNode series = JSON.readTree(p.json()).get("series");
            assertEquals(p.points(), series.size());
            for (JsonNode s : series) {
                assertTrue(seen.add(s.get("metric").asText()));
            }
            total += p.points();
        }
        assertEquals(20_000, total);
    }

    @Test
    void incompressibleBodiesStillFitDatadogsCompressedLimit() throws Exception {
        // Random tag values defeat compression: the bound must hold without counting on it.
        java.util.Random random = new java.util.Random(3);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            byte[] b = new byte[150];
            random.nextBytes(b);
            String noise = java.util.Base64.getEncoder().encodeToString(b);
            points.add(new Point("m" + i, MetricKind.GAUGE, null, new String[] {"x:" + noise}, random.nextDouble(), 0));
        }
        for (SeriesPayload p : new SeriesEncoder().encode(points, 1L, COMMON, n -> {
        })) {
            assertTrue(gzip(p.json()).length < 512_000);
        }
    }

    @Test
    void aSeriesLargerThanABodyIsLeftOutAndReported() {
        char[] big = new char[2_000];
        Arrays.fill(big, 'v');
        List<Point> points = Arrays.asList(
                new Point("ok", MetricKind.GAUGE, null, new String[0], 1, 0),
                new Point("huge", MetricKind.GAUGE, null, new String[] {"t:" + new String(big)}, 1, 0),
                new Point("ok2", MetricKind.GAUGE, null, new String[0], 2, 0));
        AtomicInteger tooLarge = new AtomicInteger();
        List<SeriesPayload> out = new SeriesEncoder(1_000).encode(points, 1L, COMMON, tooLarge::addAndGet);
        assertEquals(1, tooLarge.get());
        assertEquals(2, out.stream().mapToInt(SeriesPayload::points).sum());
    }

    @Test
    void valuesAreValidJsonNumbers() throws Exception {
        for (double v : new double[] {0, -0.0, 1e20, 1.5e-7, -3, 9.007199254740993E15, Long.MAX_VALUE}) {
            List<SeriesPayload> out = new SeriesEncoder().encode(
                    Arrays.asList(new Point("m", MetricKind.GAUGE, null, new String[0], v, 0)), 1L, COMMON, n -> {
                    });
            assertEquals(v, JSON.readTree(out.get(0).json()).at("/series/0/points/0/value").asDouble(), Math.abs(v) * 1e-15);
        }
    }

    private static byte[] gzip(byte[] body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.toByteArray();
    }
}
