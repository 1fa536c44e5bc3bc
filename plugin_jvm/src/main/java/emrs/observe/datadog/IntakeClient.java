package emrs.observe.datadog;

import emrs.observe.http.HttpCall;
import emrs.observe.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** POSTs gzip-compressed batches to the Datadog logs intake v2. */
public final class IntakeClient implements IntakeSender {
    private final String url;
    private final int timeoutMs;

    public IntakeClient(String url, int timeoutMs) {
        this.url = url;
        this.timeoutMs = timeoutMs;
    }

    public String url() {
        return url;
    }

    @Override
    public Result send(Batch batch, ApiKeyHolder key) {
        try {
            HttpResponse r = HttpCall.of("POST", url)
                    .timeouts(timeoutMs, timeoutMs)
                    .header("Content-Type", "application/json")
                    .header("Content-Encoding", "gzip")
                    .header("DD-API-KEY", key.get().reveal())
                    .body(gzip(batch.json))
                    .execute();
            return new Result(r.status(), retryAfterMs(r.header("Retry-After")),
                    r.ok() ? "" : "HTTP " + r.status() + (r.bodySnippet().isEmpty() ? "" : ": " + r.bodySnippet()));
        } catch (IOException e) {
            String m = e.getMessage();
            return new Result(0, 0, e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")"));
        }
    }

    /**
     * gzip at the fastest level: the shipper shares the executor's cores with the job, and
     * level 1 already shrinks log text several times over.
     */
    static byte[] gzip(byte[] json) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(1024, json.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 16 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            gz.write(json);
        }
        return bytes.toByteArray();
    }

    static long retryAfterMs(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Math.max(0, (long) (Double.parseDouble(header.trim()) * 1000));
        } catch (NumberFormatException e) {
            return 0; // an HTTP date: rare for the intake, and the backoff covers it
        }
    }
}
