package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JsonBytesTest {
    @Test
    void numbersAreWrittenInDecimal() {
        long[] values = {0, 7, 10, 1700000000123L, -1, -1700000000123L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            JsonBytes out = new JsonBytes(1);
            out.raw('[').number(v).raw(']');
            assertEquals("[" + v + "]", new String(Arrays.copyOf(out.toArray(), out.size()), StandardCharsets.US_ASCII));
        }
    }
}
