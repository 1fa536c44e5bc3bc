package emrs.observe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import emrs.observe.vault.VaultLogin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain against local HTTP endpoints standing in for STS and the container and instance metadata services. */
class AwsCredentialsChainTest {
    private static final String CREDS = "{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"s3cr3t\","
            + "\"Token\":\"tok\",\"Expiration\":\"2030-01-01T00:00:00Z\"}";
    private static final String ROLE = "arn:aws:iam::123456789012:role/emr-spark";
    private static final String STS_ANSWER = "<AssumeRoleWithWebIdentityResponse "
            + "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult>"
            + "<Credentials><AccessKeyId>ASIAWEBIDENTITY</AccessKeyId><SecretAccessKey>webSecret/+1</SecretAccessKey>"
            + "<SessionToken>webSessionToken</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
            + "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    private static final String STS_REFUSAL = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
            + "<Message>Token expired: current date/time 1700000000 must be before the expiration date/time</Message>"
            + "</Error><RequestId>r-1</RequestId></ErrorResponse>";
    private HttpServer server;
    private final AtomicReference<String> seenAuth = new AtomicReference<>();
    private final AtomicReference<String> seenImdsToken = new AtomicReference<>();
    private final Map<String, String> stsForm = new HashMap<>();
    private final Map<String, String> stsHeaders = new HashMap<>();
    private volatile boolean stsRefuses;

    @TempDir
    Path tmp;

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
        server.createContext("/sts/", ex -> {
            stsHeaders.put("method", ex.getRequestMethod());
            stsHeaders.put("Content-Type", ex.getRequestHeaders().getFirst("Content-Type"));
            stsHeaders.put("Authorization", ex.getRequestHeaders().getFirst("Authorization"));
            String form = new String(readAll(ex.getRequestBody()), StandardCharsets.UTF_8);
            for (String pair : form.split("&")) {
                String[] kv = pair.split("=", 2);
                stsForm.put(URLDecoder.decode(kv[0], "UTF-8"), kv.length > 1 ? URLDecoder.decode(kv[1], "UTF-8") : "");
            }
            reply(ex, stsRefuses ? 400 : 200, stsRefuses ? STS_REFUSAL : STS_ANSWER);
        });
        server.start();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
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

    /** What EKS / EMR on EKS give a pod: a projected token file and the role to assume with it. */
    private Map<String, String> webIdentityEnv(Path tokenFile) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
        env.put("AWS_ROLE_ARN", ROLE);
        env.put("AWS_ENDPOINT_URL_STS", base() + "/sts");
        // Set so a chain that skipped web identity would visibly land on the container endpoint instead.
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", base() + "/creds");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        return env;
    }

    @Test
    void webIdentityAssumesTheRoleWithTheTokenFromTheFile() throws IOException {
        Path token = Files.write(tmp.resolve("token"), "eyJhbGciOi.projected.token\n".getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = webIdentityEnv(token);
        env.put("AWS_ROLE_SESSION_NAME", "emr-job-42");

        AwsCredentials c = new AwsCredentialsChain(env, 1000).resolve();

        assertEquals("POST", stsHeaders.get("method"));
        assertTrue(stsHeaders.get("Content-Type").startsWith("application/x-www-form-urlencoded"));
        // The token is the proof: the request is not signed, there are no credentials yet to sign it with.
        assertNull(stsHeaders.get("Authorization"));
        assertEquals("AssumeRoleWithWebIdentity", stsForm.get("Action"));
        assertEquals("2011-06-15", stsForm.get("Version"));
        assertEquals(ROLE, stsForm.get("RoleArn"));
        assertEquals("emr-job-42", stsForm.get("RoleSessionName"));
        assertEquals("eyJhbGciOi.projected.token", stsForm.get("WebIdentityToken"));
        assertEquals("ASIAWEBIDENTITY", c.accessKeyId());
        assertEquals("webSecret/+1", c.secretAccessKey());
        assertEquals("webSessionToken", c.sessionToken());
        assertEquals("web identity token (" + ROLE + ")", c.source());
        assertNull(seenAuth.get(), "the container endpoint was asked although web identity applied");
    }

    @Test
    void webIdentityCredentialsSignTheVaultLoginRequest() throws IOException {
        Path token = Files.write(tmp.resolve("token"), "t".getBytes(StandardCharsets.UTF_8));
        AwsCredentials c = new AwsCredentialsChain(webIdentityEnv(token), 1000).resolve();

        ObjectNode body = VaultLogin.awsLoginBody("emr-spark", "https://sts.amazonaws.com", "us-east-1", null, c,
                ZonedDateTime.now(ZoneOffset.UTC));

        JsonNode headers = new ObjectMapper().readTree(Base64.getDecoder().decode(body.get("iam_request_headers")
                .asText()));
        String auth = headers.path("Authorization").path(0).asText();
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=ASIAWEBIDENTITY/"), auth);
        assertEquals("webSessionToken", headers.path("X-Amz-Security-Token").path(0).asText());
        // Without AWS_ROLE_SESSION_NAME the session still gets a name STS accepts and CloudTrail shows as ours.
        assertTrue(stsForm.get("RoleSessionName").matches("emrs-observe-\\d+"), stsForm.get("RoleSessionName"));
    }

    @Test
    void missingTokenFileIsNamedWithItsVariable() {
        Path missing = tmp.resolve("no-such-token");
        IOException e = assertThrows(IOException.class,
                () -> new AwsCredentialsChain(webIdentityEnv(missing), 1000).resolve());
        assertTrue(e.getMessage().contains("AWS_WEB_IDENTITY_TOKEN_FILE " + missing), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        assertTrue(stsForm.isEmpty(), "STS was called without a token");
    }

    @Test
    void unreadableTokenFileIsNamedWithTheReason() throws IOException {
        // A directory: unreadable as a file even for root, who ignores permission bits.
        Path dir = Files.createDirectory(tmp.resolve("token-dir"));
        IOException e = assertThrows(IOException.class,
                () -> new AwsCredentialsChain(webIdentityEnv(dir), 1000).resolve());
        assertTrue(e.getMessage().contains("AWS_WEB_IDENTITY_TOKEN_FILE " + dir), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("directory"), e.getMessage());
    }

    @Test
    void missingContainerAuthorizationTokenFileIsNamedWithItsVariable() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", base() + "/creds");
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tmp.resolve("no-auth-token").toString());
        IOException e = assertThrows(IOException.class, () -> new AwsCredentialsChain(env, 1000).resolve());
        assertTrue(e.getMessage().contains("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + tmp.resolve("no-auth-token")
                + ": no such file"), e.getMessage());
    }

    @Test
    void stsRefusalCarriesStsOwnReason() throws IOException {
        stsRefuses = true;
        Path token = Files.write(tmp.resolve("token"), "jwt-that-expired".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class,
                () -> new AwsCredentialsChain(webIdentityEnv(token), 1000).resolve());
        assertTrue(e.getMessage().contains("AssumeRoleWithWebIdentity at " + base() + "/sts for " + ROLE),
                e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
        assertTrue(e.getMessage().contains("InvalidIdentityToken: Token expired"), e.getMessage());
        assertFalse(e.getMessage().contains("jwt-that-expired"), "the token itself is in the message");
    }
}
