package emrs.observe.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP exchange over {@link HttpURLConnection}: the plugin must load on Java 8 and may not
 * bring an HTTP client of its own, so this is the whole transport for Vault, AWS and Datadog.
 */
public final class HttpCall {
    private final String method;
    private final URL url;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body;
    private int bodyLength;
    private int connectTimeoutMs = 5_000;
    private int readTimeoutMs = 10_000;
    private SSLSocketFactory tls;

    private HttpCall(String method, URL url) {
        this.method = method;
        this.url = url;
    }

    public static HttpCall of(String method, String url) throws IOException {
        return new HttpCall(method, new URL(url));
    }

    public HttpCall header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public HttpCall body(byte[] body) {
        return body(body, body.length);
    }

    /** The first {@code length} bytes of {@code body}: lets a caller reuse one buffer per request. */
    public HttpCall body(byte[] body, int length) {
        this.body = body;
        this.bodyLength = length;
        return this;
    }

    public HttpCall body(String body) {
        return body(body.getBytes(StandardCharsets.UTF_8));
    }

    public HttpCall timeouts(int connectMs, int readMs) {
        this.connectTimeoutMs = connectMs;
        this.readTimeoutMs = readMs;
        return this;
    }

    /** TLS for an https URL: whom to trust and which name to verify. Null: the JVM's defaults. */
    public HttpCall tls(SSLSocketFactory factory) {
        this.tls = factory;
        return this;
    }

    public URL url() {
        return url;
    }

    /** Performs the call; any status is a response, only transport failures throw. */
    public HttpResponse execute() throws IOException {
        HttpURLConnection conn = (HttpURLConnection) url.openConnection();
        conn.setRequestMethod(method);
        conn.setConnectTimeout(connectTimeoutMs);
        conn.setReadTimeout(readTimeoutMs);
        conn.setInstanceFollowRedirects(false);
        conn.setUseCaches(false);
        if (tls != null && conn instanceof HttpsURLConnection) {
            // One factory instance per server: the JDK only reuses a kept-alive TLS connection
            // made with the same factory.
            ((HttpsURLConnection) conn).setSSLSocketFactory(tls);
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            conn.setRequestProperty(h.getKey(), h.getValue());
        }
        if (body != null) {
            conn.setDoOutput(true);
            conn.setFixedLengthStreamingMode(bodyLength);
            try (OutputStream out = conn.getOutputStream()) {
                out.write(body, 0, bodyLength);
            }
        }
        int status = conn.getResponseCode();
        // Draining the stream (not disconnecting) lets the JDK keep the connection alive.
        InputStream in = status >= 400 ? conn.getErrorStream() : conn.getInputStream();
        byte[] payload = in == null ? new byte[0] : readAll(in);
        return new HttpResponse(status, payload, Collections.unmodifiableMap(conn.getHeaderFields()));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (InputStream stream = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = stream.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
