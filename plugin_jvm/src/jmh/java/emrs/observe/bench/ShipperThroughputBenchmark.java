package emrs.observe.bench;

import emrs.observe.runtime.LogPipeline;
import java.net.URL;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.appender.HttpAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.layout.JsonLayout;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end throughput to a local intake: events per second until the last one is delivered.
 * Ours batches and gzips on one background thread; log4j2's HttpAppender posts one event per
 * request; the async file appender is the ceiling (no network at all). Run pinned to one core
 * (benchmarks/jvm_jmh.sh uses taskset).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class ShipperThroughputBenchmark {
    static final int EVENTS = 20_000;

    @Param({"emrs", "log4jHttp", "log4jAsyncFile"})
    public String appender;

    private BenchSupport.LocalIntake intake;
    private Logger logger;
    private AsyncAppender async;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        intake = new BenchSupport.LocalIntake();
        org.apache.logging.log4j.core.config.Configuration cfg =
                ((org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false))
                        .getConfiguration();
        switch (appender) {
            case "emrs":
                // A short flush interval so the tail of each invocation is not measured as idle time.
                BenchSupport.startPipeline(intake.url(), "256m", "10");
                logger = BenchSupport.oursLogger();
                break;
            case "log4jHttp":
                HttpAppender http = HttpAppender.newBuilder().setName("http").setUrl(new URL(intake.url()))
                        .setConfiguration(cfg).setLayout(JsonLayout.newBuilder().setCompact(true).build()).build();
                logger = BenchSupport.loggerWith("bench.http", http);
                break;
            default:
                String file = Files.createTempFile("bench-async", ".log").toString();
                FileAppender fa = FileAppender.newBuilder().setName("file2").withFileName(file).withBufferedIo(true)
                        .setLayout(PatternLayout.newBuilder().withPattern("%d %p %c [%t] %m%n").build()).build();
                fa.start();
                cfg.addAppender(fa);
                async = AsyncAppender.newBuilder().setName("async2").setConfiguration(cfg)
                        .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef("file2", null, null)})
                        .setBlocking(true).setBufferSize(262_144).build();
                logger = BenchSupport.loggerWith("bench.async", async);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        LogPipeline.shutdown();
        intake.close();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void deliver() throws InterruptedException {
        long before = LogPipeline.COUNTERS.sent.get();
        for (int i = 0; i < EVENTS; i++) {
            logger.info("processed partition {} of stage {} in {} ms", i, 7, 42);
        }
        if ("emrs".equals(appender)) {
            // Delivered means acknowledged by the intake, not merely queued.
            while (LogPipeline.COUNTERS.sent.get() - before < EVENTS) {
                Thread.sleep(0, 200_000);
            }
        } else if (async != null) {
            while (async.getQueueRemainingCapacity() < 262_144) {
                Thread.sleep(0, 200_000);
            }
        }
    }
}
