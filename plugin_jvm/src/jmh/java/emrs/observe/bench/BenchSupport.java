package emrs.observe.bench;

import com.sun.net.httpserver.HttpServer;
import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.log4j.DatadogAppender;
import emrs.observe.runtime.JobMetadata;
import emrs.observe.runtime.LogPipeline;
import emrs.observe.vault.Secret;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/** A local intake that drains and discards request bodies, and helpers to wire loggers. */
public final class BenchSupport {
    private BenchSupport() {
    }

    /** An HTTP server answering 202 to every POST after reading the body; counts requests. */
    public static final class LocalIntake implements AutoCloseable {
        public final HttpServer server;
        public final AtomicLong requests = new AtomicLong();

        public LocalIntake() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    byte[] buf = new byte[64 * 1024];
                    while (in.read(buf) > 0) {
                        // discard
                    }
                }
                requests.incrementAndGet();
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
            });
            // Daemon threads: the benchmark JVM must be able to exit when the trial ends.
            server.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "bench-intake");
                t.setDaemon(true);
                return t;
            }));
            server.start();
        }

        public String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2/logs";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Starts this JVM's pipeline (as the plugin would) against the given intake URL. */
    public static void startPipeline(String url, String bufferMaxBytes) {
        startPipeline(url, bufferMaxBytes, "200");
    }

    public static void startPipeline(String url, String bufferMaxBytes, String flushIntervalMs) {
        Map<String, String> conf = new HashMap<>();
        conf.put(ObserveConfig.DD_URL, url);
        conf.put(ObserveConfig.DD_BUFFER_MAX_BYTES, bufferMaxBytes);
        conf.put(ObserveConfig.DD_FLUSH_INTERVAL, flushIntervalMs);
        ObserveConfig cfg = ObserveConfig.parse(conf);
        JobMetadata meta = new JobMetadata("app-bench", "bench", null, null, null, "driver", "localhost",
                Collections.singletonMap("team", "bench"));
        LogPipeline.start(cfg, meta, new ApiKeyHolder(new Secret("bench-key"), null, Long.MAX_VALUE));
    }

    /** A non-additive logger writing only to the given appender. */
    public static Logger loggerWith(String name, Appender appender) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration cfg = ctx.getConfiguration();
        appender.start();
        cfg.addAppender(appender);
        LoggerConfig lc = new LoggerConfig(name, Level.INFO, false);
        lc.addAppender(appender, null, null);
        cfg.addLogger(name, lc);
        ctx.updateLoggers();
        return ctx.getLogger(name);
    }

    public static Logger oursLogger() {
        return loggerWith("bench.ours", DatadogAppender.createAppender("EmrsDatadog", null));
    }
}
