package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class EventBufferTest {
    private static byte[] next(EventBuffer buffer) {
        int length = buffer.peekLength();
        if (length < 0) {
            return null;
        }
        byte[] out = new byte[length];
        buffer.take(out, 0, length);
        return out;
    }

    private static byte[] event(int i, int size) {
        byte[] e = new byte[size];
        Arrays.fill(e, (byte) ('a' + i % 26));
        byte[] id = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(id, 0, e, 0, Math.min(id.length, size));
        return e;
    }

    @Test
    void eventsComeOutWholeAndInOrderAcrossSegmentsAndWrapAround() {
        EventBuffer buffer = new EventBuffer(1 << 20); // sixteen segments
        int sizes = 0;
        for (int i = 0; i < 3_000; i++) {
            // Odd sizes so that frames and bodies straddle segment ends and the ring's end.
            byte[] e = event(i, 1 + (i * 7919) % 3_001);
            assertTrue(buffer.offer(e), "event " + i);
            assertArrayEquals(e, next(buffer), "event " + i);
            buffer.release();
            sizes += e.length;
        }
        assertTrue(sizes > 3 * (1 << 20), "the test must wrap the ring: " + sizes);
        assertEquals(-1, buffer.peekLength());
        assertEquals(0, buffer.bytes());
        assertEquals(0, buffer.size());
        // Taken as fast as offered, the events went through the same two segments again and again.
        assertEquals(2, buffer.segmentsHeld());
    }

    @Test
    void holdsWhatTheBacklogNeededAtMostAndNeverMoreThanTheBound() {
        EventBuffer buffer = new EventBuffer(1 << 20);
        int segment = EventBuffer.SEGMENT_BYTES;
        byte[] e = event(7, 1_000);
        // A backlog of about three segments, taken in steps, for many times the ring's size.
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < 3 * segment / 1_004; i++) {
                assertTrue(buffer.offer(e));
            }
            while (next(buffer) != null) {
                // drain
            }
            buffer.release();
        }
        assertTrue(buffer.segmentsHeld() <= 5, "held " + buffer.segmentsHeld() + " segments for a 3-segment backlog");
        // Filled to the bound, it holds every segment and not one more.
        while (buffer.offer(e)) {
            // fill
        }
        assertEquals((1 << 20) / segment, buffer.segmentsHeld());
        assertTrue(buffer.bytes() <= buffer.maxBytes());
        assertTrue(buffer.bytes() > buffer.maxBytes() - 2 * segment, "usable: " + buffer.bytes());
    }

    @Test
    void refusesWhatWouldPassTheBoundAndTakesMoreOnceReleased() {
        EventBuffer buffer = new EventBuffer(1 << 20);
        byte[] e = event(1, 100_000);
        int accepted = 0;
        while (buffer.offer(e)) {
            accepted++;
        }
        assertEquals((1 << 20) / (100_000 + EventBuffer.FRAME_BYTES), accepted);
        assertTrue(buffer.bytes() <= buffer.maxBytes());
        assertEquals(accepted, buffer.size());
        assertArrayEquals(e, next(buffer));
        assertFalse(buffer.offer(e), "space is reserved until released");
        buffer.release();
        assertTrue(buffer.offer(e));
        assertEquals(accepted, buffer.discardAll());
        assertEquals(0, buffer.bytes());
    }

    @Test
    void manyProducersOneConsumerLoseAndCorruptNothing() throws Exception {
        EventBuffer buffer = new EventBuffer(1 << 20);
        int producers = 4;
        int each = 50_000;
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        long[] refused = new long[producers];
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    byte[] e = (id + ":" + i + ":" + new String(new char[i % 500]).replace('\0', 'x'))
                            .getBytes(StandardCharsets.US_ASCII);
                    while (!buffer.offer(e)) {
                        refused[id]++;
                        Thread.yield();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        int[] nextOf = new int[producers];
        long taken = 0;
        Thread waiter = new Thread(() -> {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            done.set(true);
        });
        waiter.start();
        while (true) {
            boolean finished = done.get();
            byte[] e;
            int batch = 0;
            while (batch++ < 700 && (e = next(buffer)) != null) {
                String[] parts = new String(e, StandardCharsets.US_ASCII).split(":", 3);
                int p = Integer.parseInt(parts[0]);
                int i = Integer.parseInt(parts[1]);
                assertEquals(nextOf[p], i, "producer " + p + " out of order");
                assertEquals(i % 500, parts[2].length(), "event " + p + ":" + i + " corrupted");
                nextOf[p]++;
                taken++;
            }
            buffer.release();
            if (finished && buffer.peekLength() < 0) {
                break;
            }
        }
        assertEquals((long) producers * each, taken);
        assertTrue(Arrays.stream(refused).sum() > 0, "the test should have filled the buffer at least once");
    }
}
