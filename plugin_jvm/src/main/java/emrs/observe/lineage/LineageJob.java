package emrs.observe.lineage;

import java.util.Collections;
import java.util.Map;

/** The "job" part of a lineage object (see docs/architecture.md): who ran the execution. */
public final class LineageJob {
    public final String sparkAppId;
    public final String sparkAppName;
    public final String emrApplicationId;
    public final String emrJobRunId;
    public final String releaseLabel;
    public final Map<String, String> tags;

    public LineageJob(String sparkAppId, String sparkAppName, String emrApplicationId, String emrJobRunId,
            String releaseLabel, Map<String, String> tags) {
        this.sparkAppId = sparkAppId;
        this.sparkAppName = sparkAppName;
        this.emrApplicationId = emrApplicationId;
        this.emrJobRunId = emrJobRunId;
        this.releaseLabel = releaseLabel;
        this.tags = tags == null ? Collections.emptyMap() : tags;
    }
}
