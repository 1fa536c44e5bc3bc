package emrs.observe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AWS's published SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30 vectors). */
class SigV4SignerTest {
    private static final AwsCredentials SUITE = new AwsCredentials("AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null, "test suite");
    private static final ZonedDateTime WHEN = ZonedDateTime.of(2015, 8, 30, 12, 36, 0, 0, ZoneOffset.UTC);
    private static final String PREFIX = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
            + "aws4_request, SignedHeaders=host;x-amz-date, Signature=";

    private static SigV4Signer.Signature sign(String method, String url, byte[] body, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "example.amazonaws.com");
        h.put("X-Amz-Date", "20150830T123600Z");
        h.putAll(headers);
        return new SigV4Signer("us-east-1", "service").sign(method, URI.create(url), h, body, SUITE, WHEN);
    }

    private static SigV4Signer.Signature sign(String method, String url) {
        return sign(method, url, new byte[0], new LinkedHashMap<>());
    }

    @Test
    void getVanilla() {
        SigV4Signer.Signature s = sign("GET", "https://example.amazonaws.com/");
        assertEquals("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", s.canonicalRequest);
        assertEquals("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", s.stringToSign);
        assertEquals(PREFIX + "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", s.authorization);
    }

    @Test
    void getVanillaQueryOrderKeyCaseSortsParameters() {
        assertEquals("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                sign("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1").signature);
    }

    @Test
    void getUtf8EncodesThePath() {
        assertEquals("8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
                sign("GET", "https://example.amazonaws.com/%E1%88%B4").signature);
    }

    @Test
    void postVanilla() {
        assertEquals(PREFIX + "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
                sign("POST", "https://example.amazonaws.com/").authorization);
    }

    @Test
    void postVanillaQuery() {
        assertEquals("28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
                sign("POST", "https://example.amazonaws.com/?Param1=value1").signature);
    }

    @Test
    void sessionTokenIsSentAndSigned() {
        AwsCredentials temp = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "token-123", "test");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("X-Vault-AWS-IAM-Server-ID", "vault.example.com");
        SigV4Signer.Signature s = new SigV4Signer("us-east-1", "sts").sign("POST", URI.create("https://sts.amazonaws.com/"),
                h, "Action=GetCallerIdentity&Version=2011-06-15".getBytes(StandardCharsets.UTF_8), temp, WHEN);
        assertEquals("token-123", s.headers.get("X-Amz-Security-Token"));
        assertEquals("host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id", s.signedHeaders);
        assertTrue(s.authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/"));
    }

    @Test
    void credentialsNeverPrintThemselves() {
        assertEquals("AwsCredentials(from test suite)", SUITE.toString());
    }
}
