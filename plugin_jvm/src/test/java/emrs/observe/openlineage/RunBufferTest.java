package emrs.observe.openlineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunBufferTest {
    private static RunBuffer.Event start(String name) {
        return new RunBuffer.Event(name, 1000, true, true, false, false);
    }

    private static RunBuffer.Event running(String name, boolean datasets, boolean lineage) {
        return new RunBuffer.Event(name, 2000, datasets, datasets, lineage, false);
    }

    private static RunBuffer.Event complete(String name, long timeMs) {
        return new RunBuffer.Event(name, timeMs, true, true, false, true);
    }

    private static RunBuffer buffer() {
        return new RunBuffer(8, 8, 1 << 20, 16);
    }

    @Test
    void oneObjectPerRunAtItsTerminalEventWithEveryEventThatCarriesDatasets() {
        RunBuffer b = buffer();
        assertTrue(b.add("r1", start("S")).isEmpty());
        assertTrue(b.add("r1", running("R1", true, true)).isEmpty());
        assertTrue(b.add("r2", start("other run")).isEmpty());
        List<RunBuffer.Finished> out = b.add("r1", complete("C", 5000));
        assertEquals(1, out.size());
        RunBuffer.Finished r1 = out.get(0);
        assertEquals("r1", r1.runId);
        assertEquals(Arrays.asList("S", "R1", "C"), r1.events);
        assertEquals(5000, r1.lastEventTimeMs); // the key takes the last event's time
        assertTrue(r1.terminal);
        assertEquals(1, b.pendingRuns());
    }

    @Test
    void columnLineageOnAnEarlierEventThanTheLastIsKept() {
        RunBuffer b = buffer();
        b.add("r", start("S"));
        b.add("r", running("R-with-lineage", true, true));
        b.add("r", running("R-datasets-no-lineage", true, false));
        RunBuffer.Finished f = b.add("r", complete("C", 9)).get(0);
        assertTrue(f.events.contains("R-with-lineage"), f.events.toString());
    }

    @Test
    void eventsWithoutDatasetsAreLeftOutUnlessFirstOrLast() {
        RunBuffer b = buffer();
        b.add("r", new RunBuffer.Event("S-empty", 1, false, false, false, false));
        b.add("r", running("R-empty", false, false));
        b.add("r", running("R", true, false));
        b.add("r", running("R-empty-2", false, false));
        b.add("r", running("R2", true, false));
        RunBuffer.Finished f = b.add("r", new RunBuffer.Event("C-empty", 3, false, false, false, true)).get(0);
        assertEquals(Arrays.asList("S-empty", "R", "R2", "C-empty"), f.events);
    }

    @Test
    void runsThatWroteNothingAreNotWritten() {
        RunBuffer b = buffer();
        RunBuffer.Event readOnly = new RunBuffer.Event("read", 1, true, false, false, false);
        b.add("reads", readOnly);
        assertTrue(b.add("reads", new RunBuffer.Event("done", 2, true, false, false, true)).isEmpty());
        assertEquals(1, b.skippedNoOutputs);
        assertEquals(0, b.pendingRuns());
    }

    @Test
    void outputsOnAnyEventMakeTheRunWorthWriting() {
        RunBuffer b = buffer();
        b.add("r", new RunBuffer.Event("S-inputs-only", 1, true, false, false, false));
        b.add("r", running("R-outputs", true, false));
        List<RunBuffer.Finished> out = b.add("r", new RunBuffer.Event("C-inputs-only", 3, true, false, false, true));
        assertEquals(1, out.size());
    }

    @Test
    void eventsAfterTheTerminalOneMakeNoSecondObject() {
        RunBuffer b = buffer();
        b.add("r", start("S"));
        assertEquals(1, b.add("r", new RunBuffer.Event("FAIL", 2, true, true, false, true)).size());
        // Spark's integration can send COMPLETE after a FAIL of the same execution.
        assertTrue(b.add("r", complete("C", 3)).isEmpty());
        assertEquals(1, b.lateEvents);
        assertEquals(0, b.pendingRuns());
    }

    @Test
    void theOldestRunIsWrittenAsItStandsWhenTooManyWait() {
        RunBuffer b = new RunBuffer(2, 8, 1 << 20, 16);
        b.add("a", start("A"));
        b.add("b", new RunBuffer.Event("B-reads", 1, true, false, false, false));
        b.add("a", running("A2", true, true)); // a is now the most recently active
        List<RunBuffer.Finished> out = b.add("c", start("C"));
        assertTrue(out.isEmpty(), "b wrote nothing: dropped, not written");
        assertEquals(1, b.skippedNoOutputs);
        out = b.add("d", start("D"));
        assertEquals(1, out.size());
        assertEquals("a", out.get(0).runId);
        assertFalse(out.get(0).terminal);
        assertEquals(Arrays.asList("A", "A2"), out.get(0).events);
        assertEquals(1, b.handedOutEarly);
        assertTrue(b.add("a", complete("A-late", 9)).isEmpty()); // one object per execution
        assertEquals(2, b.pendingRuns());
    }

    @Test
    void aLongRunKeepsItsFirstItsLastAndItsNewestColumnLineage() {
        RunBuffer b = new RunBuffer(8, 4, 1 << 20, 16);
        b.add("r", start("S"));
        b.add("r", running("lineage", true, true));
        for (int i = 0; i < 5; i++) {
            b.add("r", running("R" + i, true, false));
        }
        RunBuffer.Finished f = b.add("r", complete("C", 7)).get(0);
        assertEquals(Arrays.asList("S", "lineage", "R4", "C"), f.events);
        assertEquals(4, b.trimmedEvents);
    }

    @Test
    void bytesHeldAreBoundedOverAllRuns() {
        String big = new String(new char[600]);
        RunBuffer b = new RunBuffer(8, 8, 2000, 16); // ~1200 bytes per event held as a String
        b.add("a", new RunBuffer.Event(big, 1, true, true, false, false));
        assertTrue(b.pendingBytes() <= 2000);
        List<RunBuffer.Finished> out = b.add("b", new RunBuffer.Event(big, 2, true, true, false, false));
        assertEquals(1, out.size());
        assertEquals("a", out.get(0).runId);
        assertTrue(b.pendingBytes() <= 2000, "held: " + b.pendingBytes());
    }

    @Test
    void drainHandsOutWhatIsPendingAndWroteData() {
        RunBuffer b = buffer();
        b.add("w", start("W"));
        b.add("r", new RunBuffer.Event("reads", 1, true, false, false, false));
        List<RunBuffer.Finished> out = b.drain();
        assertEquals(1, out.size());
        assertEquals("w", out.get(0).runId);
        assertFalse(out.get(0).terminal);
        assertEquals(0, b.pendingRuns());
        assertEquals(0, b.pendingBytes());
    }

    @Test
    void remembersOnlyABoundedNumberOfFinishedRuns() {
        RunBuffer b = new RunBuffer(8, 8, 1 << 20, 2);
        for (String id : new String[] {"a", "b", "c"}) {
            b.add(id, complete(id, 1));
        }
        assertEquals(1, b.add("a", complete("a-again", 2)).size(), "a was forgotten: a new run of that id");
        assertTrue(b.add("c", complete("c-again", 2)).isEmpty());
    }

    private static RunBuffer.Event covering(String name, boolean terminal, String... coverage) {
        return new RunBuffer.Event(name, 1, true, true, Arrays.asList(coverage).contains("o:t:columnLineage"),
                terminal, new HashSet<>(Arrays.asList(coverage)));
    }

    @Test
    void anEventWhoseEveryDatasetAndFacetALaterOneRepeatsIsLeftOut() {
        RunBuffer b = buffer();
        b.add("r", covering("S", false, "i:a", "o:t", "o:t:schema", "o:t:columnLineage"));
        b.add("r", covering("R1", false, "i:a", "o:t", "o:t:schema", "o:t:columnLineage"));
        b.add("r", covering("R2", false, "i:a", "i:b", "o:t", "o:t:schema", "o:t:columnLineage"));
        // The last event has no column lineage (built after Spark released the plan): R2 keeps it.
        RunBuffer.Finished f = b.add("r", covering("C", true, "i:a", "i:b", "o:t", "o:t:schema")).get(0);
        assertEquals(Arrays.asList("S", "R2", "C"), f.events, "S stays for the start time");
        assertEquals(1, b.supersededEvents);
    }

    @Test
    void anEventWithSomethingNoLaterOneHasStays() {
        RunBuffer b = buffer();
        b.add("r", covering("S", false, "o:t"));
        b.add("r", covering("R-input-b", false, "i:b", "o:t"));
        b.add("r", covering("R-run-facet", false, "o:t", "r:spark_applicationDetails"));
        RunBuffer.Finished f = b.add("r", covering("C", true, "i:a", "o:t", "o:t:columnLineage")).get(0);
        assertEquals(Arrays.asList("S", "R-input-b", "R-run-facet", "C"), f.events);
        assertEquals(0, b.supersededEvents);
    }

    @Test
    void boundsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new RunBuffer(0, 8, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RunBuffer(1, 2, 1, 1));
    }
}
