package emrs.observe.lineage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Where one lineage object goes: {@code <prefix>/dt=YYYY-MM-DD/hour=HH/<sparkAppId>/<eventTimestampMs>-<planId>.json}.
 * Date and hour are those of the event, in UTC, so a reader can list one hour of one day.
 */
public final class LineageKey {
    private LineageKey() {
    }

    public static String of(String prefix, long eventTimestampMs, String sparkAppId, String planId) {
        ZonedDateTime t = Instant.ofEpochMilli(eventTimestampMs).atZone(ZoneOffset.UTC);
        String base = prefix == null ? "" : prefix.replaceAll("/+$", "");
        return String.format("%s/dt=%04d-%02d-%02d/hour=%02d/%s/%d-%s.json", base, t.getYear(), t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), safe(sparkAppId, "sparkAppId"), eventTimestampMs, safe(planId, "planId"));
    }

    /** Ids become path segments: refuse anything that would change the layout. */
    static String safe(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("lineage object key: " + what + " is empty");
        }
        if (s.contains("/") || s.contains("..") || s.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("lineage object key: " + what + " '" + s
                    + "' contains '/', '..' or whitespace");
        }
        return s;
    }
}
