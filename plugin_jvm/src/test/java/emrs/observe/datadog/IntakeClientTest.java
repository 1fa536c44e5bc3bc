package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
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
}
