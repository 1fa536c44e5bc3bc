package emrs.observe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chain against local HTTP endpoints standing in for the container and instance metadata services. */
class AwsCredentialsChainTest {
    private static final String CREDS = "{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"s3cr3t\","
            + "\"Token\":\"tok\",\"Expiration\":\"2030-01-01T00:00:00Z\"}";
    private HttpServer server;
    private final AtomicReference<String> seenAuth = new AtomicReference<>();
    private final AtomicReference<String> seenImdsToken = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/creds", ex -> {
            seenAuth.set(ex.getRequestHeaders().getFirst("Authorization"));
            reply(ex, 200, CREDS);
        });
        server.createContext("/latest/api/token", ex -> {
            boolean put = "PUT".equals(ex.getRequestMethod())
                    && ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds") != null;
            reply(ex, put ? 200 : 403, "imds-token");
        });
        server.createContext("/latest/meta-data/iam/security-credentials/", ex -> {
            seenImdsToken.set(ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"));
            String path = ex.getRequestURI().getPath();
            reply(ex, 200, path.endsWith("/security-credentials/") ? "emr-role\n" : CREDS);
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void environmentComesFirst() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", "AKIA1");
        env.put("AWS_SECRET_ACCESS_KEY", "secret1");
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", base() + "/creds");
        AwsCredentials c = new AwsCredentialsChain(env, 1000).resolve();
        assertEquals("AKIA1", c.accessKeyId());
        assertEquals("environment", c.source());
    }

    @Test
    void containerEndpointWithAuthorizationToken() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", base() + "/creds");
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc");
        AwsCredentials c = new AwsCredentialsChain(env, 1000).resolve();
        assertEquals("ASIAEXAMPLE", c.accessKeyId());
        assertEquals("tok", c.sessionToken());
        assertEquals("Bearer abc", seenAuth.get());
    }

    @Test
    void instanceMetadataV2UsesASessionToken() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", base());
        AwsCredentials c = new AwsCredentialsChain(env, 1000).resolve();
        assertEquals("ASIAEXAMPLE", c.accessKeyId());
        assertEquals("instance metadata (IMDSv2)", c.source());
        assertEquals("imds-token", seenImdsToken.get());
    }

    @Test
    void nothingFoundSaysWhatWasTried() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        IOException e = assertThrows(IOException.class, () -> new AwsCredentialsChain(env, 200).resolve());
        assertTrue(e.getMessage().contains("no AWS credentials found; tried environment"), e.getMessage());
        assertTrue(e.getMessage().contains("container endpoint"), e.getMessage());
    }
}
