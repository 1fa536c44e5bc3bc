package emrs.observe.aws;

import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointParams;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointProvider;

/** The STS endpoint of a region, from the SDK's endpoint rules, so the partition decides the host. */
public final class StsEndpoints {
    private StsEndpoints() {
    }

    /**
     * {@code https://sts.amazonaws.com} for us-east-1 (Vault's default {@code sts_endpoint}),
     * the regional endpoint elsewhere: {@code sts.cn-north-1.amazonaws.com.cn} in China,
     * {@code sts.us-gov-west-1.amazonaws.com} in GovCloud. A region the SDK does not know yet
     * gets the host pattern of the partition its name matches.
     */
    public static String forRegion(String region) {
        StsEndpointParams params = StsEndpointParams.builder().region(Region.of(region))
                .useGlobalEndpoint("us-east-1".equals(region)).build();
        Endpoint endpoint = StsEndpointProvider.defaultProvider().resolveEndpoint(params).join();
        String url = endpoint.url().toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
