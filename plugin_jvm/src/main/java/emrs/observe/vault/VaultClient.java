package emrs.observe.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import emrs.observe.config.ObserveConfig;
import emrs.observe.http.HttpCall;
import emrs.observe.http.HttpResponse;
import java.io.IOException;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/** The few Vault HTTP API calls the plugin needs: logins, KV v2 read, token lookup and renewal. */
public final class VaultClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String addr;
    private final String namespace;
    private final int timeoutMs;
    private final SSLSocketFactory tls;

    public VaultClient(String addr, String namespace, int timeoutMs, SSLSocketFactory tls) {
        this.addr = addr;
        this.namespace = namespace;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
    }

    /** The client for the configured Vault, trusting its certificate as {@link VaultTls} says. */
    public static VaultClient connect(ObserveConfig cfg, Map<String, String> env) throws VaultException {
        SSLSocketFactory tls = cfg.vaultAddr.startsWith("https:") ? VaultTls.socketFactory(cfg, env) : null;
        return new VaultClient(cfg.vaultAddr, cfg.vaultNamespace, cfg.vaultTimeoutMs, tls);
    }

    public String addr() {
        return addr;
    }

    /** POST /v1/auth/{mount}/login with the given body; returns the client token. */
    public VaultToken login(String mount, ObjectNode body, String what) throws VaultException {
        String path = "/v1/auth/" + mount + "/login";
        JsonNode reply = call("POST", path, null, body.toString(), what);
        JsonNode auth = reply.path("auth");
        String token = auth.path("client_token").asText("");
        if (token.isEmpty()) {
            throw new VaultException(what + " at " + where(path) + " returned no client token");
        }
        return new VaultToken(new Secret(token), auth.path("lease_duration").asLong(0),
                auth.path("renewable").asBoolean(false));
    }

    /** GET /v1/auth/token/lookup-self: how long a token given to us from outside still lives. */
    public VaultToken lookupSelf(Secret token) throws VaultException {
        JsonNode data = call("GET", "/v1/auth/token/lookup-self", token, null, "Vault token lookup").path("data");
        return new VaultToken(token, data.path("ttl").asLong(0), data.path("renewable").asBoolean(false));
    }

    /** POST /v1/auth/token/renew-self. */
    public VaultToken renewSelf(Secret token) throws VaultException {
        JsonNode auth = call("POST", "/v1/auth/token/renew-self", token, "{}", "Vault token renewal").path("auth");
        return new VaultToken(token, auth.path("lease_duration").asLong(0), auth.path("renewable").asBoolean(false));
    }

    /** Reads one field of a KV v2 secret: GET /v1/{mount}/data/{path}. */
    public Secret readKv2(Secret token, String mount, String secretPath, String field) throws VaultException {
        String path = "/v1/" + mount + "/data/" + secretPath;
        JsonNode data = call("GET", path, token, null, "Vault KV v2 read").path("data").path("data");
        JsonNode value = data.get(field);
        if (value == null || value.isNull() || value.asText("").isEmpty()) {
            throw new VaultException("Vault KV v2 secret " + mount + "/" + secretPath + " at " + where("")
                    + " has no field '" + field + "' (fields present: " + fieldNames(data) + ")");
        }
        return new Secret(value.asText());
    }

    private JsonNode call(String method, String path, Secret token, String body, String what)
            throws VaultException {
        HttpResponse r;
        try {
            HttpCall call = HttpCall.of(method, addr + path).timeouts(timeoutMs, timeoutMs).tls(tls)
                    .header("Accept", "application/json");
            if (namespace != null) {
                call.header("X-Vault-Namespace", namespace);
            }
            if (token != null) {
                call.header("X-Vault-Token", token.reveal());
            }
            if (body != null) {
                call.header("Content-Type", "application/json").body(body);
            }
            r = call.execute();
        } catch (IOException e) {
            throw new VaultException(what + " at " + where(path) + " failed: " + describe(e), e);
        }
        if (!r.ok()) {
            throw new VaultException(what + " at " + where(path) + " failed: HTTP " + r.status()
                    + vaultErrors(r));
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new VaultException(what + " at " + where(path) + " returned a body that is not JSON");
        }
    }

    /**
     * The address and path, and the namespace when one is set: the same path in another
     * namespace is another secret, and "invalid role" often means the wrong namespace.
     */
    private String where(String path) {
        return addr + path + (namespace == null ? "" : " (namespace " + namespace + ")");
    }

    private static String vaultErrors(HttpResponse r) {
        try {
            JsonNode errors = JSON.readTree(r.body()).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                StringBuilder sb = new StringBuilder(": ");
                for (int i = 0; i < errors.size(); i++) {
                    sb.append(i == 0 ? "" : "; ").append(errors.get(i).asText());
                }
                return sb.toString();
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Vault's JSON error shape (a proxy's page, say): fall through to the raw snippet.
        }
        String snippet = r.bodySnippet();
        return snippet.isEmpty() ? "" : ": " + snippet;
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
    }

    private static String fieldNames(JsonNode data) {
        StringBuilder sb = new StringBuilder();
        data.fieldNames().forEachRemaining(n -> sb.append(sb.length() == 0 ? "" : ", ").append(n));
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
