package emrs.observe.datadog;

import java.util.Map;

/**
 * How the encoder reads an event's context (log4j's MDC, where Spark puts the task name on
 * every line of a task thread) without it being copied into a map first.
 *
 * @param <C> the context's own type
 */
public interface EventContext<C> {
    /** Receives the entries of a context, one at a time. */
    interface Fields {
        void field(String key, Object value);
    }

    boolean isEmpty(C context);

    void forEach(C context, Fields out);

    /** How many entries the context has. */
    int size(C context);

    /** The value of {@code key}, or null. */
    Object get(C context, String key);

    /** A plain map (or null) as the context. */
    EventContext<Map<String, String>> MAP = new EventContext<Map<String, String>>() {
        @Override
        public boolean isEmpty(Map<String, String> context) {
            return context == null || context.isEmpty();
        }

        @Override
        public void forEach(Map<String, String> context, Fields out) {
            for (Map.Entry<String, String> e : context.entrySet()) {
                out.field(e.getKey(), e.getValue());
            }
        }

        @Override
        public int size(Map<String, String> context) {
            return context.size();
        }

        @Override
        public Object get(Map<String, String> context, String key) {
            return context.get(key);
        }
    };
}
