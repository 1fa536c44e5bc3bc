package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import emrs.observe.vault.Secret;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class LogShipperTest {
    private final EventEncoder encoder = new EventEncoder("spark", "svc", "h", "t:1");
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    /** Answers with the scripted statuses, then 202; records what it accepted. */
    static final class ScriptedIntake implements IntakeSender {
        final Deque<Integer> script;
        final List<Batch> accepted = Collections.synchronizedList(new ArrayList<>());
        int calls;

        ScriptedIntake(Integer... statuses) {
            script = new ArrayDeque<>(Arrays.asList(statuses));
        }

        @Override
        public synchronized Result send(Batch batch, ApiKeyHolder key) {
            calls++;
            int status = script.isEmpty() ? 202 : script.poll();
            if (status == 202) {
                accepted.add(batch);
            }
            return new Result(status, 0, status == 0 ? "ConnectException" : "HTTP " + status);
        }
    }

    private LogShipper shipper(IntakeSender sender, long bufferBytes, int maxRetries, ShipperCounters counters) {
        return new LogShipper(new EventBuffer(bufferBytes), sender,
                new ApiKeyHolder(new Secret("k"), null, Long.MAX_VALUE), new RetryPolicy(maxRetries, 1, 5), counters,
                20, warnings::add);
    }

    private void log(LogShipper s, int n) {
        for (int i = 0; i < n; i++) {
            s.offer(encoder.encode(i, "info", "l", "t", "line " + i, null, null));
        }
    }

    @Test
    void retryableFailuresAreRetriedAndNothingIsLost() {
        ScriptedIntake intake = new ScriptedIntake(429, 500, 0, 503);
        ShipperCounters c = new ShipperCounters();
        LogShipper s = shipper(intake, 8 << 20, 5, c).start();
        log(s, 1500);
        s.close(5_000);
        assertEquals(1500, c.sent.get());
        assertEquals(4, c.retried.get());
        assertEquals(0, c.droppedTotal());
        assertEquals(0, c.failed.get());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void eventsOfferedWithoutTheirConstantFieldsArriveWhole() throws Exception {
        ScriptedIntake intake = new ScriptedIntake();
        ShipperCounters c = new ShipperCounters();
        EventEncoder enc = new EventEncoder("spark", "svc", "host-1", "executor_id:3");
        LogShipper s = shipper(intake, 8 << 20, 5, c).eventSuffix(enc::constantFields).start();
        EventEncoder.Sink sink = s::offer;
        char[] huge = new char[1_500_000];
        Arrays.fill(huge, 'x');
        enc.encode(1, "info", "l", "t", "small", null, null, EventContext.MAP, sink);
        enc.encode(2, "info", "l", "t", new String(huge), null, null, EventContext.MAP, sink);
        s.close(5_000);
        assertEquals(2, c.sent.get());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> events = new ArrayList<>();
        for (Batch b : intake.accepted) {
            json.readTree(Arrays.copyOf(b.json, b.length)).forEach(events::add);
        }
        assertEquals(2, events.size());
        com.fasterxml.jackson.databind.JsonNode first = events.get(0);
        assertEquals("small", first.get("message").asText());
        assertEquals("spark", first.get("ddsource").asText());
        assertEquals("svc", first.get("service").asText());
        assertEquals("host-1", first.get("hostname").asText());
        assertEquals("executor_id:3", first.get("ddtags").asText());
        com.fasterxml.jackson.databind.JsonNode cut = events.get(1);
        assertTrue(cut.get("truncated").asBoolean());
        assertEquals("executor_id:3", cut.get("ddtags").asText());
        assertTrue(json.writeValueAsBytes(cut).length <= EventEncoder.MAX_EVENT_BYTES,
                "the limit counts the constant fields too");
    }

    @Test
    void underLoadEveryRequestCarriesAFullBatch() {
        ScriptedIntake intake = new ScriptedIntake();
        ShipperCounters c = new ShipperCounters();
        // A flush interval longer than the test: only full batches and the shutdown send.
        LogShipper s = new LogShipper(new EventBuffer(8 << 20), intake,
                new ApiKeyHolder(new Secret("k"), null, Long.MAX_VALUE), new RetryPolicy(0, 1, 5), c, 600_000,
                warnings::add, 2).start();
        log(s, 5 * BatchAssembler.MAX_EVENTS);
        s.close(10_000);
        assertEquals(5 * BatchAssembler.MAX_EVENTS, c.sent.get(), c.summary());
        assertEquals(5, intake.accepted.size(), "requests sent for 5000 events");
    }

    @Test
    void aFewEventsLeaveWithinTheFlushIntervalWithoutWaitingForMore() throws Exception {
        ScriptedIntake intake = new ScriptedIntake();
        ShipperCounters c = new ShipperCounters();
        LogShipper s = shipper(intake, 8 << 20, 0, c).start();
        log(s, 10);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.sent.get() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(10, c.sent.get(), "sent before shutdown");
        s.close(5_000);
    }

    @Test
    void rejectedBatchIsNotRetriedButCountedWithItsReason() {
        ScriptedIntake intake = new ScriptedIntake(403);
        ShipperCounters c = new ShipperCounters();
        LogShipper s = shipper(intake, 8 << 20, 5, c).start();
        log(s, 10);
        s.close(5_000);
        assertEquals(1, intake.calls);
        assertEquals(10, c.dropped(DropReason.REJECTED));
        assertEquals(1, c.failed.get());
        assertEquals(0, c.retried.get());
        assertTrue(warnings.get(0).contains("HTTP 403") && warnings.get(0).contains("API key"), warnings.toString());
    }

    @Test
    void retriesRunOutAndTheBatchIsCounted() {
        ScriptedIntake intake = new ScriptedIntake(500, 500, 500, 500);
        ShipperCounters c = new ShipperCounters();
        LogShipper s = shipper(intake, 8 << 20, 2, c).start();
        log(s, 10);
        s.close(5_000);
        assertEquals(3, intake.calls);
        assertEquals(10, c.dropped(DropReason.RETRIES_EXHAUSTED));
        assertEquals(2, c.retried.get());
        assertTrue(c.summary().contains("retries_exhausted=10"), c.summary());
    }

    @Test
    void fullBufferDropsWithoutBlockingOrGrowing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        IntakeSender stuck = (batch, key) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new IntakeSender.Result(202, 0, "");
        };
        ShipperCounters c = new ShipperCounters();
        EventBuffer buffer = new EventBuffer(1 << 20);
        LogShipper s = new LogShipper(buffer, stuck, new ApiKeyHolder(new Secret("k"), null, 1),
                new RetryPolicy(0, 1, 1), c, 20, warnings::add).start();
        log(s, 50_000); // ~10 MB of events into a 1 MB buffer while the intake hangs
        assertTrue(buffer.bytes() <= buffer.maxBytes(), "buffer holds " + buffer.bytes());
        assertTrue(c.dropped(DropReason.BUFFER_FULL) > 30_000, c.summary());
        assertEquals(1, warnings.stream().filter(w -> w.startsWith("buffer_full|")).count());
        release.countDown();
        s.close(5_000);
        assertEquals(50_000, c.sent.get() + c.droppedTotal(), c.summary());
    }

    @Test
    void keepsUpToTheConfiguredRequestsInFlightAndNoMore() {
        // Each request waits until four are in flight at once (or gives up after 5 s): with four
        // senders every batch is answered at once; one more in flight would be counted as a fault.
        int concurrency = 4;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        CountDownLatch four = new CountDownLatch(concurrency);
        IntakeSender slow = (batch, key) -> {
            int now = inFlight.incrementAndGet();
            mostInFlight.accumulateAndGet(now, Math::max);
            four.countDown();
            try {
                four.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return new IntakeSender.Result(202, 0, "");
        };
        ShipperCounters c = new ShipperCounters();
        LogShipper s = new LogShipper(new EventBuffer(8 << 20), slow, new ApiKeyHolder(new Secret("k"), null, 1),
                new RetryPolicy(0, 1, 1), c, 20, warnings::add, concurrency).start();
        log(s, 8_000);
        s.close(20_000);
        assertEquals(0, four.getCount(), "four requests were never in flight together");
        assertEquals(concurrency, mostInFlight.get());
        assertEquals(8_000, c.sent.get(), c.summary());
    }

    @Test
    void aSenderThatThrowsLosesOneBatchNotTheShipper() {
        AtomicInteger calls = new AtomicInteger();
        IntakeSender flaky = (batch, key) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
            }
            return new IntakeSender.Result(202, 0, "");
        };
        ShipperCounters c = new ShipperCounters();
        LogShipper s = new LogShipper(new EventBuffer(8 << 20), flaky, new ApiKeyHolder(new Secret("k"), null, 1),
                new RetryPolicy(0, 1, 1), c, 20, warnings::add, 1).start();
        log(s, 1_000);
        for (int i = 0; i < 200 && c.droppedTotal() == 0; i++) {
            LockSupport.parkNanos(10_000_000L); // let the first batch go (and fail) on its own
        }
        log(s, 2_500);
        s.close(5_000);
        // Only the first batch (some or all of the first 1,000 lines) is lost; with one sender,
        // everything logged after it still goes.
        long lost = c.dropped(DropReason.REJECTED);
        assertTrue(lost > 0 && lost <= 1_000, c.summary());
        assertEquals(3_500, c.sent.get() + lost, c.summary());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("unexpected|") && w.contains("boom")), warnings.toString());
    }

    @Test
    void whatCannotBeSentBeforeTheShutdownTimeoutIsCounted() {
        IntakeSender down = (batch, key) -> new IntakeSender.Result(0, 0, "ConnectException");
        ShipperCounters c = new ShipperCounters();
        LogShipper s = new LogShipper(new EventBuffer(8 << 20), down, new ApiKeyHolder(new Secret("k"), null, 1),
                new RetryPolicy(1_000, 50, 50), c, 60_000, warnings::add).start();
        log(s, 2_500);
        s.close(300);
        assertEquals(2_500, c.dropped(DropReason.SHUTDOWN_TIMEOUT));
        assertEquals(0, c.sent.get());
        s.offer(new byte[] {'{', '}'}); // after close: counted, not queued
        assertEquals(2_501, c.dropped(DropReason.SHUTDOWN_TIMEOUT));
    }

    @Test
    void rotatedKeyIsReadAgainOnce() {
        ScriptedIntake intake = new ScriptedIntake(403);
        ShipperCounters c = new ShipperCounters();
        ApiKeyHolder key = new ApiKeyHolder(new Secret("old"), () -> new Secret("new"), 0);
        LogShipper s = new LogShipper(new EventBuffer(8 << 20), intake, key, new RetryPolicy(3, 1, 1), c, 20,
                warnings::add).start();
        log(s, 5);
        s.close(5_000);
        assertEquals("new", key.get().reveal());
        assertEquals(5, c.sent.get());
        assertFalse(c.droppedTotal() > 0);
    }
}
