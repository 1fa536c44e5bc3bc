package emrs.observe.openlineage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import emrs.observe.lineage.LineageJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One OpenLineage lineage object (docs/architecture.md): the run events of one SQL execution,
 * each exactly as OpenLineage's own serialiser wrote it, wrapped with the job metadata:
 * {@code {"format": "emrs-observe.openlineage", "version": 1, "events": [...], "job": {...}}}.
 */
final class OpenLineageDocument {
    static final String FORMAT = "emrs-observe.openlineage";
    static final int VERSION = 1;
    private static final JsonFactory JSON = new JsonFactory();

    private OpenLineageDocument() {
    }

    /** The object's bytes; the events are copied in as they are, never parsed again. */
    static byte[] toJson(List<String> events, LineageJob job) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + events.stream().mapToInt(String::length).sum());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeNumberField("version", VERSION);
            g.writeArrayFieldStart("events");
            for (String event : events) {
                g.writeRawValue(event);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("job");
            g.writeStringField("sparkAppId", job.sparkAppId);
            g.writeStringField("sparkAppName", job.sparkAppName);
            g.writeStringField("emrApplicationId", job.emrApplicationId);
            g.writeStringField("emrJobRunId", job.emrJobRunId);
            g.writeStringField("releaseLabel", job.releaseLabel);
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> t : job.tags.entrySet()) {
                g.writeStringField(t.getKey(), t.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise an OpenLineage lineage object", e);
        }
        return out.toByteArray();
    }
}
