package emrs.observe.datadog;

import emrs.observe.http.HttpCall;
import emrs.observe.http.HttpResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * POSTs gzip-compressed batches to the Datadog logs intake v2. Safe for the shipper's sender
 * threads to use at once: each compresses with its own state.
 */
public final class IntakeClient implements IntakeSender {
    /** gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int MAX_KEPT_GZIP_BUFFER = 2 * 1024 * 1024;
    /** Input between full flushes: under zlib's 64 KiB window less its 262-byte lookahead, so it never slides. */
    static final int CHUNK = 60_000;

    private final String url;
    private final int timeoutMs;
    private final ThreadLocal<Gzip> gzips = ThreadLocal.withInitial(Gzip::new);

    public IntakeClient(String url, int timeoutMs) {
        this.url = url;
        this.timeoutMs = timeoutMs;
    }

    public String url() {
        return url;
    }

    @Override
    public Result send(Batch batch, ApiKeyHolder key) {
        Gzip g = gzips.get();
        try {
            if (batch != g.gzipped) {
                g.gzippedLength = g.gzip(batch.json, batch.length);
                g.gzipped = batch; // a retry sends the same bytes without compressing them again
            }
            HttpResponse r = HttpCall.of("POST", url)
                    .timeouts(timeoutMs, timeoutMs)
                    .header("Content-Type", "application/json")
                    .header("Content-Encoding", "gzip")
                    .header("DD-API-KEY", key.get().reveal())
                    .body(g.buffer, g.gzippedLength)
                    .execute();
            if (RetryPolicy.classify(r.status()) != RetryPolicy.Verdict.RETRY) {
                g.gzipped = null; // no retry will follow: do not hold on to the batch
            }
            return new Result(r.status(), retryAfterMs(r.header("Retry-After")),
                    r.ok() ? "" : "HTTP " + r.status() + (r.bodySnippet().isEmpty() ? "" : ": " + r.bodySnippet()));
        } catch (IOException e) {
            String m = e.getMessage();
            return new Result(0, 0, e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")"));
        }
    }

    /** This thread's gzip for {@link #send}; also what the tests compress with. */
    Gzip gzip() {
        return gzips.get();
    }

    /** One sender thread's compression state, reused for every batch it sends. */
    static final class Gzip {
        private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        private final CRC32 crc = new CRC32();
        byte[] buffer = new byte[64 * 1024];
        private Batch gzipped;
        private int gzippedLength;

        /**
         * gzip (RFC 1952) of the first {@code length} bytes of {@code json} into {@link #buffer},
         * returning its length. The fastest level: the shipper shares the executor's cores with the
         * job, and level 1 already shrinks log text several times over. One Deflater and one
         * buffer serve every batch: a GZIPOutputStream per batch would allocate both (and the
         * Deflater's native memory) each time.
         *
         * <p>Deflate looks back 32 KiB; past 64 KiB of input zlib slides its window every 32 KiB,
         * and each slide rewrites its two 32K-entry hash tables. On a batch of a few hundred KB of
         * log JSON perf put the slides at over half of zlib's time. A full flush every
         * {@link #CHUNK} bytes makes zlib forget its history and start again at the beginning of
         * its window, so it never slides: the body stays one deflate stream in one gzip member
         * (with an empty stored block at each flush), a little larger because no match reaches
         * back across a flush.
         */
        int gzip(byte[] json, int length) {
            if (buffer.length > MAX_KEPT_GZIP_BUFFER) {
                buffer = new byte[64 * 1024]; // the last batch was outsized: do not keep its buffer
            }
            int pos = 0;
            ensureGzipRoom(length / 4 + GZIP_HEADER.length + 8 + 64);
            System.arraycopy(GZIP_HEADER, 0, buffer, 0, GZIP_HEADER.length);
            pos += GZIP_HEADER.length;
            deflater.reset();
            int off = 0;
            boolean last;
            do {
                int n = Math.min(CHUNK, length - off);
                deflater.setInput(json, off, n);
                off += n;
                last = off == length;
                if (last) {
                    deflater.finish();
                }
                // A chunk is done when its FULL_FLUSH leaves room in the buffer (a full buffer means
                // more may follow); the last one when the stream is finished.
                do {
                    if (pos == buffer.length) {
                        ensureGzipRoom(buffer.length * 2);
                    }
                    pos += deflater.deflate(buffer, pos, buffer.length - pos,
                            last ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
                } while (last ? !deflater.finished() : pos == buffer.length);
            } while (!last);
            crc.reset();
            crc.update(json, 0, length);
            if (pos + 8 > buffer.length) {
                ensureGzipRoom(pos + 8);
            }
            pos = le32(buffer, pos, (int) crc.getValue());
            pos = le32(buffer, pos, length);
            return pos;
        }

        private void ensureGzipRoom(int size) {
            if (buffer.length < size) {
                buffer = Arrays.copyOf(buffer, size);
            }
        }

        private static int le32(byte[] b, int pos, int v) {
            b[pos] = (byte) v;
            b[pos + 1] = (byte) (v >>> 8);
            b[pos + 2] = (byte) (v >>> 16);
            b[pos + 3] = (byte) (v >>> 24);
            return pos + 4;
        }
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
