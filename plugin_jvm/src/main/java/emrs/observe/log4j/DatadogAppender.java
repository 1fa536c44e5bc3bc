package emrs.observe.log4j;

import emrs.observe.datadog.EventContext;
import emrs.observe.datadog.MessageTemplate;
import emrs.observe.runtime.LogPipeline;
import java.io.Serializable;
import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginElement;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.ParameterConsumer;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.apache.logging.log4j.message.ReusableParameterizedMessage;
import org.apache.logging.log4j.message.ReusableSimpleMessage;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.ReadOnlyStringMap;
import org.apache.logging.log4j.util.StringBuilderFormattable;
import org.apache.logging.log4j.util.TriConsumer;

/**
 * The log4j2 appender {@code EmrsDatadog}: encodes each event on the calling thread and hands
 * it to this JVM's {@link LogPipeline}. It can be declared in a user's log4j2 XML by that name.
 */
@Plugin(name = DatadogAppender.PLUGIN_NAME, category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE,
        printObject = true)
public final class DatadogAppender extends AbstractAppender {
    public static final String PLUGIN_NAME = "EmrsDatadog";
    private static final int MAX_KEPT_TEXT = 64 * 1024;
    private static final ThreadLocal<StringBuilder> TEXT = ThreadLocal.withInitial(() -> new StringBuilder(256));
    private static final ThreadLocal<MessageTemplate> TEMPLATE = ThreadLocal.withInitial(MessageTemplate::new);
    private static final ParameterConsumer<MessageTemplate> ARG = (value, index, template) -> template.arg(index, value);
    private static final TriConsumer<String, Object, EventContext.Fields> FIELD = (k, v, out) -> out.field(k, v);
    /** Reads log4j's context data in place: Spark's task threads carry it on every line. */
    private static final EventContext<ReadOnlyStringMap> CONTEXT = new EventContext<ReadOnlyStringMap>() {
        @Override
        public boolean isEmpty(ReadOnlyStringMap context) {
            return context == null || context.isEmpty();
        }

        @Override
        public void forEach(ReadOnlyStringMap context, EventContext.Fields out) {
            context.forEach(FIELD, out);
        }

        @Override
        public int size(ReadOnlyStringMap context) {
            return context.size();
        }

        @Override
        public Object get(ReadOnlyStringMap context, String key) {
            return context.getValue(key);
        }
    };

    /** True when the plugin put this appender on the root logger, false when a user's XML declared it. */
    final boolean automatic;

    private DatadogAppender(String name, Filter filter, boolean automatic) {
        super(name, filter, (Layout<? extends Serializable>) null, true, Property.EMPTY_ARRAY);
        this.automatic = automatic;
    }

    /** The appender the plugin attaches itself (root logger and loggers with additivity=false). */
    static DatadogAppender automatic(String name) {
        return new DatadogAppender(name, null, true);
    }

    @PluginFactory
    public static DatadogAppender createAppender(@PluginAttribute("name") String name,
            @PluginElement("Filter") Filter filter) {
        return new DatadogAppender(name == null ? PLUGIN_NAME : name, filter, false);
    }

    @Override
    public void append(LogEvent event) {
        LogPipeline pipeline = LogPipeline.current();
        if (pipeline == null || pipeline.ignores(Thread.currentThread())) {
            return;
        }
        CharSequence text = text(event.getMessage());
        try {
            pipeline.offer(event.getTimeMillis(), status(event.getLevel()), event.getLoggerName(),
                    event.getThreadName(), text, event.getThrown(), event.getContextData(), CONTEXT);
        } finally {
            if (text instanceof MessageTemplate) {
                ((MessageTemplate) text).clear();
            }
        }
    }

    /**
     * The message, formatted as few times as possible. A parameterized message (what
     * {@code log.info("… {} …", x)} and SLF4J make) whose arguments are plain values goes to the
     * encoder as pattern and arguments (see {@link MessageTemplate}); a simple message is its own
     * text. Others format into this thread's StringBuilder, reused (the event is encoded before
     * offer returns), which saves a String per event.
     */
    static CharSequence text(Message message) {
        if (message == null) {
            return "";
        }
        Class<?> type = message.getClass();
        if (type == ReusableParameterizedMessage.class) {
            ReusableParameterizedMessage m = (ReusableParameterizedMessage) message;
            MessageTemplate t = TEMPLATE.get();
            if (t.start(m.getFormat(), m.getParameterCount())) {
                m.forEachParameter(ARG, t);
                if (t.accept()) {
                    return t;
                }
                t.clear();
            }
        } else if (type == ParameterizedMessage.class) {
            Object[] args = message.getParameters();
            MessageTemplate t = TEMPLATE.get();
            if (t.start(message.getFormat(), args == null ? 0 : args.length)) {
                for (int i = 0; args != null && i < args.length; i++) {
                    t.arg(i, args[i]);
                }
                if (t.accept()) {
                    return t;
                }
                t.clear();
            }
        } else if (type == ReusableSimpleMessage.class || type == SimpleMessage.class) {
            String s = message.getFormattedMessage();
            if (s != null) {
                return s;
            }
        }
        if (!(message instanceof StringBuilderFormattable)) {
            return message.getFormattedMessage();
        }
        StringBuilder sb = TEXT.get();
        if (sb.capacity() > MAX_KEPT_TEXT) {
            sb = new StringBuilder(256); // the last message was outsized: do not keep its buffer
            TEXT.set(sb);
        }
        sb.setLength(0);
        ((StringBuilderFormattable) message).formatTo(sb);
        return sb;
    }

    static String status(Level level) {
        if (level == null) {
            return "info";
        }
        switch (level.getStandardLevel()) {
            case FATAL:
                return "critical";
            case ERROR:
                return "error";
            case WARN:
                return "warn";
            case INFO:
                return "info";
            case DEBUG:
                return "debug";
            case TRACE:
                return "trace";
            default:
                return level.name().toLowerCase(Locale.ROOT);
        }
    }
}
