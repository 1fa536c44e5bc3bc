package emrs.observe.datadog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON strings as UTF-8 in one pass, avoiding the
 * String-then-getBytes double copy; the shipper thread reuses one for every event.
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] buf;
    private int pos;

    JsonBytes(int capacity) {
        buf = new byte[capacity];
    }

    void reset() {
        pos = 0;
    }

    int size() {
        return pos;
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

    /** Appends what {@code other} holds. */
    JsonBytes raw(JsonBytes other) {
        ensure(other.pos);
        System.arraycopy(other.buf, 0, buf, pos, other.pos);
        pos += other.pos;
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
        int limit = maxBytes >= Integer.MAX_VALUE - pos ? Integer.MAX_VALUE : pos + maxBytes;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int before = pos;
            if (c < 0x80) {
                ensure(6);
                if (c >= 0x20 && c != '"' && c != '\\') {
                    buf[pos++] = (byte) c;
                } else {
                    escape(c);
                }
            } else if (c < 0x800) {
                ensure(2);
                buf[pos++] = (byte) (0xc0 | (c >> 6));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                ensure(4);
                buf[pos++] = (byte) (0xf0 | (cp >> 18));
                buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                ensure(3); // a lone surrogate is not valid UTF-8: write U+FFFD
                buf[pos++] = (byte) 0xef;
                buf[pos++] = (byte) 0xbf;
                buf[pos++] = (byte) 0xbd;
            } else {
                ensure(3);
                buf[pos++] = (byte) (0xe0 | (c >> 12));
                buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            }
            if (pos > limit) {
                pos = before;
                return false;
            }
        }
        return true;
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
