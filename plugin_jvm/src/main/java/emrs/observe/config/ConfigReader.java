package emrs.observe.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed access to string configuration. A bad value never throws: it is reported to
 * {@link ConfigProblems} with the key, the value and the default that is used instead.
 */
public final class ConfigReader {
    private final Map<String, String> values;
    private final ConfigProblems problems;

    public ConfigReader(Map<String, String> values, ConfigProblems problems) {
        this.values = values;
        this.problems = problems;
    }

    public ConfigProblems problems() {
        return problems;
    }

    /** Trimmed value, or null when absent or blank. */
    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    public String string(String key, String dflt) {
        String v = string(key);
        return v == null ? dflt : v;
    }

    public boolean bool(String key, boolean dflt) {
        String v = string(key);
        if (v == null) {
            return dflt;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
            case "yes":
            case "1":
                return true;
            case "false":
            case "no":
            case "0":
                return false;
            default:
                problems.add(key + "='" + v + "' is not a boolean (true/false); using the default " + dflt);
                return dflt;
        }
    }

    public int intInRange(String key, int dflt, int min, int max) {
        String v = string(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n < min || n > max) {
                problems.add(key + "='" + v + "' is outside " + min + ".." + max + "; using the default " + dflt);
                return dflt;
            }
            return (int) n;
        } catch (NumberFormatException e) {
            problems.add(key + "='" + v + "' is not a whole number; using the default " + dflt);
            return dflt;
        }
    }

    /** A duration in milliseconds: "1500", "1500ms", "10s", "2m". */
    public long millis(String key, long dflt, long min, long max) {
        String v = string(key);
        if (v == null) {
            return dflt;
        }
        Long n = parseWithUnit(v.toLowerCase(Locale.ROOT), new String[] {"ms", "s", "m", "h"},
                new long[] {1, 1_000, 60_000, 3_600_000});
        if (n == null) {
            problems.add(key + "='" + v + "' is not a duration (e.g. 500ms, 10s, 2m); using the default "
                    + dflt + "ms");
            return dflt;
        }
        if (n < min || n > max) {
            problems.add(key + "='" + v + "' is outside " + min + "ms.." + max + "ms; using the default "
                    + dflt + "ms");
            return dflt;
        }
        return n;
    }

    /** A size in bytes: "1048576", "512k", "32m", "1g" (binary units). */
    public long bytes(String key, long dflt, long min, long max) {
        String v = string(key);
        if (v == null) {
            return dflt;
        }
        Long n = parseBytes(v);
        if (n == null) {
            problems.add(key + "='" + v + "' is not a byte size (e.g. 1048576, 512k, 32m, 1g); using the default "
                    + dflt);
            return dflt;
        }
        if (n < min || n > max) {
            problems.add(key + "='" + v + "' is outside " + min + ".." + max + " bytes; using the default " + dflt);
            return dflt;
        }
        return n;
    }

    public static Long parseBytes(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("b") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1); // "32mb" reads as "32m"
        }
        return parseWithUnit(s, new String[] {"b", "k", "m", "g"},
                new long[] {1, 1L << 10, 1L << 20, 1L << 30});
    }

    private static Long parseWithUnit(String s, String[] units, long[] factors) {
        s = s.trim().replace("_", "");
        long factor = 1;
        // Longest suffix first so "ms" is not read as "m" followed by garbage.
        String best = null;
        for (int i = 0; i < units.length; i++) {
            if (s.endsWith(units[i]) && (best == null || units[i].length() > best.length())) {
                best = units[i];
                factor = factors[i];
            }
        }
        if (best != null) {
            s = s.substring(0, s.length() - best.length()).trim();
        }
        if (s.isEmpty()) {
            return null;
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0 || n > Long.MAX_VALUE / factor) {
                return null;
            }
            return n * factor;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A comma-separated list, blanks dropped. */
    public List<String> list(String key) {
        String v = string(key);
        if (v == null) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.trim().isEmpty()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    /** "team:data,env:prod" (or '=' instead of ':'); malformed entries are reported and skipped. */
    public Map<String, String> tags(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : list(key)) {
            int sep = part.indexOf(':');
            if (sep < 0) {
                sep = part.indexOf('=');
            }
            if (sep <= 0 || sep == part.length() - 1) {
                problems.add(key + ": entry '" + part + "' is not name:value; skipped");
                continue;
            }
            out.put(part.substring(0, sep).trim(), part.substring(sep + 1).trim());
        }
        return out;
    }

    /** One of the given choices (case-insensitive), lower-cased. */
    public String choice(String key, String dflt, String... choices) {
        String v = string(key);
        if (v == null) {
            return dflt;
        }
        for (String c : choices) {
            if (c.equalsIgnoreCase(v)) {
                return c;
            }
        }
        problems.add(key + "='" + v + "' is not one of " + String.join(", ", choices) + "; using the default "
                + dflt);
        return dflt;
    }
}
