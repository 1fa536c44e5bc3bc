package emrs.observe.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import emrs.observe.config.ObserveConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VaultTls against a real HTTPS server of the JDK, whose certificate keytool makes for a DNS name
 * only: the server is reached by IP, as behind a load balancer. (OpenBao with a private CA is in
 * tests/plugin/test_vault_tls.py; these are the cases that need no Spark job.)
 */
class VaultTlsTest {
    private static final String NAME = "vault.internal.example";
    private static final char[] PASS = "changeit".toCharArray();
    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static Path serverPem;
    private static Path otherPem;

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "vault", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + NAME + ",O=emrs-observe tests", "-ext", "SAN=dns:" + NAME,
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", new String(PASS));
        serverPem = dir.resolve("server.pem");
        keytool("-exportcert", "-rfc", "-alias", "vault", "-keystore", ks.toString(), "-storepass",
                new String(PASS), "-file", serverPem.toString());
        Path other = dir.resolve("other.p12");
        keytool("-genkeypair", "-alias", "other", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=Other Corp Root CA", "-keystore", other.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASS));
        otherPem = dir.resolve("other.pem");
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", other.toString(), "-storepass",
                new String(PASS), "-file", otherPem.toString());

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASS);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/v1/auth/token/lookup-self", ex -> {
            byte[] body = "{\"data\":{\"ttl\":600,\"renewable\":true}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = System.getProperty("java.home") + File.separator + "bin" + File.separator + "keytool";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = readAll(p.getInputStream());
        assertEquals(0, p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static VaultToken lookup(Map<String, String> conf, Map<String, String> env) throws VaultException {
        Map<String, String> c = new HashMap<>(conf);
        c.put(ObserveConfig.VAULT_ADDR, "https://127.0.0.1:" + server.getAddress().getPort());
        c.put(ObserveConfig.VAULT_SECRET_PATH, "datadog/emrs");
        return VaultClient.connect(ObserveConfig.parse(c), env).lookupSelf(new Secret("tok"));
    }

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void caFileAndServerNameLogIn() throws VaultException {
        Map<String, String> conf = new HashMap<>();
        conf.put(ObserveConfig.VAULT_CA_CERT, "file:" + serverPem);
        assertEquals(600, lookup(conf, env("VAULT_TLS_SERVER_NAME", NAME)).leaseSeconds);
    }

    @Test
    void caPathDirectoryIsReadSkippingFilesThatAreNoPem() throws Exception {
        Path capath = Files.createDirectories(dir.resolve("capath"));
        Files.copy(serverPem, capath.resolve("corp.pem"));
        Files.write(capath.resolve("README"), "not a certificate".getBytes(StandardCharsets.UTF_8));
        assertEquals(600, lookup(new HashMap<>(), env("VAULT_CAPATH", capath.toString(),
                "VAULT_TLS_SERVER_NAME", NAME)).leaseSeconds);
    }

    @Test
    void nameMismatchSaysWhichNamesTheCertificateHasAndWhatToSet() {
        VaultException e = assertThrows(VaultException.class,
                () -> lookup(new HashMap<>(), env("VAULT_CACERT", serverPem.toString())));
        assertTrue(e.getMessage().contains("it names DNS:" + NAME), e.getMessage());
        assertTrue(e.getMessage().contains("set VAULT_TLS_SERVER_NAME"), e.getMessage());
    }

    @Test
    void wrongServerNameIsNamedInTheRefusal() {
        VaultException e = assertThrows(VaultException.class, () -> lookup(new HashMap<>(),
                env("VAULT_CACERT", serverPem.toString(), "VAULT_TLS_SERVER_NAME", "vault.elsewhere.example")));
        assertTrue(e.getMessage().contains("is not for VAULT_TLS_SERVER_NAME vault.elsewhere.example: it names DNS:"
                + NAME), e.getMessage());
    }

    @Test
    void theDefaultTrustStoreDoesNotKnowAPrivateCa() {
        VaultException e = assertThrows(VaultException.class,
                () -> lookup(new HashMap<>(), env("VAULT_TLS_SERVER_NAME", NAME)));
        assertTrue(e.getMessage().contains("is not signed by a CA in the JVM's default trust store"), e.getMessage());
    }

    @Test
    void theSettingWinsOverTheEnvironmentAsTheCliFlagDoes() {
        Map<String, String> conf = new HashMap<>();
        conf.put(ObserveConfig.VAULT_CA_CERT, otherPem.toString());
        VaultException e = assertThrows(VaultException.class, () -> lookup(conf,
                env("VAULT_CACERT", serverPem.toString(), "VAULT_TLS_SERVER_NAME", NAME)));
        assertTrue(e.getMessage().contains("not signed by a CA in " + ObserveConfig.VAULT_CA_CERT + " " + otherPem
                + " (CN=Other Corp Root CA)"), e.getMessage());
    }

    @Test
    void unreadableCaSourcesAreNamed() throws IOException {
        Path missing = dir.resolve("no-such-ca.pem");
        VaultException e = assertThrows(VaultException.class,
                () -> lookup(new HashMap<>(), env("VAULT_CACERT", missing.toString())));
        assertEquals("cannot read the Vault CA certificate in VAULT_CACERT " + missing + ": no such file",
                e.getMessage());

        Path notPem = Files.write(dir.resolve("not.pem"), "hello".getBytes(StandardCharsets.UTF_8));
        Map<String, String> conf = new HashMap<>();
        conf.put(ObserveConfig.VAULT_CA_CERT, notPem.toString());
        e = assertThrows(VaultException.class, () -> lookup(conf, new HashMap<>()));
        assertTrue(e.getMessage().startsWith("the Vault CA certificate in " + ObserveConfig.VAULT_CA_CERT + " "
                + notPem + " is not PEM the JDK can read"), e.getMessage());

        Map<String, String> onClasspath = new HashMap<>();
        onClasspath.put(ObserveConfig.VAULT_CA_CERT, "classpath:certs/absent.pem");
        e = assertThrows(VaultException.class, () -> lookup(onClasspath, new HashMap<>()));
        assertTrue(e.getMessage().contains("classpath:certs/absent.pem: no such resource on the classpath"),
                e.getMessage());
    }
}
