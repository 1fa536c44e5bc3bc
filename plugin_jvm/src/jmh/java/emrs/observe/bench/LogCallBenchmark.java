package emrs.observe.bench;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one log call costs the thread that logs: through our appender (encode + enqueue, the
 * shipper drains to a local intake in the background) against log4j2's async file appender.
 * SampleTime gives the p50/p99 of single calls.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
@State(Scope.Benchmark)
public class LogCallBenchmark {
    private BenchSupport.LocalIntake intake;
    private Logger ours;
    private Logger asyncFile;
    private long i;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        intake = new BenchSupport.LocalIntake();
        BenchSupport.startPipeline(intake.url(), "64m");
        ours = BenchSupport.oursLogger();
        String file = Files.createTempFile("bench-async", ".log").toString();
        FileAppender fileAppender = FileAppender.newBuilder().setName("file").withFileName(file)
                .withBufferedIo(true).setLayout(PatternLayout.newBuilder().withPattern("%d %p %c [%t] %m%n").build())
                .build();
        org.apache.logging.log4j.core.config.Configuration cfg =
                ((org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false))
                        .getConfiguration();
        fileAppender.start();
        cfg.addAppender(fileAppender);
        AsyncAppender async = AsyncAppender.newBuilder().setName("async").setConfiguration(cfg)
                .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef("file", null, null)})
                .setBlocking(false).setBufferSize(262_144).build();
        asyncFile = BenchSupport.loggerWith("bench.asyncfile", async);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        emrs.observe.runtime.LogPipeline.shutdown();
        intake.close();
    }

    @Benchmark
    public void emrsDatadogAppender() {
        ours.info("processed partition {} of stage {} in {} ms", i++, 7, 42);
    }

    @Benchmark
    public void log4jAsyncFileAppender() {
        asyncFile.info("processed partition {} of stage {} in {} ms", i++, 7, 42);
    }
}
