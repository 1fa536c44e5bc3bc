package emrs.observe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * AWS's published SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30 vectors) through our use of
 * the SDK's signer: the request we build, the parameters we set, the headers we read back.
 */
class AwsRequestSignerTest {
    private static final AwsBasicCredentials SUITE = AwsBasicCredentials.create("AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static final Clock WHEN = Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC);
    private static final String PREFIX = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
            + "aws4_request, SignedHeaders=host;x-amz-date, Signature=";

    private static String authorization(String method, String url) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "example.amazonaws.com");
        // The suite encodes paths once, as S3 does; every other service encodes them twice.
        return new AwsRequestSigner("us-east-1", "service", false).sign(method, URI.create(url), h, new byte[0],
                SUITE, WHEN).get("Authorization");
    }

    private static String signature(String method, String url) {
        String auth = authorization(method, url);
        return auth.substring(auth.indexOf("Signature=") + "Signature=".length());
    }

    @Test
    void getVanilla() {
        assertEquals(PREFIX + "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                authorization("GET", "https://example.amazonaws.com/"));
    }

    @Test
    void getVanillaQueryOrderKeyCaseSortsParameters() {
        assertEquals("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                signature("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1"));
    }

    @Test
    void getUtf8EncodesThePath() {
        assertEquals("8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
                signature("GET", "https://example.amazonaws.com/%E1%88%B4"));
    }

    @Test
    void postVanilla() {
        assertEquals(PREFIX + "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
                authorization("POST", "https://example.amazonaws.com/"));
    }

    @Test
    void postVanillaQuery() {
        assertEquals("28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
                signature("POST", "https://example.amazonaws.com/?Param1=value1"));
    }

    @Test
    void sessionTokenAndVaultServerIdAreSentAndSigned() {
        AwsSessionCredentials temp = AwsSessionCredentials.create("AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token-123");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("X-Vault-AWS-IAM-Server-ID", "vault.example.com");
        Map<String, String> out = new AwsRequestSigner("us-east-1", "sts", true).sign("POST",
                URI.create("https://sts.amazonaws.com/"), h,
                "Action=GetCallerIdentity&Version=2011-06-15".getBytes(StandardCharsets.UTF_8), temp, WHEN);
        assertEquals("token-123", out.get("X-Amz-Security-Token"));
        assertEquals("sts.amazonaws.com", out.get("Host"));
        assertEquals("20150830T123600Z", out.get("X-Amz-Date"));
        String auth = out.get("Authorization");
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
                + "SignedHeaders=host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id, Signature="), auth);
        assertFalse(out.toString().contains("wJalrXUtnFEMI"), "the secret key is in the headers");
    }
}
