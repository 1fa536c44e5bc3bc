package emrs.observe.datadog;

import emrs.observe.metrics.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Writes points as the body of Datadog's {@code POST /api/v2/series}:
 * {@code {"series":[{"metric":…,"type":1|2|3,"interval":…,"unit":…,"points":[{"timestamp":…,"value":…}],"tags":[…]}]}}.
 *
 * <p>By hand, as the logs' encoder is: Datadog's Java API client is not among the dependencies the
 * plugin may bring (it would bring its own HTTP and JSON stacks onto every executor), Jackson is
 * Spark's and its version differs between Spark 3.5 and 4.0, and the format is small and documented.
 *
 * <p>A body holds at most {@link #MAX_BYTES} bytes. Datadog takes at most 512,000 bytes compressed and
 * 5,242,880 decompressed; gzip never makes data more than ~0.03 % larger (stored blocks), so a body of
 * 500,000 bytes stays under both limits whatever it compresses to, with no need to compress it first.
 */
public final class SeriesEncoder {
    public static final int MAX_BYTES = 500_000;
    private static final byte[] HEAD = ascii("{\"series\":[");
    private static final byte[] TAIL = ascii("]}");
    private static final byte[] METRIC = ascii("{\"metric\":");
    private static final byte[] TYPE = ascii(",\"type\":");
    private static final byte[] INTERVAL = ascii(",\"interval\":");
    private static final byte[] UNIT = ascii(",\"unit\":");
    private static final byte[] TIMESTAMP = ascii(",\"points\":[{\"timestamp\":");
    private static final byte[] VALUE = ascii(",\"value\":");
    private static final byte[] TAGS = ascii("}],\"tags\":[");
    private static final byte[] END = ascii("]}");

    private final int maxBytes;
    private final JsonBytes series = new JsonBytes(512);
    private final JsonBytes body = new JsonBytes(64 * 1024);

    public SeriesEncoder() {
        this(MAX_BYTES);
    }

    SeriesEncoder(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * The bodies for {@code points}, all stamped {@code timestampSec}, each series with
     * {@code commonTags} before its own. A series that alone exceeds the bound is left out and
     * reported to {@code tooLarge} (cannot happen with Spark's names and bounded tags).
     */
    public List<SeriesPayload> encode(List<Point> points, long timestampSec, List<String> commonTags,
            IntConsumer tooLarge) {
        byte[] common = commonTags(commonTags);
        List<SeriesPayload> out = new ArrayList<>();
        body.reset();
        int inBody = 0;
        for (Point p : points) {
            series.reset();
            write(p, timestampSec, common);
            if (series.size() + HEAD.length + TAIL.length > maxBytes) {
                tooLarge.accept(1);
                continue;
            }
            if (inBody > 0 && body.size() + 1 + series.size() + TAIL.length > maxBytes) {
                out.add(finish(inBody, timestampSec));
                inBody = 0;
            }
            if (inBody == 0) {
                body.reset();
                body.raw(HEAD);
            } else {
                body.raw(',');
            }
            body.raw(series.array(), series.size());
            inBody++;
        }
        if (inBody > 0) {
            out.add(finish(inBody, timestampSec));
        }
        body.shrinkTo(64 * 1024);
        return out;
    }

    private SeriesPayload finish(int points, long timestampSec) {
        body.raw(TAIL);
        return new SeriesPayload(body.toArray(), points, timestampSec);
    }

    private byte[] commonTags(List<String> tags) {
        JsonBytes b = new JsonBytes(256);
        for (String t : tags) {
            if (b.size() > 0) {
                b.raw(',');
            }
            b.string(t);
        }
        return b.toArray();
    }

    private void write(Point p, long timestampSec, byte[] common) {
        JsonBytes s = series;
        s.raw(METRIC).string(p.name);
        s.raw(TYPE).number(p.kind.intakeType);
        if (p.intervalSec > 0) {
            s.raw(INTERVAL).number(p.intervalSec);
        }
        if (p.unit != null) {
            s.raw(UNIT).string(p.unit);
        }
        s.raw(TIMESTAMP).number(timestampSec).raw(VALUE);
        value(s, p.value);
        s.raw(TAGS);
        s.raw(common);
        for (int i = 0; i < p.tags.length; i++) {
            if (common.length > 0 || i > 0) {
                s.raw(',');
            }
            s.string(p.tags[i]);
        }
        s.raw(END);
    }

    /** A whole number as such (most figures are counts), anything else as Java prints a double (valid JSON). */
    static void value(JsonBytes s, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 9.007199254740992E15) {
            s.number((long) v);
        } else {
            s.raw(ascii(Double.toString(v)));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
