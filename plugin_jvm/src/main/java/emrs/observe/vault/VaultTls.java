package emrs.observe.vault;

import emrs.observe.config.ObserveConfig;
import emrs.observe.runtime.Warnings;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Whom the plugin trusts for Vault's TLS certificate, the way Vault's own clients decide it: a CA
 * named by {@code vault.caCert} (a PEM on the classpath or a file; like the CLI's -ca-cert flag it
 * wins), else {@code VAULT_CACERT} (a PEM file, which may hold several certificates), else
 * {@code VAULT_CAPATH} (a directory of PEM files), else the JVM's default trust store. A CA given
 * replaces the default store, as in Vault's Go client. {@code VAULT_TLS_SERVER_NAME} is the name
 * sent as SNI and checked against the certificate, for a Vault reached by IP or through a load
 * balancer. Verification is never skipped: {@code VAULT_SKIP_VERIFY} is refused with a warning.
 *
 * <p>The JDK does the checking (PKIX path, expiry, RFC 2818 names); this class only chooses the
 * anchors and the name, and rewords a refusal so that it names the certificate and what is wrong.
 */
public final class VaultTls {
    private VaultTls() {
    }

    public static SSLSocketFactory socketFactory(ObserveConfig cfg, Map<String, String> env) throws VaultException {
        String skip = env.get("VAULT_SKIP_VERIFY");
        if (skip != null && !skip.trim().isEmpty() && !"false".equalsIgnoreCase(skip.trim())
                && !"0".equals(skip.trim())) {
            Warnings.once("vault-skip-verify", "VAULT_SKIP_VERIFY is set but ignored: the plugin always verifies "
                    + "Vault's certificate. Give it the CA instead (" + ObserveConfig.VAULT_CA_CERT
                    + ", VAULT_CACERT or VAULT_CAPATH)");
        }
        String serverName = blankToNull(env.get("VAULT_TLS_SERVER_NAME"));
        try {
            Anchors anchors = anchors(cfg, env);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors.store);
            X509ExtendedTrustManager jdk = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager) {
                    jdk = (X509ExtendedTrustManager) tm;
                }
            }
            if (jdk == null) {
                throw new VaultException("this JVM's " + tmf.getAlgorithm() + " trust manager cannot check host names");
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Explaining(jdk, anchors.description, serverName)}, null);
            return new NamedSocketFactory(ctx.getSocketFactory(), serverName);
        } catch (GeneralSecurityException e) {
            throw new VaultException("cannot set up TLS for Vault: " + e, e);
        }
    }

    /** The trust anchors and how to name them in a message; a null store means the JVM's default. */
    private static final class Anchors {
        final KeyStore store;
        final String description;

        Anchors(KeyStore store, String description) {
            this.store = store;
            this.description = description;
        }
    }

    private static Anchors anchors(ObserveConfig cfg, Map<String, String> env)
            throws VaultException, GeneralSecurityException {
        List<Certificate> certs = new ArrayList<>();
        String description;
        if (cfg.vaultCaCert != null) {
            description = ObserveConfig.VAULT_CA_CERT + " " + cfg.vaultCaCert;
            certs.addAll(readLocation(cfg.vaultCaCert, description));
        } else if (blankToNull(env.get("VAULT_CACERT")) != null) {
            String file = env.get("VAULT_CACERT").trim();
            description = "VAULT_CACERT " + file;
            certs.addAll(readFile(Paths.get(file), description));
        } else if (blankToNull(env.get("VAULT_CAPATH")) != null) {
            Path dir = Paths.get(env.get("VAULT_CAPATH").trim());
            description = "VAULT_CAPATH " + dir;
            if (!Files.isDirectory(dir)) {
                throw new VaultException("cannot read the Vault CA certificates in " + description + ": not a directory");
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    // Vault's Go client reads every regular file there; so do we, skipping what is no PEM.
                    if (Files.isRegularFile(f)) {
                        certs.addAll(parse(Files.readAllBytes(f), description + File.separator + f.getFileName(), true));
                    }
                }
            } catch (IOException e) {
                throw new VaultException("cannot read the Vault CA certificates in " + description + ": "
                        + VaultClient.describe(e), e);
            }
        } else {
            return new Anchors(null, "the JVM's default trust store");
        }
        if (certs.isEmpty()) {
            throw new VaultException("no PEM certificate in " + description);
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new VaultException("cannot create an in-memory trust store: " + e, e);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < certs.size(); i++) {
            store.setCertificateEntry("vault-ca-" + i, certs.get(i));
            names.add(subject(certs.get(i)));
        }
        return new Anchors(store, description + " (" + String.join("; ", names) + ")");
    }

    /** {@code classpath:path/in/jar.pem}, {@code file:/path.pem} or a plain path. */
    private static List<Certificate> readLocation(String location, String description)
            throws VaultException, GeneralSecurityException {
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length()).replaceAll("^/+", "");
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            InputStream in = context == null ? null : context.getResourceAsStream(resource);
            if (in == null) {
                in = VaultTls.class.getClassLoader().getResourceAsStream(resource);
            }
            if (in == null) {
                throw new VaultException("cannot read the Vault CA certificate in " + description
                        + ": no such resource on the classpath (spark.jars, extraClassPath)");
            }
            try (InputStream stream = in) {
                return parse(readAll(stream), description, false);
            } catch (IOException e) {
                throw new VaultException("cannot read the Vault CA certificate in " + description + ": "
                        + VaultClient.describe(e), e);
            }
        }
        return readFile(Paths.get(location.startsWith("file:") ? location.substring("file:".length()) : location),
                description);
    }

    private static List<Certificate> readFile(Path file, String description)
            throws VaultException, GeneralSecurityException {
        try {
            return parse(Files.readAllBytes(file), description, false);
        } catch (NoSuchFileException e) {
            throw new VaultException("cannot read the Vault CA certificate in " + description + ": no such file", e);
        } catch (IOException e) {
            throw new VaultException("cannot read the Vault CA certificate in " + description + ": "
                    + VaultClient.describe(e), e);
        }
    }

    private static List<Certificate> parse(byte[] pem, String description, boolean lenient)
            throws VaultException, GeneralSecurityException {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem));
            return new ArrayList<>(certs);
        } catch (CertificateException e) {
            if (lenient) {
                return Collections.emptyList();
            }
            throw new VaultException("the Vault CA certificate in " + description + " is not PEM the JDK can read: "
                    + e.getMessage(), e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static String subject(Certificate c) {
        return c instanceof X509Certificate ? ((X509Certificate) c).getSubjectX500Principal().getName() : c.getType();
    }

    private static String blankToNull(String s) {
        return s == null || s.trim().isEmpty() ? null : s.trim();
    }

    /**
     * The JDK's trust manager with refusals reworded: "PKIX path building failed" says neither
     * which certificate nor which CAs were tried, and a name mismatch does not say which names the
     * certificate has.
     */
    static final class Explaining extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;
        private final String trusted;
        private final String serverName;

        Explaining(X509ExtendedTrustManager jdk, String trusted, String serverName) {
            this.jdk = jdk;
            this.trusted = trusted;
            this.serverName = serverName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw explain(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw explain(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                throw explain(chain, e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            jdk.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            jdk.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }

        private CertificateException explain(X509Certificate[] chain, CertificateException e) {
            if (chain == null || chain.length == 0) {
                return e;
            }
            X509Certificate leaf = chain[0];
            String who = "Vault's certificate '" + leaf.getSubjectX500Principal().getName() + "' (issued by '"
                    + leaf.getIssuerX500Principal().getName() + "')";
            String why;
            Throwable root = rootCause(e);
            if (root instanceof CertificateExpiredException || root instanceof CertificateNotYetValidException
                    || (root instanceof CertPathValidatorException
                            && ((CertPathValidatorException) root).getReason()
                                    == CertPathValidatorException.BasicReason.EXPIRED)) {
                why = "is outside its validity (" + leaf.getNotBefore() + " to " + leaf.getNotAfter() + "): "
                        + e.getMessage();
            } else if (root instanceof CertPathBuilderException || root instanceof CertPathValidatorException
                    || String.valueOf(e.getMessage()).contains("PKIX")) {
                why = "is not signed by a CA in " + trusted + " (" + e.getMessage() + ")";
            } else if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("match")) {
                why = "is not for " + (serverName != null ? "VAULT_TLS_SERVER_NAME " + serverName : "this address")
                        + ": it names " + names(leaf) + (serverName != null ? "" : "; if Vault is reached by another "
                        + "name than its certificate's, set VAULT_TLS_SERVER_NAME to one of those")
                        + " (" + e.getMessage() + ")";
            } else {
                why = "was refused: " + e.getMessage();
            }
            return new CertificateException(who + " " + why, e);
        }

        private static Throwable rootCause(Throwable t) {
            Throwable r = t;
            while (r.getCause() != null && r.getCause() != r) {
                r = r.getCause();
            }
            return r;
        }

        private static String names(X509Certificate cert) {
            List<String> out = new ArrayList<>();
            try {
                Collection<List<?>> sans = cert.getSubjectAlternativeNames();
                if (sans != null) {
                    for (List<?> san : sans) {
                        Object kind = san.get(0);
                        if (Integer.valueOf(2).equals(kind)) {
                            out.add("DNS:" + san.get(1));
                        } else if (Integer.valueOf(7).equals(kind)) {
                            out.add("IP:" + san.get(1));
                        }
                    }
                }
            } catch (CertificateParsingException ignored) {
                // Fall back to the subject below.
            }
            return out.isEmpty() ? "no DNS or IP names (subject " + cert.getSubjectX500Principal().getName() + ")"
                    : String.join(", ", out);
        }
    }

    /**
     * Every socket checks the host name during the handshake (the JDK's RFC 2818 rules) against
     * the URL's host, or against VAULT_TLS_SERVER_NAME when set, which is also sent as SNI.
     * HttpsURLConnection then skips its own check, which could only compare with the URL's host.
     */
    static final class NamedSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String serverName;

        NamedSocketFactory(SSLSocketFactory delegate, String serverName) {
            this.delegate = delegate;
            this.serverName = serverName;
        }

        private Socket named(Socket s) {
            if (s instanceof SSLSocket) {
                SSLSocket ssl = (SSLSocket) s;
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                if (serverName != null) {
                    p.setServerNames(Collections.singletonList(new SNIHostName(serverName)));
                }
                ssl.setSSLParameters(p);
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return named(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return named(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return named(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return named(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return named(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return named(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
