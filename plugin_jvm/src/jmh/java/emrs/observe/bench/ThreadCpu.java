package emrs.observe.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM's threads, summed by what they do, from /proc/self/task (Linux only:
 * elsewhere every figure is 0). ThreadMXBean sees only Java threads; the JIT compiler and GC
 * threads, which compete with a short job for the same cores, are only visible here.
 */
final class ThreadCpu {
    static final String[] GROUPS = {"tasks", "plugin", "metrics", "jit", "gc", "other"};
    private static final long MS_PER_TICK = 10; // USER_HZ is 100 on Linux

    private ThreadCpu() {
    }

    /** Milliseconds of CPU so far per group of {@link #GROUPS}. */
    static Map<String, Long> snapshot() {
        Map<String, Long> by = new HashMap<>();
        for (String g : GROUPS) {
            by.put(g, 0L);
        }
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) {
            return by;
        }
        for (File t : tasks) {
            try {
                // Linux keeps the first 15 bytes of a Java thread's name.
                String name = new String(Files.readAllBytes(new File(t, "comm").toPath()), StandardCharsets.UTF_8).trim();
                String stat = new String(Files.readAllBytes(new File(t, "stat").toPath()), StandardCharsets.UTF_8);
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ms = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MS_PER_TICK; // utime + stime
                by.merge(group(name), ms, Long::sum);
            } catch (IOException | RuntimeException e) {
                // the thread ended between listing and reading
            }
        }
        return by;
    }

    private static String group(String name) {
        if (name.startsWith("Executor task")) {
            return "tasks";
        }
        if (name.startsWith("emrs-observe-lo")) {
            return "plugin";
        }
        if (name.startsWith("emrs-observe-me")) {
            return "metrics"; // the metrics thread, "emrs-observe-metrics"
        }
        if (name.contains("CompilerThre")) {
            return "jit";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return "gc";
        }
        return "other";
    }

    /** "group=ms;…" of what was spent between two snapshots. */
    static String since(Map<String, Long> before) {
        Map<String, Long> now = snapshot();
        StringBuilder sb = new StringBuilder();
        for (String g : GROUPS) {
            sb.append(sb.length() == 0 ? "" : ";").append(g).append('=').append(now.get(g) - before.get(g));
        }
        return sb.toString();
    }
}
