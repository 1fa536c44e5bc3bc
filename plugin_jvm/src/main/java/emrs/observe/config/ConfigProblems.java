package emrs.observe.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Problems found while reading configuration: each names the key, the bad value and the fallback. */
public final class ConfigProblems {
    private final List<String> messages = new ArrayList<>();

    public void add(String message) {
        messages.add(message);
    }

    public List<String> messages() {
        return Collections.unmodifiableList(messages);
    }

    public boolean isEmpty() {
        return messages.isEmpty();
    }
}
