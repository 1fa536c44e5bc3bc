package emrs.observe.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.management.OperatingSystemMXBean;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * The Datadog intake for benchmarks/plugin_spark_1m.py, in a process of its own: it keeps each
 * gzip body as it came and answers 202, and counts the events only when asked, between runs.
 * In production the intake is Datadog's; here it shares the cores with the job, so what it
 * costs per request (the JDK's HTTP server: a fraction of Python's) is reported, not hidden.
 *
 * <p>Prints "PORT n", then reads commands from stdin: "take" answers "events cpuMs requests"
 * (events and requests received since the last take, and this process's CPU time spent serving
 * them), "quit" exits.
 */
public final class IntakeServer {
    private IntakeServer() {
    }

    public static void main(String[] args) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.createContext("/", exchange -> {
            byte[] body = readAll(exchange.getRequestBody());
            synchronized (bodies) {
                bodies.add(body);
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("PORT " + server.getAddress().getPort());
        System.out.flush();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuMark = os.getProcessCpuTime();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            long servingCpuMs = (os.getProcessCpuTime() - cpuMark) / 1_000_000;
            List<byte[]> taken;
            synchronized (bodies) {
                taken = new ArrayList<>(bodies);
                bodies.clear();
            }
            long events = 0;
            for (byte[] body : taken) {
                events += count(body);
            }
            System.out.println(events + " " + servingCpuMs + " " + taken.size());
            System.out.flush();
            cpuMark = os.getProcessCpuTime();
        }
        server.stop(0);
        System.exit(0);
    }

    /** The elements of the JSON array in a gzip body. */
    private static long count(byte[] gzipBody) throws IOException {
        long n = 0;
        try (JsonParser p = new JsonFactory().createParser(new GZIPInputStream(new ByteArrayInputStream(gzipBody)))) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("a body that is not a JSON array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                p.skipChildren();
                n++;
            }
        }
        return n;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (InputStream s = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            byte[] buf = new byte[16 * 1024];
            for (int r = s.read(buf); r > 0; r = s.read(buf)) {
                out.write(buf, 0, r);
            }
            return out.toByteArray();
        }
    }
}
