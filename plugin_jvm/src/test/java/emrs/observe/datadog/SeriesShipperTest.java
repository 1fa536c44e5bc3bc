package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import emrs.observe.metrics.MetricKind;
import emrs.observe.metrics.Point;
import emrs.observe.vault.Secret;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SeriesShipperTest {
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final MetricsCounters counters = new MetricsCounters();
    private final AtomicLong clock = new AtomicLong(1_767_225_600_000L);

    /** Answers with the scripted statuses (and Retry-After seconds), then 202; records keys and bodies. */
    static final class ScriptedIntake implements IntakeSender {
        final Deque<int[]> script = new ArrayDeque<>();
        final List<Batch> accepted = new ArrayList<>();
        final List<String> keys = new ArrayList<>();
        final List<Long> attemptNanos = new ArrayList<>();

        ScriptedIntake answer(int status, int retryAfterSec) {
            script.add(new int[] {status, retryAfterSec});
            return this;
        }

        @Override
        public Result send(Batch batch, ApiKeyHolder key) {
            attemptNanos.add(System.nanoTime());
            keys.add(key.get().reveal());
            int[] a = script.isEmpty() ? new int[] {202, 0} : script.poll();
            if (a[0] == 202) {
                accepted.add(batch);
            }
            return new Result(a[0], a[1] * 1000L, a[0] == 0 ? "ConnectException (refused)" : "HTTP " + a[0]);
        }
    }

    private SeriesShipper shipper(IntakeSender intake, int maxRetries, long maxQueued, ApiKeyHolder key) {
        return new SeriesShipper(intake, key, new RetryPolicy(maxRetries, 1, 2_000), counters, warnings::add, maxQueued,
                clock::get);
    }

    private SeriesShipper shipper(IntakeSender intake, int maxRetries) {
        return shipper(intake, maxRetries, 1 << 20, new ApiKeyHolder(new Secret("k1"), null, Long.MAX_VALUE));
    }

    private List<SeriesPayload> payloads(int n, long timestampSec) {
        List<SeriesPayload> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.addAll(new SeriesEncoder().encode(Arrays.asList(new Point("m" + i, MetricKind.COUNT, null,
                    new String[0], i, 10), new Point("g" + i, MetricKind.GAUGE, null, new String[0], i, 0)),
                    timestampSec, Collections.singletonList("service:s"), x -> {
                    }));
        }
        return out;
    }

    private static void drain(SeriesShipper s) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.pending() && System.nanoTime() < deadline) {
            long next = s.sendDue();
            if (next != Long.MAX_VALUE) {
                java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
        }
    }

    @Test
    void retryableAnswersAreRetriedHonouringRetryAfterAndNothingIsLostOrSentTwice() {
        ScriptedIntake intake = new ScriptedIntake().answer(429, 1).answer(503, 0).answer(0, 0);
        SeriesShipper s = shipper(intake, 5);
        s.add(payloads(3, clock.get() / 1000));
        long start = System.nanoTime();
        drain(s);
        assertEquals(3, intake.accepted.size());
        assertEquals(6, counters.sent.get());
        assertEquals(3, counters.retried.get());
        assertEquals(0, counters.droppedTotal());
        // The 429 asked for a second: the retry did not come earlier.
        assertTrue(intake.attemptNanos.get(1) - intake.attemptNanos.get(0) >= TimeUnit.MILLISECONDS.toNanos(990));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void refusalsAreDroppedCountedAndWarnedOnceEach() {
        ScriptedIntake intake = new ScriptedIntake().answer(400, 0).answer(400, 0).answer(413, 0);
        SeriesShipper s = shipper(intake, 5);
        s.add(payloads(4, clock.get() / 1000));
        drain(s);
        assertEquals(1, intake.accepted.size());
        assertEquals(6, counters.dropped(MetricsCounters.Reason.REJECTED));
        assertEquals(2, warnings.stream().map(w -> w.substring(0, w.indexOf('|'))).distinct().count());
    }

    @Test
    void aRejectedKeyIsReadAgainOnceFromItsSource() {
        ScriptedIntake intake = new ScriptedIntake().answer(403, 0);
        ApiKeyHolder key = new ApiKeyHolder(new Secret("old"), () -> new Secret("rotated"), 0);
        SeriesShipper s = shipper(intake, 5, 1 << 20, key);
        s.add(payloads(1, clock.get() / 1000));
        drain(s);
        assertEquals(Arrays.asList("old", "rotated"), intake.keys);
        assertEquals(1, intake.accepted.size());
        assertEquals(0, counters.droppedTotal());
    }

    @Test
    void retriesRunOutThenTheNextPayloadGetsItsOwnChance() {
        ScriptedIntake intake = new ScriptedIntake().answer(500, 0).answer(500, 0).answer(500, 0);
        SeriesShipper s = shipper(intake, 2);
        s.add(payloads(2, clock.get() / 1000));
        drain(s);
        assertEquals(2, counters.dropped(MetricsCounters.Reason.RETRIES_EXHAUSTED));
        assertEquals(1, intake.accepted.size());
        assertEquals(1, warnings.size());
    }

    @Test
    void theQueueIsBoundedOldestFirstAndWithoutAKeyNothingIsQueued() {
        ScriptedIntake intake = new ScriptedIntake();
        List<SeriesPayload> p = payloads(10, clock.get() / 1000);
        SeriesShipper s = shipper(intake, 5, 3L * p.get(0).bytes(), new ApiKeyHolder(new Secret("k"), null, 0));
        s.add(p);
        drain(s);
        assertEquals(3, intake.accepted.size());
        assertEquals(14, counters.dropped(MetricsCounters.Reason.BUFFER_FULL));
        assertTrue(new String(intake.accepted.get(0).json, java.nio.charset.StandardCharsets.UTF_8).contains("\"m7\""));
        SeriesShipper noKey = shipper(intake, 5, 1 << 20, null);
        noKey.add(payloads(2, clock.get() / 1000));
        assertEquals(4, counters.dropped(MetricsCounters.Reason.NO_API_KEY));
    }

    @Test
    void pointsOlderThanDatadogAcceptsAreDroppedNotSent() {
        ScriptedIntake intake = new ScriptedIntake();
        SeriesShipper s = shipper(intake, 5);
        s.add(payloads(1, clock.get() / 1000 - 3600));
        s.add(payloads(1, clock.get() / 1000 - 60));
        drain(s);
        assertEquals(1, intake.accepted.size());
        assertEquals(2, counters.dropped(MetricsCounters.Reason.TOO_OLD));
    }

    @Test
    void atShutdownAnIntakeThatIsDownCostsOneRetryNotTheWholePolicy() {
        ScriptedIntake intake = new ScriptedIntake();
        for (int i = 0; i < 100; i++) {
            intake.answer(0, 0);
        }
        SeriesShipper s = new SeriesShipper(intake, new ApiKeyHolder(new Secret("k"), null, 0),
                new RetryPolicy(5, 250, 10_000), counters, warnings::add, 1 << 20, clock::get);
        s.add(payloads(5, clock.get() / 1000));
        long start = System.nanoTime();
        s.flush(start + TimeUnit.SECONDS.toNanos(10));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(2_000));
        assertEquals(2, intake.attemptNanos.size());
        assertEquals(10, counters.dropped(MetricsCounters.Reason.SHUTDOWN_TIMEOUT));
        assertTrue(warnings.get(0).contains("refused"), warnings.toString());
    }

    @Test
    void atShutdownOneThrottledAnswerIsWaitedForWithinTheDeadline() {
        ScriptedIntake intake = new ScriptedIntake().answer(429, 1);
        SeriesShipper s = shipper(intake, 5);
        s.add(payloads(2, clock.get() / 1000));
        s.flush(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        assertEquals(2, intake.accepted.size());
        assertEquals(0, counters.droppedTotal());
        // A Retry-After past the deadline is not waited for.
        ScriptedIntake slow = new ScriptedIntake().answer(429, 30);
        SeriesShipper s2 = shipper(slow, 5);
        s2.add(payloads(1, clock.get() / 1000));
        long start = System.nanoTime();
        s2.flush(start + TimeUnit.SECONDS.toNanos(2));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
        assertEquals(2, counters.dropped(MetricsCounters.Reason.SHUTDOWN_TIMEOUT));
    }
}
