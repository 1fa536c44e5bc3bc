package emrs.observe.aws;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4, written out by hand: the only signed AWS call the plugin makes is
 * sts:GetCallerIdentity for Vault's AWS auth, and bundling the AWS SDK (tens of MB, and a
 * version clash with the one EMR puts on the classpath) for one HMAC chain is not worth it.
 * Verified against AWS's published signature test suite (see SigV4SignerTest).
 */
public final class SigV4Signer {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final String region;
    private final String service;

    public SigV4Signer(String region, String service) {
        this.region = region;
        this.service = service;
    }

    /** The pieces of one signature; exposed so tests can check each intermediate step. */
    public static final class Signature {
        public final String canonicalRequest;
        public final String stringToSign;
        public final String signedHeaders;
        public final String signature;
        public final String authorization;
        /** Headers to send: the input ones plus X-Amz-Date, the token, and Authorization. */
        public final Map<String, String> headers;

        Signature(String canonicalRequest, String stringToSign, String signedHeaders, String signature,
                String authorization, Map<String, String> headers) {
            this.canonicalRequest = canonicalRequest;
            this.stringToSign = stringToSign;
            this.signedHeaders = signedHeaders;
            this.signature = signature;
            this.authorization = authorization;
            this.headers = headers;
        }
    }

    /**
     * Signs a request. {@code headers} must not contain Authorization; Host is added from the URI
     * when absent. Every header given is signed (Vault checks that the server-id header is).
     */
    public Signature sign(String method, URI uri, Map<String, String> headers, byte[] payload,
            AwsCredentials credentials, ZonedDateTime when) {
        String amzDate = when.withZoneSameInstant(ZoneOffset.UTC).format(AMZ_DATE);
        String date = amzDate.substring(0, 8);

        Map<String, String> out = new LinkedHashMap<>(headers);
        if (!containsIgnoreCase(out, "host")) {
            String host = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
            out.put("Host", host);
        }
        if (!containsIgnoreCase(out, "x-amz-date")) {
            out.put("X-Amz-Date", amzDate);
        }
        if (credentials.sessionToken() != null) {
            out.put("X-Amz-Security-Token", credentials.sessionToken());
        }

        TreeMap<String, String> canonical = new TreeMap<>();
        for (Map.Entry<String, String> h : out.entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            String value = h.getValue().trim().replaceAll("\\s+", " ");
            canonical.merge(name, value, (a, b) -> a + "," + b);
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (Map.Entry<String, String> h : canonical.entrySet()) {
            canonicalHeaders.append(h.getKey()).append(':').append(h.getValue()).append('\n');
        }
        String signedHeaders = String.join(";", canonical.keySet());

        String canonicalRequest = method.toUpperCase(Locale.ROOT) + '\n'
                + canonicalPath(uri.getPath()) + '\n'
                + canonicalQuery(uri.getRawQuery()) + '\n'
                + canonicalHeaders + '\n'
                + signedHeaders + '\n'
                + hex(sha256(payload == null ? new byte[0] : payload));
        String scope = date + '/' + region + '/' + service + "/aws4_request";
        String stringToSign = ALGORITHM + '\n' + amzDate + '\n' + scope + '\n'
                + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));

        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = hex(hmac(key, stringToSign));
        String authorization = ALGORITHM + " Credential=" + credentials.accessKeyId() + '/' + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
        out.put("Authorization", authorization);
        return new Signature(canonicalRequest, stringToSign, signedHeaders, signature, authorization, out);
    }

    static String canonicalPath(String decodedPath) {
        if (decodedPath == null || decodedPath.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        String[] segments = decodedPath.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(encode(segments[i]));
        }
        return sb.toString();
    }

    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            pairs.add(new String[] {encode(decode(k)), encode(decode(v))});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder sb = new StringBuilder();
        for (String[] p : pairs) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /** RFC 3986 encoding as SigV4 wants it: only unreserved characters stay as they are. */
    static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), "UTF-8");
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean containsIgnoreCase(Map<String, String> headers, String name) {
        for (String k : headers.keySet()) {
            if (k.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from this JVM", e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
