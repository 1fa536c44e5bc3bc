package emrs.observe.openlineage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The events of each OpenLineage run (one SQL execution) until its terminal event, so that one
 * object per execution holds all that the execution said: OpenLineage sends START, RUNNING… and
 * COMPLETE/FAIL/ABORT per execution, and the column lineage can be on any of them. Pure: no
 * OpenLineage classes, no I/O, no clock; the transport feeds it and writes what it returns.
 *
 * <p>Bounded three ways, because a listener that fails between two events of a run must not make
 * the driver hold its events forever: runs waiting for their terminal event ({@code maxRuns}),
 * events kept per run ({@code maxEventsPerRun}) and bytes held over all runs ({@code maxBytes}).
 * A run pushed out by a bound is handed back to be written as it stands (when it wrote data), so
 * its lineage is not lost; later events of it, like events after a terminal one, are ignored:
 * one object per execution.
 */
final class RunBuffer {
    /** One event as the buffer needs it: its JSON and what it carries. */
    static final class Event {
        final String json;
        final long timeMs;
        final boolean hasDatasets; // inputs or outputs
        final boolean hasOutputs;
        final boolean hasColumnLineage;
        final boolean terminal; // COMPLETE, FAIL or ABORT
        // What a reader takes from this event, one entry per dataset and per facet of it that the
        // processor reads, and per run facet; null when not known (never superseded then).
        final Set<String> coverage;

        Event(String json, long timeMs, boolean hasDatasets, boolean hasOutputs, boolean hasColumnLineage,
                boolean terminal) {
            this(json, timeMs, hasDatasets, hasOutputs, hasColumnLineage, terminal, null);
        }

        Event(String json, long timeMs, boolean hasDatasets, boolean hasOutputs, boolean hasColumnLineage,
                boolean terminal, Set<String> coverage) {
            this.json = json;
            this.timeMs = timeMs;
            this.hasDatasets = hasDatasets || hasOutputs;
            this.hasOutputs = hasOutputs;
            this.hasColumnLineage = hasColumnLineage;
            this.terminal = terminal;
            this.coverage = coverage;
        }

        /** A later event that repeats every dataset and facet of this one makes it say nothing more. */
        boolean supersededBy(Event later) {
            return coverage != null && later.coverage != null && later.coverage.containsAll(coverage);
        }

        long bytes() {
            return 2L * json.length(); // what the String holds (UTF-16, or Latin-1 and less)
        }
    }

    /** A run to write: its id, its kept events in emission order, and why it is written now. */
    static final class Finished {
        final String runId;
        final List<String> events;
        final long lastEventTimeMs;
        final boolean terminal; // false: pushed out by a bound or flushed at close

        Finished(String runId, List<String> events, long lastEventTimeMs, boolean terminal) {
            this.runId = runId;
            this.events = events;
            this.lastEventTimeMs = lastEventTimeMs;
            this.terminal = terminal;
        }
    }

    private static final class Run {
        final List<Event> events = new ArrayList<>();
        boolean wroteData;
        long bytes;
    }

    private final int maxRuns;
    private final int maxEventsPerRun;
    private final long maxBytes;
    private final int rememberFinished;
    private final LinkedHashMap<String, Run> pending = new LinkedHashMap<>();
    // Runs already handed out: their late events are ignored rather than making a second object.
    private final LinkedHashMap<String, Boolean> finished;
    private long bytes;

    /** Runs that ended without writing data (reads, application runs): not written. */
    long skippedNoOutputs;
    /** Runs handed out before their terminal event (a bound, or close). */
    long handedOutEarly;
    /** Events dropped to keep a run within maxEventsPerRun. */
    long trimmedEvents;
    /** Events left out because a later event of the run repeated all they carried. */
    long supersededEvents;
    /** Events of a run already handed out. */
    long lateEvents;

    RunBuffer(int maxRuns, int maxEventsPerRun, long maxBytes, int rememberFinished) {
        if (maxRuns < 1 || maxEventsPerRun < 3 || maxBytes < 1 || rememberFinished < 1) {
            throw new IllegalArgumentException("RunBuffer bounds must be positive (and 3+ events per run)");
        }
        this.maxRuns = maxRuns;
        this.maxEventsPerRun = maxEventsPerRun;
        this.maxBytes = maxBytes;
        this.rememberFinished = rememberFinished;
        this.finished = new LinkedHashMap<String, Boolean>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > RunBuffer.this.rememberFinished;
            }
        };
    }

    /** Adds one event of a run; returns the runs to write now (this one if it ended, and any pushed out). */
    synchronized List<Finished> add(String runId, Event event) {
        if (finished.containsKey(runId)) {
            lateEvents++;
            return Collections.emptyList();
        }
        List<Finished> out = new ArrayList<>(1);
        Run run = pending.remove(runId); // re-inserted last: the map's order is least recently active first
        if (run == null) {
            run = new Run();
        }
        pending.put(runId, run);
        // An event with neither inputs nor outputs says nothing once a later one exists, and nor
        // does one whose every dataset and facet the new event repeats: OpenLineage's Spark
        // integration sends the same datasets on START, each RUNNING and COMPLETE, and keeping
        // them all made objects four times the size of Spline's. The reader takes the latest
        // column lineage per dataset and the union of datasets, so what it reads is unchanged.
        // The first stays: it holds the start time.
        int last = run.events.size() - 1;
        if (last >= 1 && !run.events.get(last).hasDatasets) {
            drop(run, last);
        }
        for (int i = run.events.size() - 1; i >= 1; i--) {
            if (run.events.get(i).supersededBy(event)) {
                drop(run, i);
                supersededEvents++;
            }
        }
        run.events.add(event);
        run.bytes += event.bytes();
        bytes += event.bytes();
        run.wroteData |= event.hasOutputs;
        if (run.events.size() > maxEventsPerRun) {
            trim(run);
        }
        if (event.terminal) {
            pending.remove(runId);
            bytes -= run.bytes;
            finish(runId, run, true, out);
        }
        while (!pending.isEmpty() && (pending.size() > maxRuns || bytes > maxBytes)) {
            Iterator<Map.Entry<String, Run>> oldest = pending.entrySet().iterator();
            Map.Entry<String, Run> e = oldest.next();
            oldest.remove();
            bytes -= e.getValue().bytes;
            finish(e.getKey(), e.getValue(), false, out);
        }
        return out;
    }

    /** Everything still pending (application end): the runs that wrote data, as they stand. */
    synchronized List<Finished> drain() {
        List<Finished> out = new ArrayList<>();
        for (Map.Entry<String, Run> e : pending.entrySet()) {
            finish(e.getKey(), e.getValue(), false, out);
        }
        pending.clear();
        bytes = 0;
        return out;
    }

    synchronized int pendingRuns() {
        return pending.size();
    }

    synchronized long pendingBytes() {
        return bytes;
    }

    private void finish(String runId, Run run, boolean terminal, List<Finished> out) {
        finished.put(runId, Boolean.TRUE);
        if (!run.wroteData) {
            skippedNoOutputs++;
            return;
        }
        if (!terminal) {
            handedOutEarly++;
        }
        List<String> json = new ArrayList<>(run.events.size());
        for (Event e : run.events) {
            json.add(e.json);
        }
        out.add(new Finished(runId, json, run.events.get(run.events.size() - 1).timeMs, terminal));
    }

    /**
     * Keeps a run within maxEventsPerRun: drops the oldest event that is neither the first (start
     * time), the last (state, end time) nor the newest one with column lineage (the reader takes
     * the latest column lineage per dataset), preferring events without datasets.
     */
    private void trim(Run run) {
        int keepLineage = -1;
        for (int i = run.events.size() - 1; i >= 0; i--) {
            if (run.events.get(i).hasColumnLineage) {
                keepLineage = i;
                break;
            }
        }
        int victim = -1;
        for (int i = 1; i < run.events.size() - 1; i++) {
            if (i != keepLineage && !run.events.get(i).hasDatasets) {
                victim = i;
                break;
            }
        }
        for (int i = 1; victim < 0 && i < run.events.size() - 1; i++) {
            if (i != keepLineage) {
                victim = i;
            }
        }
        if (victim > 0) {
            drop(run, victim);
            trimmedEvents++;
        }
    }

    private void drop(Run run, int index) {
        Event e = run.events.remove(index);
        run.bytes -= e.bytes();
        bytes -= e.bytes();
    }
}
