package emrs.observe.openlineage;

import io.openlineage.client.transports.TransportConfig;

/**
 * The settings of the {@code emrs} transport, bound by OpenLineage from
 * {@code spark.openlineage.transport.*} (or {@code spark.openlineage.transport.transports.<name>.*}
 * inside a composite). A plain bean: OpenLineage binds it with its own, relocated Jackson, so it
 * carries no Jackson annotation, and inside a composite that binding refuses unknown keys, so
 * every key the renderer writes has a setter here.
 */
public final class S3LineageTransportConfig implements TransportConfig {
    private String location;

    public S3LineageTransportConfig() {
    }

    public S3LineageTransportConfig(String location) {
        this.location = location;
    }

    /** Where the objects go: {@code s3://bucket/prefix/} (EMRFS, s3a:// outside EMR) or {@code file:///dir/}. */
    public String getLocation() {
        return location;
    }

    public void setLocation(String location) {
        this.location = location;
    }

    @Override
    public String toString() {
        return "S3LineageTransportConfig(location=" + location + ")";
    }
}
