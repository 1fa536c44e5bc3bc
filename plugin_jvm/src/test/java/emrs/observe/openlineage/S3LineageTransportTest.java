package emrs.observe.openlineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.lineage.LineageJob;
import emrs.observe.lineage.LineageWriter;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.openlineage.client.OpenLineageClientUtils;
import io.openlineage.client.OpenLineageConfig;
import io.openlineage.client.transports.CompositeTransport;
import io.openlineage.client.transports.Transport;
import io.openlineage.client.transports.TransportFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport with OpenLineage's own event model, serialiser and config binding (openlineage-java 1.53). */
class S3LineageTransportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenLineage OL = new OpenLineage(URI.create("https://github.com/OpenLineage/OpenLineage"));
    private static final LineageJob JOB = new LineageJob("app-7", "nightly", "00fapp", "00frun", "emr-spark-8.0.0",
            Collections.singletonMap("team", "data"));
    private static final long T0 = 1767225600000L; // 2026-01-01T00:00:00Z

    @TempDir
    Path dir;

    private S3LineageTransport transport(String location) {
        return new S3LineageTransport(location,
                () -> new LineageWriter(new Configuration(), location, JOB, 3, 1),
                new RunBuffer(16, 8, 1 << 20, 64), 16);
    }

    private static OpenLineage.RunEvent event(UUID run, EventType type, long timeMs, String jobType,
            boolean withOutput, boolean withColumnLineage) {
        OpenLineage.DatasetFacetsBuilder facets = OL.newDatasetFacetsBuilder()
                .schema(OL.newSchemaDatasetFacetBuilder().fields(Collections.singletonList(
                        OL.newSchemaDatasetFacetFieldsBuilder().name("revenue").type("double").build())).build());
        if (withColumnLineage) {
            facets.columnLineage(OL.newColumnLineageDatasetFacetBuilder().fields(
                    OL.newColumnLineageDatasetFacetFieldsBuilder().put("revenue",
                            OL.newColumnLineageDatasetFacetFieldsAdditionalBuilder().inputFields(Collections.singletonList(
                                    OL.newInputFieldBuilder().namespace("s3://lake").name("in/orders").field("amount")
                                            .build())).build()).build()).build());
        }
        List<OpenLineage.OutputDataset> outputs = withOutput
                ? Collections.singletonList(OL.newOutputDatasetBuilder().namespace("s3://lake").name("out/revenue")
                        .facets(facets.build()).build())
                : Collections.emptyList();
        return OL.newRunEventBuilder()
                .eventType(type)
                .eventTime(ZonedDateTime.ofInstant(Instant.ofEpochMilli(timeMs), ZoneOffset.UTC))
                .run(OL.newRun(run, null))
                .job(OL.newJobBuilder().namespace("default").name("nightly.execute_insert")
                        .facets(OL.newJobFacetsBuilder().jobType(
                                OL.newJobTypeJobFacet("BATCH", "SPARK", jobType, null)).build()).build())
                .inputs(Collections.singletonList(OL.newInputDatasetBuilder().namespace("s3://lake").name("in/orders")
                        .build()))
                .outputs(outputs)
                .build();
    }

    private List<Path> objects() throws Exception {
        if (!Files.exists(dir.resolve("ol"))) {
            return Collections.emptyList();
        }
        try (Stream<Path> s = Files.walk(dir.resolve("ol"))) {
            return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void anExecutionThatWroteDataBecomesOneObjectWithItsEventsAsOpenLineageWroteThem() throws Exception {
        S3LineageTransport t = transport(dir.toUri() + "ol/");
        UUID app = UUID.randomUUID();
        UUID run = UUID.randomUUID();
        t.emit(event(app, EventType.START, T0, "APPLICATION", false, false));
        t.emit(event(run, EventType.START, T0 + 1, "SQL_JOB", true, false));
        OpenLineage.RunEvent withLineage = event(run, EventType.RUNNING, T0 + 2, "SQL_JOB", true, true);
        t.emit(withLineage);
        t.emit(event(run, EventType.COMPLETE, T0 + 3_600_000, "SQL_JOB", true, false)); // lineage came earlier
        t.emit(event(app, EventType.COMPLETE, T0 + 3_600_001, "APPLICATION", false, false));
        t.close();

        List<Path> written = objects();
        assertEquals(1, written.size(), written.toString());
        assertEquals(dir.resolve("ol/dt=2026-01-01/hour=01/app-7/" + (T0 + 3_600_000) + "-" + run + ".json"),
                written.get(0));
        JsonNode doc = JSON.readTree(Files.readAllBytes(written.get(0)));
        assertEquals("emrs-observe.openlineage", doc.get("format").asText());
        assertEquals(1, doc.get("version").asInt());
        assertEquals(3, doc.get("events").size());
        assertEquals(JSON.readTree(OpenLineageClientUtils.toJson(withLineage)), doc.get("events").get(1));
        assertEquals("START", doc.at("/events/0/eventType").asText());
        assertEquals("COMPLETE", doc.at("/events/2/eventType").asText());
        assertTrue(doc.at("/events/1/outputs/0/facets/columnLineage/fields/revenue").isObject());
        assertEquals("{\"sparkAppId\":\"app-7\",\"sparkAppName\":\"nightly\",\"emrApplicationId\":\"00fapp\","
                + "\"emrJobRunId\":\"00frun\",\"releaseLabel\":\"emr-spark-8.0.0\",\"tags\":{\"team\":\"data\"}}",
                JSON.writeValueAsString(doc.get("job")));
        // Every event is OpenLineage's own JSON: its client reads it back.
        OpenLineage.RunEvent back = OpenLineageClientUtils.runEventFromJson(doc.at("/events/2").toString());
        assertEquals(run, back.getRun().getRunId());
        assertTrue(t.countersJson().contains("\"written\":1,"), t.countersJson());
    }

    @Test
    void runningEventsThatRepeatWhatALaterEventCarriesAreLeftOut() throws Exception {
        S3LineageTransport t = transport(dir.toUri() + "ol/");
        UUID run = UUID.randomUUID();
        t.emit(event(run, EventType.START, T0, "SQL_JOB", true, true));
        for (int i = 1; i <= 3; i++) { // as Spark's integration sends them: the same datasets and facets each time
            t.emit(event(run, EventType.RUNNING, T0 + i, "SQL_JOB", true, true));
        }
        OpenLineage.RunEvent complete = event(run, EventType.COMPLETE, T0 + 9, "SQL_JOB", true, true);
        t.emit(complete);
        t.close();
        JsonNode doc = JSON.readTree(Files.readAllBytes(objects().get(0)));
        assertEquals(2, doc.get("events").size(), doc.get("events").toString());
        assertEquals("START", doc.at("/events/0/eventType").asText());
        assertEquals(JSON.readTree(OpenLineageClientUtils.toJson(complete)), doc.get("events").get(1));
        assertTrue(t.countersJson().contains("\"supersededEvents\":3,"), t.countersJson());
    }

    @Test
    void readsAndApplicationRunsWriteNothing() throws Exception {
        S3LineageTransport t = transport(dir.toUri() + "ol/");
        UUID read = UUID.randomUUID();
        t.emit(event(read, EventType.START, T0, "SQL_JOB", false, false));
        t.emit(event(read, EventType.COMPLETE, T0 + 1, "SQL_JOB", false, false));
        UUID app = UUID.randomUUID();
        t.emit(event(app, EventType.COMPLETE, T0 + 2, "APPLICATION", true, false));
        t.close();
        assertEquals(Collections.emptyList(), objects());
        assertTrue(t.countersJson().contains("\"skippedNoOutputs\":1,"), t.countersJson());
    }

    @Test
    void closeWritesTheExecutionsStillRunningThatWroteData() throws Exception {
        S3LineageTransport t = transport(dir.toUri() + "ol/");
        UUID run = UUID.randomUUID();
        t.emit(event(run, EventType.START, T0, "SQL_JOB", true, true));
        assertEquals(Collections.emptyList(), objects());
        t.close();
        assertEquals(1, objects().size());
        t.emit(event(run, EventType.COMPLETE, T0 + 1, "SQL_JOB", true, true)); // after close: ignored
        assertEquals(1, objects().size());
    }

    @Test
    void aBucketThatFailsIsRetriedCountedAndNeverThrows() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.write(blocker, new byte[] {1});
        S3LineageTransport t = transport(blocker.toUri() + "/");
        UUID run = UUID.randomUUID();
        t.emit(event(run, EventType.START, T0, "SQL_JOB", true, true));
        t.emit(event(run, EventType.COMPLETE, T0 + 1, "SQL_JOB", true, true));
        t.close();
        assertTrue(t.countersJson().startsWith("{\"written\":0,\"retried\":2,\"failed\":1,"), t.countersJson());
    }

    @Test
    void theListenerThreadNeverWaitsForS3() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        String location = dir.toUri() + "ol/";
        S3LineageTransport t = new S3LineageTransport(location, () -> {
            try {
                release.await(10, TimeUnit.SECONDS); // S3 hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new LineageWriter(new Configuration(), location, JOB, 1, 1);
        }, new RunBuffer(16, 8, 1 << 20, 64), 1);
        long started = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            t.emit(event(UUID.randomUUID(), EventType.COMPLETE, T0 + i, "SQL_JOB", true, false));
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5));
        // one upload in progress, one queued, the other two dropped and counted
        assertTrue(t.countersJson().contains("\"dropped\":2,"), t.countersJson());
        release.countDown();
        t.close();
        assertEquals(2, objects().size());
        // and in the writer's counters, which the plugin's metrics send as emrs.plugin.lineage.dropped
        assertTrue(t.countersJson().contains("\"rejected\":2,"), t.countersJson());
    }

    @Test
    void aTransportWithoutALocationWarnsAndWritesNothingInsteadOfFailingOpenLineage() {
        Transport t = S3LineageTransport.create(new S3LineageTransportConfig(" "));
        assertInstanceOf(S3LineageTransport.Disabled.class, t);
        t.emit(event(UUID.randomUUID(), EventType.COMPLETE, T0, "SQL_JOB", true, true));
        assertInstanceOf(S3LineageTransport.Disabled.class, S3LineageTransport.create(new S3LineageTransportConfig("bucket/x")));
        assertTrue(S3LineageTransport.checkLocation("bucket/x").contains("has no scheme"));
        assertNull(S3LineageTransport.checkLocation("s3://bucket/lineage/"));
    }

    private static Transport fromConfig(String json) {
        OpenLineageConfig<?> config = OpenLineageClientUtils.loadOpenLineageConfigYaml(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                new TypeReference<OpenLineageConfig<?>>() {});
        return new TransportFactory(config.getTransportConfig()).build();
    }

    @Test
    void openLineageFindsTheTransportByItsTypeThroughTheServiceFile() {
        // OpenLineage's own config binding and TransportResolver (ServiceLoader) pick it up.
        Transport t = fromConfig("{\"transport\": {\"type\": \"emrs\", \"location\": \"s3://lineage/ol/\"}}");
        assertInstanceOf(S3LineageTransport.class, t);
    }

    @Test
    void aCompositeTransportHoldsItBesideAnotherOne() {
        // As rendered for EMR's releases with AWS Glue's listener: Glue's feed and ours, each by name.
        Transport t = fromConfig("{\"transport\": {\"type\": \"composite\", \"transports\": {"
                + "\"emrs\": {\"type\": \"emrs\", \"location\": \"s3://lineage/ol/\"},"
                + "\"console\": {\"type\": \"console\"}}}}");
        CompositeTransport composite = assertInstanceOf(CompositeTransport.class, t);
        assertEquals(2, composite.getTransports().size());
        assertNotNull(composite.getTransports().stream().filter(x -> x instanceof S3LineageTransport).findFirst()
                .orElse(null));
    }
}
