package emrs.observe.log4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.datadog.EventEncoder;
import emrs.observe.datadog.MessageTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.apache.logging.log4j.message.ReusableMessageFactory;
import org.junit.jupiter.api.Test;

/** The message Datadog receives is the text log4j formats, whichever way the appender encodes it. */
class MessageTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventEncoder encoder = new EventEncoder("spark", "svc", "h", "t:1");

    private static List<Object[]> cases() {
        List<Object[]> c = new ArrayList<>();
        c.add(new Object[] {"processed record {} of partition {} with status {}", 40L, 3, "ok"});
        c.add(new Object[] {"{} {} {}", 1});
        c.add(new Object[] {"no placeholders", "unused", 2});
        c.add(new Object[] {"", 1});
        c.add(new Object[] {"{}", (Object) null});
        c.add(new Object[] {"flag={} short={} byte={}", true, (short) -7, (byte) 9});
        c.add(new Object[] {"min {} {}", Integer.MIN_VALUE, Long.MIN_VALUE});
        c.add(new Object[] {"text: {}", "quote\" backslash\\ tab\t nl\n ctl\u0001 é 日志 😀"});
        c.add(new Object[] {"pattern with \"quotes\" é 😀 and {}", "x"});
        c.add(new Object[] {"{{}} {}{} {", "a", "b", "c"});
        c.add(new Object[] {"failed {}", "step", new IllegalStateException("boom")});
        c.add(new Object[] {"failed {}", new IllegalStateException("boom")});
        c.add(new Object[] {"escaped \\{} then {}", "a", "b"});
        c.add(new Object[] {"trailing backslash {} \\", "a"});
        c.add(new Object[] {"double {} float {}", 1.5d, 2.25f});
        c.add(new Object[] {"array {} list {}", new int[] {1, 2}, Arrays.asList("a", "b")});
        c.add(new Object[] {"char {} builder {}", 'c', new StringBuilder("sb")});
        StringBuilder many = new StringBuilder();
        Object[] args = new Object[41];
        for (int i = 0; i < 40; i++) {
            many.append("{},");
            args[i + 1] = i;
        }
        args[0] = many.toString();
        c.add(args);
        return c;
    }

    private String shipped(Message message) throws Exception {
        CharSequence text = DatadogAppender.text(message);
        try {
            return JSON.readTree(encoder.encode(1, "info", "l", "t", text, null, null)).get("message").asText();
        } finally {
            if (text instanceof MessageTemplate) {
                ((MessageTemplate) text).clear();
            }
        }
    }

    @Test
    void parameterizedMessagesArriveAsLog4jFormatsThem() throws Exception {
        ReusableMessageFactory reusable = new ReusableMessageFactory();
        for (Object[] c : cases()) {
            String pattern = (String) c[0];
            Object[] params = Arrays.copyOfRange(c, 1, c.length);
            Message r = reusable.newMessage(pattern, params);
            assertEquals(r.getFormattedMessage(), shipped(r), "reusable: " + pattern);
            Message p = new ParameterizedMessage(pattern, params);
            assertEquals(p.getFormattedMessage(), shipped(p), "immutable: " + pattern);
        }
    }

    @Test
    void simpleMessagesArriveAsTheyWereLogged() throws Exception {
        ReusableMessageFactory reusable = new ReusableMessageFactory();
        assertEquals("plain \"text\" 😀", shipped(reusable.newMessage("plain \"text\" 😀")));
        assertEquals("from a builder", shipped(reusable.newMessage(new StringBuilder("from a builder"))));
    }

    @Test
    void anOversizedParameterizedMessageIsCutLikeAnyOther() throws Exception {
        char[] big = new char[1_200_000];
        Arrays.fill(big, 'x');
        Message m = new ReusableMessageFactory().newMessage("big {} end", new String(big));
        CharSequence text = DatadogAppender.text(m);
        byte[] bytes = encoder.encode(1, "info", "l", "t", text, null, Collections.emptyMap());
        String message = JSON.readTree(bytes).get("message").asText();
        assertEquals(true, message.startsWith("big xxx"));
        assertEquals(true, message.endsWith("…[truncated]"));
    }
}
