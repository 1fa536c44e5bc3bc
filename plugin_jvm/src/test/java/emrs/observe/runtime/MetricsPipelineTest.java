package emrs.observe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.datadog.Batch;
import emrs.observe.datadog.IntakeSender;
import emrs.observe.datadog.MetricsCounters;
import emrs.observe.datadog.RetryPolicy;
import emrs.observe.metrics.Collector;
import emrs.observe.metrics.Figures;
import emrs.observe.vault.Secret;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JobMetadata META = new JobMetadata("app-7", "nightly etl", "00fapp", "00frun", "emr-7.1.0",
            "driver", "host", Collections.singletonMap("team", "data"));

    /** Accepts everything; keeps the bodies as JSON. */
    static final class Intake implements IntakeSender {
        final List<JsonNode> bodies = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Result send(Batch batch, ApiKeyHolder key) {
            try {
                bodies.add(JSON.readTree(Arrays.copyOf(batch.json, batch.length)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return new Result(202, 0, "");
        }

        List<JsonNode> series(String metric) {
            List<JsonNode> out = new ArrayList<>();
            synchronized (bodies) {
                for (JsonNode b : bodies) {
                    for (JsonNode s : b.get("series")) {
                        if (s.get("metric").asText().equals(metric)) {
                            out.add(s);
                        }
                    }
                }
            }
            return out;
        }
    }

    private static MetricsPipeline pipeline(Intake intake, long intervalMs, Collector... collectors) {
        return new MetricsPipeline(Arrays.asList(collectors), intake, new ApiKeyHolder(new Secret("k"), null, 0),
                new RetryPolicy(3, 1, 10), intervalMs, "nightly etl", META);
    }

    @Test
    void everyIntervalIsSentAndTheLastOneAtShutdownEvenWhenShorter() throws Exception {
        AtomicInteger collections = new AtomicInteger();
        Collector events = new Collector() {
            @Override
            public String name() {
                return "events";
            }

            @Override
            public void collect(Figures out) {
                collections.incrementAndGet();
                out.count("emrs.test.events", null, 5, "executor_id:driver");
                out.gauge("emrs.test.level", null, 1);
            }
        };
        Intake intake = new Intake();
        MetricsPipeline p = pipeline(intake, 1_000, events);
        p.begin();
        Thread.sleep(2_500);
        p.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        List<JsonNode> counts = intake.series("emrs.test.events");
        // Two intervals of a second (one, on a machine too busy to wake the thread in time), then the
        // last half second at shutdown: every collection is sent, the last one included.
        assertTrue(collections.get() >= 2, collections.get() + " collections");
        assertEquals(collections.get(), counts.size());
        assertEquals(5L * collections.get(), counts.stream().mapToLong(s -> s.at("/points/0/value").asLong()).sum());
        long last = 0;
        for (JsonNode s : counts) {
            long ts = s.at("/points/0/timestamp").asLong();
            assertTrue(ts > last, "timestamps must differ: Datadog keeps one point per second");
            last = ts;
            assertEquals(1, s.get("type").asInt());
            assertTrue(s.get("interval").asLong() >= 1);
        }
        List<String> tags = JSON.convertValue(counts.get(0).get("tags"), List.class);
        assertEquals(Arrays.asList("service:nightly_etl", "spark_app_name:nightly_etl", "spark_app_id:app-7",
                "emr_application_id:00fapp", "emr_job_run_id:00frun", "release_label:emr-7.1.0", "team:data",
                "executor_id:driver"), tags);
        assertEquals(collections.get(), intake.series("emrs.test.level").size());
    }

    @Test
    void aFailingCollectorCostsOnlyItsOwnFiguresAndABrokenOneIsNotAskedAgain() throws Exception {
        AtomicInteger broken = new AtomicInteger();
        AtomicInteger collections = new AtomicInteger();
        Collector failing = new Collector() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void collect(Figures out) throws Exception {
                out.gauge("emrs.test.partial", null, 1);
                throw new java.io.IOException("store closed");
            }
        };
        Collector linkage = new Collector() {
            @Override
            public String name() {
                return "linkage";
            }

            @Override
            public void collect(Figures out) {
                broken.incrementAndGet();
                throw new NoSuchMethodError("org.apache.spark.status.api.v1.JobData.numTasks()");
            }
        };
        Collector fine = new Collector() {
            @Override
            public String name() {
                return "fine";
            }

            @Override
            public void collect(Figures out) {
                collections.incrementAndGet();
                out.gauge("emrs.test.fine", null, 2);
            }
        };
        Intake intake = new Intake();
        MetricsPipeline p = pipeline(intake, 1_000, failing, linkage, fine);
        p.begin();
        Thread.sleep(2_500);
        p.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        assertTrue(collections.get() >= 2, collections.get() + " collections");
        assertEquals(1, broken.get());
        assertEquals(collections.get(), intake.series("emrs.test.fine").size());
        // What it read before failing is sent: its changes were taken from the totals already.
        assertEquals(collections.get(), intake.series("emrs.test.partial").size());
    }

    @Test
    void seriesPastTheBoundAreDroppedAndCounted() {
        long before = MetricsPipeline.COUNTERS.dropped(MetricsCounters.Reason.SERIES_LIMIT);
        Collector many = new Collector() {
            @Override
            public String name() {
                return "many";
            }

            @Override
            public void collect(Figures out) {
                for (int i = 0; i < MetricsPipeline.MAX_SERIES + 200; i++) {
                    out.gauge("emrs.test.g", null, i, "partition:" + i);
                }
            }
        };
        Intake intake = new Intake();
        MetricsPipeline p = pipeline(intake, 60_000, many);
        p.begin();
        p.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        assertEquals(MetricsPipeline.MAX_SERIES, intake.series("emrs.test.g").size());
        assertEquals(200, MetricsPipeline.COUNTERS.dropped(MetricsCounters.Reason.SERIES_LIMIT) - before);
    }

    @Test
    void namesDatadogWouldRefuseAreNotSentAndTagsAreCutWhereDatadogCutsThem() {
        long before = MetricsPipeline.COUNTERS.dropped(MetricsCounters.Reason.REJECTED);
        char[] longName = new char[190];
        Arrays.fill(longName, 'x');
        Collector odd = new Collector() {
            @Override
            public String name() {
                return "odd";
            }

            @Override
            public void collect(Figures out) {
                out.gauge("emrs.spark.live_listener_bus." + new String(longName) + ".p95", null, 1);
                out.gauge("emrs.test.ok", null, 1);
            }
        };
        Intake intake = new Intake();
        MetricsPipeline p = pipeline(intake, 60_000, odd);
        p.begin();
        p.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        assertEquals(1, intake.series("emrs.test.ok").size());
        assertEquals(1, MetricsPipeline.COUNTERS.dropped(MetricsCounters.Reason.REJECTED) - before);

        char[] longValue = new char[300];
        Arrays.fill(longValue, 'v');
        JobMetadata meta = new JobMetadata("app", new String(longValue), null, null, null, "1", "h",
                Collections.emptyMap());
        for (String tag : meta.metricTags("svc")) {
            assertTrue(tag.length() <= 200, tag);
        }
    }
}
