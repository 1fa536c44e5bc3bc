package emrs.observe.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Status and body of one HTTP exchange. */
public final class HttpResponse {
    private final int status;
    private final byte[] body;
    private final Map<String, List<String>> headers;

    public HttpResponse(int status, byte[] body, Map<String, List<String>> headers) {
        this.status = status;
        this.body = body;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public byte[] body() {
        return body;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    public String header(String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    /** The body cut short for an error message: servers may echo large pages. */
    public String bodySnippet() {
        String text = bodyText().replaceAll("\\s+", " ").trim();
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
