package emrs.observe.tests;

import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClientUtils;
import io.openlineage.client.transports.Transport;
import io.openlineage.client.transports.TransportBuilder;
import io.openlineage.client.transports.TransportConfig;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Stands, in the tests only, for AWS's closed-source `amazon_glue_api` transport, which EMR puts on
 * the classpath from emr-spark-8.2.0: it takes the settings the renderer writes for it (its region)
 * and appends every run event it gets, as OpenLineage's own toJson writes it, to the file named by
 * the EMRS_TEST_GLUE_EVENTS environment variable, so a test can see that the composite transport
 * kept Glue's feed beside ours. It is never part of the plugin jar.
 */
public final class GlueStandInTransportBuilder implements TransportBuilder {
    public static final class Config implements TransportConfig {
        private String region;

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }
    }

    @Override
    public String getType() {
        return "amazon_glue_api";
    }

    @Override
    public TransportConfig getConfig() {
        return new Config();
    }

    @Override
    public Transport build(TransportConfig config) {
        String region = ((Config) config).getRegion();
        if (region == null || region.isEmpty()) {
            throw new IllegalArgumentException("amazon_glue_api stand-in: no region");
        }
        return new Transport() {
            @Override
            public synchronized void emit(OpenLineage.RunEvent event) {
                try (OutputStream out = new FileOutputStream(System.getenv("EMRS_TEST_GLUE_EVENTS"), true)) {
                    out.write((region + "\t" + OpenLineageClientUtils.toJson(event) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void emit(OpenLineage.DatasetEvent event) {
            }

            @Override
            public void emit(OpenLineage.JobEvent event) {
            }
        };
    }
}
