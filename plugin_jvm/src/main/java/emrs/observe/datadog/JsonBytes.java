package emrs.observe.datadog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON strings as UTF-8 in one pass. The appender encodes
 * on the logging thread, so this avoids the String-then-getBytes double copy.
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int CHUNK = 1024;
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
            i = encodeChar(s, i, n);
            if (pos > limit) {
                pos = before;
                return false;
            }
        }
        return true;
    }

    /**
     * The common case: no cap. Room is made once per chunk (at most 6 bytes a char) so that the
     * loop over plain ASCII, most of any log line, is a compare and a store.
     */
    private void bodyUncapped(CharSequence s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + CHUNK);
            ensure((end - i) * 6);
            byte[] b = buf;
            int p = pos;
            for (; i < end; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                    b[p++] = (byte) c;
                } else {
                    pos = p;
                    i = encodeChar(s, i, n); // may take the low surrogate after end: 4 bytes for 2 chars
                    p = pos;
                }
            }
            pos = p;
        }
    }

    /** Writes the char at i (and its low surrogate, if any); returns the index of the last char used. */
    private int encodeChar(CharSequence s, int i, int n) {
        char c = s.charAt(i);
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\') {
                buf[pos++] = (byte) c;
            } else {
                escape(c);
            }
        } else if (c < 0x800) {
            buf[pos++] = (byte) (0xc0 | (c >> 6));
            buf[pos++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(++i));
            buf[pos++] = (byte) (0xf0 | (cp >> 18));
            buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            buf[pos++] = (byte) (0x80 | (cp & 0x3f));
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
        return i;
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
