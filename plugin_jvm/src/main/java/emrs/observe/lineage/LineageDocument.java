package emrs.observe.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One lineage object: Spline's execution plan and event (producer API v1.2 JSON, as produced by
 * the agent) wrapped with the job metadata. The contract with the Python reader is
 * {@code {"format": "emrs-observe.lineage", "version": 1, ...}}.
 */
public final class LineageDocument {
    public static final String FORMAT = "emrs-observe.lineage";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public final JsonNode plan;
    public final JsonNode event;
    public final String planId;
    public final long eventTimestampMs;

    private LineageDocument(JsonNode plan, JsonNode event, String planId, long eventTimestampMs) {
        this.plan = plan;
        this.event = event;
        this.planId = planId;
        this.eventTimestampMs = eventTimestampMs;
    }

    /** Parses and checks the two Spline documents; the message says which field is wrong. */
    public static LineageDocument parse(String planJson, String eventJson) {
        JsonNode plan = read(planJson, "execution plan");
        JsonNode event = read(eventJson, "execution event");
        String planId = plan.path("id").asText("");
        if (planId.isEmpty()) {
            throw new IllegalArgumentException("execution plan has no \"id\"");
        }
        String eventPlanId = event.path("planId").asText("");
        if (!planId.equals(eventPlanId)) {
            throw new IllegalArgumentException("execution event's planId '" + eventPlanId
                    + "' does not match the plan id '" + planId + "'");
        }
        JsonNode ts = event.path("timestamp");
        if (!ts.canConvertToLong() || ts.asLong() <= 0) {
            throw new IllegalArgumentException("execution event of plan " + planId + " has no numeric \"timestamp\"");
        }
        return new LineageDocument(plan, event, planId, ts.asLong());
    }

    public byte[] toJson(LineageJob job) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.set("executionPlan", plan);
        root.set("executionEvent", event);
        ObjectNode j = root.putObject("job");
        j.put("sparkAppId", job.sparkAppId);
        j.put("sparkAppName", job.sparkAppName);
        j.put("emrApplicationId", job.emrApplicationId);
        j.put("emrJobRunId", job.emrJobRunId);
        j.put("releaseLabel", job.releaseLabel);
        ObjectNode tags = j.putObject("tags");
        for (Map.Entry<String, String> t : job.tags.entrySet()) {
            tags.put(t.getKey(), t.getValue());
        }
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise lineage object of plan " + planId, e);
        }
    }

    private static JsonNode read(String json, String what) {
        if (json == null || json.trim().isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        try {
            JsonNode n = JSON.readTree(json);
            if (!n.isObject()) {
                throw new IllegalArgumentException(what + " is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage() + " at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " could not be read: " + e.getMessage(), e);
        }
    }
}
