package emrs.observe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The STS host follows the region's partition, as the SDK's endpoint rules say. */
class StsEndpointsTest {
    @Test
    void usEast1IsTheGlobalEndpointVaultDefaultsTo() {
        assertEquals("https://sts.amazonaws.com", StsEndpoints.forRegion("us-east-1"));
    }

    @Test
    void otherCommercialRegionsAreRegional() {
        assertEquals("https://sts.eu-west-1.amazonaws.com", StsEndpoints.forRegion("eu-west-1"));
    }

    @Test
    void chinaRegionsUseTheChinaPartitionsDomain() {
        assertEquals("https://sts.cn-north-1.amazonaws.com.cn", StsEndpoints.forRegion("cn-north-1"));
        assertEquals("https://sts.cn-northwest-1.amazonaws.com.cn", StsEndpoints.forRegion("cn-northwest-1"));
    }

    @Test
    void govCloudRegionsUseTheirOwnPartition() {
        assertEquals("https://sts.us-gov-west-1.amazonaws.com", StsEndpoints.forRegion("us-gov-west-1"));
        assertEquals("https://sts.us-gov-east-1.amazonaws.com", StsEndpoints.forRegion("us-gov-east-1"));
    }
}
