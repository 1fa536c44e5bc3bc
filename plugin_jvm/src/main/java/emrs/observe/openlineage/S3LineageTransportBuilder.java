package emrs.observe.openlineage;

import io.openlineage.client.transports.Transport;
import io.openlineage.client.transports.TransportBuilder;
import io.openlineage.client.transports.TransportConfig;

/**
 * Found by OpenLineage's {@code TransportResolver} through {@code ServiceLoader}
 * ({@code META-INF/services/io.openlineage.client.transports.TransportBuilder} in this jar), which
 * reads the thread context class loader: Spark's, which holds the jars of {@code spark.jars}.
 * Enabled with {@code spark.openlineage.transport.type=emrs} and
 * {@code spark.openlineage.transport.location=s3://bucket/prefix/}.
 *
 * <p>ServiceLoader makes every builder it lists while OpenLineage looks for any transport type,
 * Glue's included, and one that fails to load breaks that search for all: this class does nothing
 * but name its type and config, and {@link #build} never throws.
 */
public final class S3LineageTransportBuilder implements TransportBuilder {
    public static final String TYPE = "emrs";

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public TransportConfig getConfig() {
        return new S3LineageTransportConfig();
    }

    @Override
    public Transport build(TransportConfig config) {
        return S3LineageTransport.create((S3LineageTransportConfig) config);
    }
}
