package emrs.observe.aws;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * Signs one HTTP request with the AWS SDK's SigV4 signer and hands back the headers to send.
 *
 * <p>The SDK's {@code Aws4Signer}, not its newer {@code AwsV4HttpSigner}: the newer one always
 * adds and signs {@code x-amz-content-sha256}, an S3 header that botocore and the Vault CLI do
 * not send for STS, and that puts its output outside AWS's published SigV4 test suite. This one
 * signs exactly what the suite specifies (see AwsRequestSignerTest); it is deprecated in favour
 * of the newer one but shipped and maintained across 2.x, and the version is pinned.
 */
@SuppressWarnings("deprecation")
public final class AwsRequestSigner {
    private static final Aws4Signer SIGNER = Aws4Signer.create();

    private final Region region;
    private final String service;
    private final boolean doubleUrlEncode;

    /**
     * @param doubleUrlEncode true for every service but S3 (AWS encodes the already encoded path
     *     again); false reproduces AWS's published test suite, which encodes paths once
     */
    public AwsRequestSigner(String region, String service, boolean doubleUrlEncode) {
        this.region = Region.of(region);
        this.service = service;
        this.doubleUrlEncode = doubleUrlEncode;
    }

    /**
     * The headers given plus Host, X-Amz-Date, X-Amz-Security-Token (temporary credentials) and
     * Authorization. Every header given is signed: Vault checks that its server-id header is.
     */
    public Map<String, String> sign(String method, URI uri, Map<String, String> headers, byte[] payload,
            AwsCredentials credentials, Clock clock) {
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(uri).contentStreamProvider(() -> new ByteArrayInputStream(payload));
        for (Map.Entry<String, String> h : headers.entrySet()) {
            request.putHeader(h.getKey(), h.getValue());
        }
        Aws4SignerParams params = Aws4SignerParams.builder().awsCredentials(credentials).signingName(service)
                .signingRegion(region).doubleUrlEncode(doubleUrlEncode).signingClockOverride(clock).build();
        SdkHttpFullRequest signed = SIGNER.sign(request.build(), params);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
            out.put(h.getKey(), String.join(",", h.getValue()));
        }
        return out;
    }
}
