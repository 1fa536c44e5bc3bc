"""`lineage run`: every new lineage object under a source (Spline or OpenLineage) → column lineage → a DataHub sink.

The checkpoint only advances after the sink has accepted (and flushed) the proposals of an
object, so a crash at any point loses nothing: the next run re-sends at most one batch, and
re-sending is harmless because the proposals are idempotent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import islice
from typing import Any

from emrs_observe.datahub.mcps import EmitOptions, Proposal, ProposalBuilder
from emrs_observe.datahub.sinks import Sink, SinkError
from emrs_observe.lineage.engine import LineageError, WriteLineage
from emrs_observe.lineage.naming import DatasetNamer, NamingError
from emrs_observe.pipeline.checkpoint import Checkpoint, partition_date
from emrs_observe.pipeline.forms import Record, proposals, read_object, trace, without_graph
from emrs_observe.pipeline.gcpause import collector_paused_for
from emrs_observe.spline.errors import LineageReadError
from emrs_observe.spline.model import ExecutionEvent, LineageRecord
from emrs_observe.spline.reader import FORM_PLAN
from emrs_observe.storage import ObjectRef, StorageError, first_key, list_objects, read_bytes

# What Spark and Hadoop leave next to data, which is never lineage.
_NOT_LINEAGE_SUFFIXES = (".crc", ".parquet", ".orc", ".avro", ".snappy", ".gz.parquet")


@dataclass(frozen=True)
class RunOptions:
    source: str
    state: str | None = None
    env: str = "PROD"
    platform_instance: str | None = None
    since: date | None = None
    lookback_days: int | None = None
    workers: int = 8
    batch_size: int = 200
    include_indirect: bool = False
    path_specs: tuple[str, ...] = ()
    catalog_platform: str = "glue"
    warehouses: tuple[str, ...] = ()
    strip_partitions: bool = False


@dataclass
class RunSummary:
    source: str
    sink: str
    objects_listed: int = 0
    objects_skipped: int = 0
    objects_already_done: int = 0
    objects_read: int = 0
    executions: int = 0
    lineage_edges: int = 0
    proposals: int = 0
    # Whole objects, or single plans of an object whose other plans went through (with a "plan" key).
    rejected: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    sink_error: str | None = None
    by_form: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "sink": self.sink,
            "objects": {"listed": self.objects_listed, "skipped_not_lineage": self.objects_skipped,
                        "already_processed": self.objects_already_done, "read": self.objects_read,
                        "rejected": len(self.rejected), "unreadable": len(self.unreadable)},
            "executions": self.executions, "lineage_edges": self.lineage_edges,
            "proposals": self.proposals, "by_form": dict(sorted(self.by_form.items())),
            "rejected": self.rejected, "unreadable": self.unreadable, "sink_error": self.sink_error,
        }


@dataclass
class _Outcome:
    obj: ObjectRef
    form: str = ""
    items: list[tuple[Record, WriteLineage, list[Proposal]]] = field(default_factory=list)
    orphan_events: list[ExecutionEvent] = field(default_factory=list)
    rejected: str | None = None
    unreadable: str | None = None
    # Plans of this object that were rejected while its other plans went on: (plan, reason).
    rejected_plans: list[tuple[str, str]] = field(default_factory=list)


def is_candidate(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    if name.startswith((".", "part-")) or name in ("_SUCCESS", "_committed", "_started"):
        return False
    return not name.endswith(_NOT_LINEAGE_SUFFIXES)


class LineageProcessor:
    def __init__(self, options: RunOptions, sink: Sink,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.options = options
        self.sink = sink
        self.on_progress = on_progress
        self.namer = DatasetNamer(options.path_specs, options.catalog_platform, warehouses=options.warehouses,
                                  strip_partitions=options.strip_partitions)
        self.builder = ProposalBuilder(EmitOptions(options.env, options.platform_instance, options.include_indirect))
        self._bare_plans: dict[str, tuple[LineageRecord, WriteLineage]] = {}
        self._pending_events: dict[str, tuple[ObjectRef, ExecutionEvent]] = {}

    def run(self) -> RunSummary:
        opts = self.options
        summary = RunSummary(opts.source, self.sink.description)
        checkpoint = Checkpoint.load(opts.state, opts.source)
        cutoff = self._cutoff()
        if cutoff is not None:
            checkpoint.prune_before(cutoff)
        start_after = f"dt={(cutoff - timedelta(days=1)).isoformat()}~" if cutoff else None
        todo: list[ObjectRef] = []
        for obj in list_objects(opts.source, start_after if _dated_layout(opts.source) else None):
            summary.objects_listed += 1
            if not is_candidate(obj.key) or not self._in_window(obj, cutoff):
                summary.objects_skipped += 1
            elif checkpoint.is_done(obj.key, obj.size):
                summary.objects_already_done += 1
            else:
                todo.append(obj)

        done = 0
        total = len(todo)
        if self.on_progress:
            self.on_progress(0, total)
        with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
            for batch in _chunks(todo, opts.batch_size):
                outcomes = list(pool.map(self._process, batch))
                paired: list[ObjectRef] = []
                try:
                    for outcome in outcomes:
                        paired.extend(self._emit(outcome))
                    self.sink.flush()
                except SinkError as exc:
                    summary.sink_error = str(exc)
                    break
                for outcome in outcomes:
                    self._record(outcome, checkpoint, summary)
                for obj in paired:  # events that waited in an earlier batch for the plan that came now
                    checkpoint.mark_processed(obj.key, obj.size)
                checkpoint.save()
                done += len(batch)
                if self.on_progress:
                    self.on_progress(done, total)

        if summary.sink_error is None:
            for plan_id, (obj, _event) in sorted(self._pending_events.items()):
                reason = f"execution event for plan {plan_id}: no plan with that id was read in this run"
                checkpoint.mark_rejected(obj.key, obj.size, reason)
                summary.rejected.append({"object": obj.uri, "reason": reason})
            checkpoint.save()
        return summary

    def _cutoff(self) -> date | None:
        cutoffs = []
        if self.options.since is not None:
            cutoffs.append(self.options.since)
        if self.options.lookback_days is not None:
            cutoffs.append(datetime.now(timezone.utc).date() - timedelta(days=self.options.lookback_days))
        return max(cutoffs) if cutoffs else None

    @staticmethod
    def _in_window(obj: ObjectRef, cutoff: date | None) -> bool:
        if cutoff is None:
            return True
        day = partition_date(obj.key)
        if day is None:
            day = datetime.fromtimestamp(obj.modified, timezone.utc).date() if obj.modified else None
        return day is None or day >= cutoff

    def _process(self, obj: ObjectRef) -> _Outcome:
        """Runs on a worker thread: read, parse, compute lineage and proposals for one object."""
        outcome = _Outcome(obj)
        try:
            data = read_bytes(obj.uri)
        except StorageError as exc:
            outcome.unreadable = str(exc)
            return outcome
        with collector_paused_for(len(data)):
            return self._trace(outcome, data)

    def _trace(self, outcome: _Outcome, data: bytes) -> _Outcome:
        obj = outcome.obj
        try:
            result = read_object(obj.uri, data)
        except LineageReadError as exc:
            outcome.rejected = exc.reason
            return outcome
        except Exception as exc:  # a reader bug on one object must not end the run
            outcome.rejected = f"cannot read: {type(exc).__name__}: {exc}"
            return outcome
        outcome.form = result.form
        outcome.orphan_events = result.orphan_events
        outcome.rejected_plans.extend(("", error) for error in result.errors)
        for record in result.records:
            ident = record.plan.id if isinstance(record, LineageRecord) else record.write.id
            try:
                lineage = trace(record, self.namer)
                made = proposals(self.builder, record, lineage)
            except (LineageError, NamingError) as exc:
                outcome.rejected_plans.append((ident, str(exc)))
                continue
            except Exception as exc:  # one plan the engine cannot handle rejects that plan only
                outcome.rejected_plans.append((ident, f"plan {ident}: {type(exc).__name__}: {exc}"))
                continue
            outcome.items.append((without_graph(record), lineage, made))
        if outcome.rejected_plans and not outcome.items and not outcome.orphan_events:
            outcome.rejected = "; ".join(reason for _, reason in outcome.rejected_plans)
            outcome.rejected_plans.clear()
        return outcome

    def _emit(self, outcome: _Outcome) -> list[ObjectRef]:
        """Sends an object's proposals; returns earlier event objects that its plans completed."""
        paired = []
        for record, lineage, made in outcome.items:
            if isinstance(record, LineageRecord) and record.form == FORM_PLAN and record.event is None:
                pending = self._pending_events.pop(record.plan.id, None)
                if pending is not None:
                    record = replace(record, event=pending[1])
                    made = proposals(self.builder, record, lineage)
                    if pending[0].key != outcome.obj.key:
                        paired.append(pending[0])
                self._bare_plans[record.plan.id] = (record, lineage)
            self.sink.emit(made)
        for event in outcome.orphan_events:
            known = self._bare_plans.get(event.plan_id)
            if known is None:
                self._pending_events[event.plan_id] = (outcome.obj, event)
            else:
                self.sink.emit(proposals(self.builder, replace(known[0], event=event), known[1]))
        return paired

    def _record(self, outcome: _Outcome, checkpoint: Checkpoint, summary: RunSummary) -> None:
        obj = outcome.obj
        if outcome.unreadable is not None:
            summary.unreadable.append({"object": obj.uri, "reason": outcome.unreadable})
            return
        summary.objects_read += 1
        if outcome.rejected is not None:
            summary.rejected.append({"object": obj.uri, "reason": outcome.rejected})
            checkpoint.mark_rejected(obj.key, obj.size, outcome.rejected)
            return
        for plan_id, reason in outcome.rejected_plans:
            summary.rejected.append({"object": obj.uri, "plan": plan_id, "reason": reason} if plan_id
                                    else {"object": obj.uri, "reason": reason})
        summary.by_form[outcome.form] = summary.by_form.get(outcome.form, 0) + 1
        for _, lineage, made in outcome.items:
            summary.executions += 1
            summary.lineage_edges += lineage.edge_count()
            summary.proposals += len(made)
        if any(obj.key == pending_obj.key for pending_obj, _ in self._pending_events.values()):
            return  # an event still waiting for its plan: decided at the end of the run
        checkpoint.mark_processed(obj.key, obj.size)


def _dated_layout(source: str) -> bool:
    """Sources in the dispatcher's layout (`<prefix>/dt=…/`) can start listing at the cutoff."""
    try:
        first = first_key(source)
    except StorageError:
        return False
    return first is not None and first.startswith("dt=")


def _chunks(items: Sequence[ObjectRef], size: int) -> Iterator[list[ObjectRef]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, max(1, size))):
        yield chunk


def run_lineage(options: RunOptions, sink: Sink, on_progress: Callable[[int, int], None] | None = None) -> RunSummary:
    try:
        return LineageProcessor(options, sink, on_progress).run()
    finally:
        with contextlib.suppress(SinkError):
            sink.close()
