package emrs.observe.datadog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON strings as UTF-8 in one pass. The appender encodes
 * on the logging thread, so this avoids the String-then-getBytes double copy.
 */
final class JsonBytes implements EventContext.Fields {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int CHUNK = 1024;
    private static final int MAX_KEPT_CHARS = 64 * 1024;
    private byte[] buf;
    private int pos;
    private char[] chars = new char[256];
    /** Whether the event last encoded here was cut to the size limit. */
    boolean truncated;
    private boolean firstField;
    private int fieldCap;
    /** The last logger and thread names encoded here (this buffer is one thread's). */
    final Remembered logger = new Remembered();
    final Remembered thread = new Remembered();

    JsonBytes(int capacity) {
        buf = new byte[capacity];
    }

    void reset() {
        pos = 0;
    }

    int size() {
        return pos;
    }

    /** The backing array; its first {@link #size} bytes are what was written. */
    byte[] array() {
        return buf;
    }

    byte[] toArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** Drops the buffer back to its initial size after an outsized event. */
    void shrinkTo(int capacity) {
        if (buf.length > capacity * 4) {
            buf = new byte[capacity];
        }
    }

    private void ensure(int extra) {
        if (pos + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
        }
    }

    JsonBytes raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    JsonBytes raw(byte[] bytes, int length) {
        ensure(length);
        System.arraycopy(bytes, 0, buf, pos, length);
        pos += length;
        return this;
    }

    JsonBytes raw(char ascii) {
        ensure(1);
        buf[pos++] = (byte) ascii;
        return this;
    }

    /** Writes n in decimal without the two garbage objects of Long.toString(n).getBytes(). */
    JsonBytes number(long n) {
        if (n == Long.MIN_VALUE) {
            return raw(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
        }
        ensure(20);
        if (n < 0) {
            buf[pos++] = '-';
            n = -n;
        }
        int digits = 1;
        for (long x = n; x >= 10; x /= 10) {
            digits++;
        }
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + (int) (n % 10));
            n /= 10;
        }
        pos += digits;
        return this;
    }

    /** Writes "s" quoted and escaped. */
    JsonBytes string(CharSequence s) {
        return string(s, Integer.MAX_VALUE);
    }

    /**
     * Writes s quoted and escaped, stopping before the output for it would pass maxBytes;
     * returns whether all of s was written. Never splits a character or an escape.
     */
    boolean stringCapped(CharSequence s, int maxBytes) {
        raw('"');
        boolean all = body(s, maxBytes - 2);
        raw('"');
        return all;
    }

    /** The escaped content of a JSON string, without quotes, capped like {@link #stringCapped}. */
    boolean body(CharSequence s, int maxBytes) {
        if (maxBytes >= Integer.MAX_VALUE - pos) {
            bodyUncapped(s);
            return true;
        }
        int limit = pos + maxBytes;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            int before = pos;
            ensure(6);
            char next = i + 1 < n ? s.charAt(i + 1) : 0;
            if (encodeChar(s.charAt(i), next)) {
                i++;
            }
            if (pos > limit) {
                pos = before;
                return false;
            }
        }
        return true;
    }

    /**
     * The common case: no cap. The text is first copied into a char array (one intrinsic copy for
     * a String or StringBuilder, where charAt through the CharSequence interface is a call per
     * char), and room is made once per chunk (at most 6 bytes a char), so the loop over plain
     * ASCII, most of any log line, is a compare and a store.
     */
    private void bodyUncapped(CharSequence s) {
        bodyUncapped(s, 0, s.length());
    }

    /** {@link #bodyUncapped(CharSequence)} of the chars from {@code from} to {@code to} of s. */
    void bodyUncapped(CharSequence s, int from, int to) {
        int n = to - from;
        char[] c = n <= MAX_KEPT_CHARS ? chars(n) : new char[n];
        if (s instanceof String) {
            ((String) s).getChars(from, to, c, 0);
        } else if (s instanceof StringBuilder) {
            ((StringBuilder) s).getChars(from, to, c, 0);
        } else {
            for (int i = 0; i < n; i++) {
                c[i] = s.charAt(from + i);
            }
        }
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + CHUNK);
            ensure((end - i) * 6);
            byte[] b = buf;
            int p = pos;
            for (; i < end; i++) {
                char ch = c[i];
                if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
                    b[p++] = (byte) ch;
                } else {
                    pos = p;
                    // may take the low surrogate after end: 4 bytes for 2 chars
                    if (encodeChar(ch, i + 1 < n ? c[i + 1] : 0)) {
                        i++;
                    }
                    p = pos;
                }
            }
            pos = p;
        }
    }

    private char[] chars(int n) {
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        return chars;
    }

    /** Writes c (with next, when c and next are a surrogate pair); returns whether next was used. */
    private boolean encodeChar(char c, char next) {
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\') {
                buf[pos++] = (byte) c;
            } else {
                escape(c);
            }
        } else if (c < 0x800) {
            buf[pos++] = (byte) (0xc0 | (c >> 6));
            buf[pos++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && Character.isLowSurrogate(next)) {
            int cp = Character.toCodePoint(c, next);
            buf[pos++] = (byte) (0xf0 | (cp >> 18));
            buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            buf[pos++] = (byte) (0x80 | (cp & 0x3f));
            return true;
        } else if (Character.isSurrogate(c)) {
            // a lone surrogate is not valid UTF-8: write U+FFFD
            buf[pos++] = (byte) 0xef;
            buf[pos++] = (byte) 0xbf;
            buf[pos++] = (byte) 0xbd;
        } else {
            buf[pos++] = (byte) (0xe0 | (c >> 12));
            buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
            buf[pos++] = (byte) (0x80 | (c & 0x3f));
        }
        return false;
    }

    /**
     * Writes s like {@link #string(CharSequence)}, reusing the encoding remembered in r when s is
     * the text encoded last time: logger and thread names repeat from one event to the next.
     */
    JsonBytes string(String s, Remembered r) {
        if (s.equals(r.text)) {
            return raw(r.json);
        }
        int start = pos;
        string(s);
        r.json = Arrays.copyOfRange(buf, start, pos);
        r.text = s;
        return this;
    }

    /** One string and its JSON encoding, quotes included. */
    static final class Remembered {
        private String text;
        private byte[] json;
    }

    /**
     * The context (MDC) encoded last on this thread, and its entries. Spark sets the task name
     * once per task and every line of the task carries it: when an event's context has the same
     * keys mapped to the very same String objects, its encoding is copied. Reading it through
     * log4j's forEach costs more than the lookups (log4j sorts a fresh copy of the keys each
     * time). Only String values, which cannot change, and at most {@link #MAX} entries are kept.
     */
    static final class RememberedContext {
        static final int MAX = 8;
        private final String[] keys = new String[MAX];
        private final Object[] values = new Object[MAX];
        private int size = -1;
        private byte[] json;
        private int recorded;
        private boolean recording;

        <C> boolean sameAs(C context, EventContext<C> reader) {
            if (size < 0 || reader.size(context) != size) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                if (reader.get(context, keys[i]) != values[i]) {
                    return false;
                }
            }
            return true;
        }

        void record() {
            size = -1;
            json = null;
            recorded = 0;
            recording = true;
        }

        private void see(String key, Object value) {
            if (!recording) {
                return;
            }
            if (recorded == MAX || !(value instanceof String) || key == null) {
                recording = false;
                return;
            }
            keys[recorded] = key;
            values[recorded] = value;
            recorded++;
        }

        /** Keeps bytes {@code from} to the end of {@code out}'s content as the encoding of what was seen. */
        void keep(JsonBytes out, int from) {
            if (recording) {
                json = Arrays.copyOfRange(out.buf, from, out.pos);
                size = recorded;
            } else {
                Arrays.fill(keys, null);
                Arrays.fill(values, null);
            }
            recording = false;
        }

        void copyTo(JsonBytes out) {
            out.raw(json);
        }

        /** Stops recording: what is being encoded is not the whole context (a cut event). */
        void skip() {
            recording = false;
            size = -1;
        }
    }

    final RememberedContext context = new RememberedContext();

    /** Starts the members of an object: {@link #field} writes them, each value capped at valueCap bytes. */
    void beginFields(int valueCap) {
        firstField = true;
        fieldCap = valueCap;
    }

    @Override
    public void field(String key, Object value) {
        context.see(key, value);
        if (!firstField) {
            raw(',');
        }
        firstField = false;
        string(key).raw(':').string(value == null ? "" : value.toString(), fieldCap);
    }

    JsonBytes string(CharSequence s, int maxBytes) {
        stringCapped(s, maxBytes);
        return this;
    }

    private void escape(char c) {
        buf[pos++] = '\\';
        switch (c) {
            case '"':
                buf[pos++] = '"';
                break;
            case '\\':
                buf[pos++] = '\\';
                break;
            case '\n':
                buf[pos++] = 'n';
                break;
            case '\r':
                buf[pos++] = 'r';
                break;
            case '\t':
                buf[pos++] = 't';
                break;
            default:
                buf[pos++] = 'u';
                buf[pos++] = '0';
                buf[pos++] = '0';
                buf[pos++] = HEX[(c >> 4) & 0xf];
                buf[pos++] = HEX[c & 0xf];
        }
    }
}
