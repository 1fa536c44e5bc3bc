package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

class IntakeClientTest {
    private static byte[] gunzip(byte[] body, int length) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body, 0, length))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        }
    }

    @Test
    void reusedDeflaterWritesValidGzipForEveryBatch() throws Exception {
        IntakeClient client = new IntakeClient("http://127.0.0.1:1/api/v2/logs", 1000);
        Random random = new Random(7);
        byte[] noise = new byte[3 * 1024 * 1024]; // incompressible: the output outgrows its buffer
        random.nextBytes(noise);
        byte[][] bodies = {"[{\"message\":\"a\"}]".getBytes(StandardCharsets.UTF_8), noise, new byte[0],
                "[{\"message\":\"after a big one\"}]".getBytes(StandardCharsets.UTF_8)};
        IntakeClient.Gzip gzip = client.gzip();
        for (byte[] body : bodies) {
            int n = gzip.gzip(body, body.length);
            assertArrayEquals(body, gunzip(gzip.buffer, n));
        }
    }

    /**
     * An intake that reads a single gzip member (as a plain zlib inflate does) must get the whole
     * batch: the body is one member whose deflate stream ends exactly before the trailer, however
     * many times the compressor flushed inside it.
     */
    @Test
    void aLargeBatchIsOneGzipMemberWithTheWholeBody() throws Exception {
        StringBuilder json = new StringBuilder("[");
        Random random = new Random(11);
        for (int i = 0; json.length() < 5 * IntakeClient.CHUNK + 123; i++) {
            json.append(i == 0 ? "" : ",").append("{\"timestamp\":").append(1764477912000L + i)
                    .append(",\"message\":\"processed record ").append(random.nextInt(1_000_000))
                    .append(" with status ok\",\"ddtags\":\"executor_id:3,team:data\"}");
        }
        byte[] body = json.append(']').toString().getBytes(StandardCharsets.UTF_8);
        byte[] noise = new byte[IntakeClient.CHUNK * 3 + 7];
        random.nextBytes(noise);
        IntakeClient.Gzip gzip = new IntakeClient("http://127.0.0.1:1/api/v2/logs", 1000).gzip();
        for (byte[] b : new byte[][] {body, noise, new byte[IntakeClient.CHUNK], new byte[0]}) {
            int n = gzip.gzip(b, b.length);
            byte[] g = java.util.Arrays.copyOf(gzip.buffer, n);
            Inflater inflater = new Inflater(true); // the member's deflate stream, after its 10-byte header
            inflater.setInput(g, 10, n - 10);
            byte[] out = new byte[b.length + 16];
            int got = 0;
            while (!inflater.finished() && got < out.length) {
                got += inflater.inflate(out, got, out.length - got);
            }
            assertTrue(inflater.finished(), "the deflate stream ends");
            assertEquals(8, inflater.getRemaining(), "only the CRC-32 and the length follow it");
            assertArrayEquals(b, java.util.Arrays.copyOf(out, got));
            CRC32 crc = new CRC32();
            crc.update(b);
            assertEquals((int) crc.getValue(), (g[n - 8] & 0xff) | (g[n - 7] & 0xff) << 8 | (g[n - 6] & 0xff) << 16
                    | (g[n - 5] & 0xff) << 24);
            assertEquals(b.length, (g[n - 4] & 0xff) | (g[n - 3] & 0xff) << 8 | (g[n - 2] & 0xff) << 16
                    | (g[n - 1] & 0xff) << 24);
            assertArrayEquals(b, gunzip(gzip.buffer, n));
        }
    }
}
