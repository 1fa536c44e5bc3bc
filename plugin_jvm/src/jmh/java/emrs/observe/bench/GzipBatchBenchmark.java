package emrs.observe.bench;

import emrs.observe.datadog.EventEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sender's gzip, per event, on a full batch (1000 events) encoded by the plugin's own encoder
 * with EMR-like tags: as sent today ("perEvent"), and with ddsource, service, hostname and ddtags
 * left out of every event ("requestLevel"), which is what moving them to request-level parameters
 * would save if Datadog documented those for JSON bodies (docs/plugin.md says why it is not done).
 * Deflater level 1, raw deflate with a full flush every 60,000 bytes, plus CRC-32, as IntakeClient
 * compresses.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@State(Scope.Thread)
public class GzipBatchBenchmark {
    static final int EVENTS = 1000;
    static final int CHUNK = 60_000;

    @Param({"perEvent", "requestLevel"})
    public String constantFields;

    private byte[] batch;
    private byte[] out;
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final CRC32 crc = new CRC32();

    @Setup
    public void encode() {
        EventEncoder encoder = new EventEncoder("spark", "LoggingJob benchmark", "ip-10-0-12-34.ec2.internal",
                "spark_app_id:app-20261130044512-0000,spark_app_name:LoggingJob benchmark,executor_id:3,"
                        + "emr_application_id:00fabc1234567890,emr_job_run_id:00frun4567890123,"
                        + "release_label:emr-7.13.0,team:data,cost_center:42");
        byte[] probe = encoder.encode(0, "info", "l", "t", "m", null, null);
        String json = new String(probe, StandardCharsets.UTF_8);
        int tail = probe.length - json.substring(json.indexOf(",\"ddsource\":")).getBytes(StandardCharsets.UTF_8).length;
        int tailLength = probe.length - tail - 1; // the constant fields, without the closing brace
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('[');
        for (int i = 0; i < EVENTS; i++) {
            byte[] e = encoder.encode(1764477912000L + 3L * i, "info", "emrs.observe.bench.LoggingJob",
                    "Executor task launch worker for task 3.0 in stage 1.0 (TID 7)",
                    "row " + (i * 20 + 12345) + " derived value " + (i * 2654435761L) % 1000003,
                    null, Collections.singletonMap("mdc.taskName", "task 3.0 in stage 1.0 (TID 7)"));
            if (i > 0) {
                b.write(',');
            }
            if ("requestLevel".equals(constantFields)) {
                b.write(e, 0, e.length - tailLength - 1);
                b.write('}');
            } else {
                b.write(e, 0, e.length);
            }
        }
        b.write(']');
        batch = b.toByteArray();
        out = new byte[batch.length + 1024];
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int gzipPerEvent() {
        deflater.reset();
        int n = 0;
        // As IntakeClient: a full flush every 60,000 bytes keeps zlib from sliding its window.
        for (int off = 0; off < batch.length; off += CHUNK) {
            int len = Math.min(CHUNK, batch.length - off);
            deflater.setInput(batch, off, len);
            if (off + len < batch.length) {
                n += deflater.deflate(out, n, out.length - n, Deflater.FULL_FLUSH);
            } else {
                deflater.finish();
                while (!deflater.finished()) {
                    n += deflater.deflate(out, n, out.length - n);
                }
            }
        }
        crc.reset();
        crc.update(batch, 0, batch.length);
        return n + (int) crc.getValue();
    }
}
