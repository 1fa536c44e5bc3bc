"""OpenLineage run events read into the engine's model: our objects, the file transport's JSON lines,
and every way an event can be malformed or partial (refused alone, by its place and run).

The events are those the real listener sent for the corpus (`corpus/fixtures_openlineage/`, and
`fixtures/openlineage/file-transport.jsonl` from OpenLineage's own file transport in the same
session); a damaged event is a captured one with one part broken, and what the corpus never
produced (a failed run's error facet) is built with OpenLineage's own client classes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attr
import msgspec
import pytest
from openlineage.client.generated import base, column_lineage_dataset, schema_dataset, symlinks_dataset
from openlineage.client.generated.error_message_run import ErrorMessageRunFacet
from openlineage.client.generated.lifecycle_state_change_dataset import LifecycleStateChangeDatasetFacet
from openlineage.client.serde import Serde

from emrs_observe.datahub.mcps import ProposalBuilder
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.openlineage import events as model
from emrs_observe.openlineage.reader import FORM_OPENLINEAGE_EVENTS, FORM_OPENLINEAGE_OBJECT, read_openlineage
from emrs_observe.openlineage.runs import RunRecord
from emrs_observe.pipeline.forms import proposals, read_object, trace
from emrs_observe.spline.errors import LineageReadError
from tests.lineage.test_corpus import edges

CORPUS = Path(__file__).resolve().parent / "corpus" / "fixtures_openlineage"
JSON_LINES = Path(__file__).resolve().parent / "fixtures" / "openlineage" / "file-transport.jsonl"


def _object(job: str, index: int = 1) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CORPUS / job / f"{index:02d}.json").read_bytes())
    return doc


def _read(doc: dict[str, Any], name: str = "s3://lake/lineage/obj.json") -> list[RunRecord]:
    result = read_openlineage(name, json.dumps(doc).encode())
    assert not result.errors, result.errors
    return result.records


def _facts(records: list[RunRecord]) -> set[str]:
    return set().union(*(edges(trace(record, DatasetNamer())) for record in records))


def _ms(event: dict[str, Any]) -> int:
    return model.event_time_ms(msgspec.convert(event, model.RunEvent))


def test_our_object_is_one_write_with_the_job_and_the_run_outcome() -> None:
    doc = _object("group_by")
    (record,) = _read(doc)
    assert record.form == FORM_OPENLINEAGE_OBJECT
    run_id = doc["events"][0]["run"]["runId"]
    assert record.write.id == run_id and record.job.spark_app_name == "lineage-corpus"
    assert record.job.spark_app_id == doc["job"]["sparkAppId"]
    assert record.event is not None and record.event.succeeded
    assert record.event.timestamp_ms == _ms(doc["events"][-1])
    assert record.event.duration_ns == (_ms(doc["events"][-1]) - _ms(doc["events"][0])) * 1_000_000
    lineage = trace(record, DatasetNamer())
    assert str(lineage.output) == "file:/tmp/emrs-corpus/out/group_by"
    assert [c.column for c in lineage.columns] == ["country", "revenue", "orders", "last_ts"]  # the schema's order
    assert [c.data_type for c in lineage.columns] == ["string", "double", "long", "timestamp"]


def test_file_transport_lines_are_grouped_by_run_as_our_objects_hold_them() -> None:
    """The same jobs' events from OpenLineage's own file transport (all runs of the application in one
    file, interleaved as they ran: the CTAS's two executions overlap) and from our transport: the
    same writes, edge for edge."""
    result = read_openlineage(str(JSON_LINES), JSON_LINES.read_bytes())
    assert result.form == FORM_OPENLINEAGE_EVENTS and not result.errors
    captured = (_object(job, i) for job, i in (("join_inner", 1), ("group_by", 1), ("ctas", 2), ("ctas", 3)))
    objects = {doc["events"][-1]["job"]["name"]: doc for doc in captured}
    assert sorted(r.write.job_name for r in result.records) == sorted(objects)
    # The application's own run, the DROP TABLE's, and four RDD jobs Spark ran to read Parquet
    # footers (OpenLineage sent their START only): no write among them.
    assert result.runs_without_output == 6
    for record in result.records:
        assert _facts([record]) == _facts(_read(objects[record.write.job_name])), record.write.job_name
        # Without our object's job part, the application is named by OpenLineage's facets.
        assert record.job.spark_app_name == "lineage-corpus" and record.job.spark_app_id
        assert record.event is not None and record.event.succeeded


def test_without_job_metadata_or_application_facets_the_parent_run_names_the_application() -> None:
    """`defaults render` disables the facets naming the application (the object's job part does); an
    object without that part still gets one DataFlow per application: the parent run's job."""
    doc = _object("join_inner")
    doc.pop("job")
    for event in doc["events"]:
        assert "spark_applicationDetails" not in event["run"]["facets"]
    (record,) = _read(doc)
    assert record.job.spark_app_name is None and record.write.app_name == "lineage_corpus"


def test_json_lines_in_another_order_give_the_same_runs() -> None:
    lines = JSON_LINES.read_bytes().splitlines()
    forward = read_openlineage("a.jsonl", b"\n".join(lines)).records
    backward = read_openlineage("b.jsonl", b"\n".join(reversed(lines)) + b"\n").records
    assert {r.write.run_id: (_facts([r]), r.event) for r in forward} == \
        {r.write.run_id: (_facts([r]), r.event) for r in backward}


def test_a_single_event_document_is_read_pretty_printed_too() -> None:
    event = _object("join_inner")["events"][-1]
    (record,) = read_openlineage("event.json", json.dumps(event, indent=2).encode()).records
    assert _facts([record]) == _facts(_read(_object("join_inner")))


def test_lineage_on_an_earlier_event_than_the_last_is_kept() -> None:
    doc = _object("case_when")
    wanted = _facts(_read(doc))
    for event in doc["events"][1:]:
        for output in event["outputs"]:
            output["facets"].pop("columnLineage")
    doc["events"][-1].pop("outputs")  # and the last names no output at all
    (record,) = _read(doc)
    assert _facts([record]) == wanted and any("CONDITIONAL" in fact for fact in wanted)


def test_a_run_no_event_has_ended_has_lineage_but_no_outcome() -> None:
    doc = _object("join_inner")
    wanted = _facts(_read(doc))
    doc["events"] = doc["events"][:-1]
    (record,) = _read(doc)
    assert record.event is None and _facts([record]) == wanted
    assert not [p for p in proposals(ProposalBuilder(), record, trace(record, DatasetNamer()))
                if p.entityType == "dataProcessInstance"]


def _end_event(record: RunRecord) -> dict[str, Any]:
    made = proposals(ProposalBuilder(), record, trace(record, DatasetNamer()))
    runs = [p for p in made if p.entityType == "dataProcessInstance"]
    properties = json.loads(json.dumps(runs[0].to_obj()))["aspect"]["value"]
    end: dict[str, Any] = json.loads(json.loads(json.dumps(runs[-1].to_obj()))["aspect"]["value"])
    end["properties"] = json.loads(properties)["customProperties"]
    return end


def test_failed_and_aborted_runs_are_failed_runs_with_their_error() -> None:
    doc = _object("join_inner")
    last = doc["events"][-1]
    last["eventType"] = "FAIL"
    error = ErrorMessageRunFacet(message="Job aborted due to stage failure: disk full", programmingLanguage="JAVA",
                                 stackTrace="org.apache.spark.SparkException: …")
    last["run"]["facets"]["errorMessage"] = Serde.to_dict(error)
    (record,) = _read(doc)
    assert record.event is not None and not record.event.succeeded
    assert record.event.error == "Job aborted due to stage failure: disk full"
    end = _end_event(record)
    assert end["result"]["type"] == "FAILURE"
    assert end["properties"]["error"] == "Job aborted due to stage failure: disk full"
    assert end["properties"]["runId"] == record.write.run_id and "planId" not in end["properties"]

    last["eventType"] = "ABORT"
    del last["run"]["facets"]["errorMessage"]
    (record,) = _read(doc)
    assert record.event is not None and record.event.error == "the run ended with ABORT"
    assert _end_event(record)["result"]["type"] == "FAILURE"


def test_a_drop_table_output_is_no_write() -> None:
    result = read_openlineage("drop.json", (CORPUS / "ctas" / "01.json").read_bytes())
    assert result.records == [] and result.runs_without_output == 1 and not result.errors


def test_an_overwrite_is_no_append_and_an_insert_into_is_one() -> None:
    (overwrite,) = _read(_object("group_by"))
    (insert,) = _read(_object("insert_into_partitioned"))
    assert not trace(overwrite, DatasetNamer()).append and trace(insert, DatasetNamer()).append
    # The lifecycle facet as OpenLineage's client writes it is what the reader takes.
    facet = Serde.to_dict(LifecycleStateChangeDatasetFacet(lifecycleStateChange="OVERWRITE"))  # type: ignore[arg-type]
    doc = _object("insert_into_partitioned")
    for event in doc["events"]:
        event["outputs"][0]["facets"]["lifecycleStateChange"] = facet
    assert not trace(_read(doc)[0], DatasetNamer()).append


Damage = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Damage:
    def damage(event: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = event
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return damage


_DELETE = object()


@pytest.mark.parametrize("damage, reason", [
    (_set("eventTime", _DELETE), "Object missing required field `eventTime`"),
    (_set("eventTime", "yesterday"), "eventTime 'yesterday' is not an ISO 8601 date-time"),
    (_set("eventTime", "2026-12-07"), "is not an ISO 8601 date-time"),
    (_set("run.runId", "run-1"), "run.runId 'run-1' is not a UUID"),
    (_set("run", "r"), "Expected `object`, got `str` - at `$.run`"),
    (_set("job.name", 7), "Expected `str`, got `int` - at `$.job.name`"),
    (_set("eventType", "FINISHED"), "eventType 'FINISHED' is none of ABORT, COMPLETE, FAIL, OTHER, RUNNING, START"),
    (_set("outputs", {}), "Expected `array | null`, got `object` - at `$.outputs`"),
    (_set("outputs.0.name", None), "Expected `str`, got `null` - at `$.outputs[0].name`"),
    (_set("outputs.0.facets.columnLineage.fields", []), "got `array` - at `$.outputs[0].facets.columnLineage.fields`"),
    (_set("outputs.0.facets.columnLineage.fields.amount.inputFields.0.field", _DELETE),
     "missing required field `field` - at `$.outputs[0].facets.columnLineage.fields[...].inputFields[0]`"),
    (_set("outputs.0.facets.columnLineage.fields.amount.inputFields.0.transformations", "DIRECT"),
     "at `$.outputs[0].facets.columnLineage.fields[...].inputFields[0].transformations`"),
    (_set("outputs.0.facets.symlinks", {"identifiers": [{"name": "sales.x", "type": "TABLE"}]}),
     "missing required field `namespace` - at `$.outputs[0].facets.symlinks.identifiers[0]`"),
    (_set("inputs.0.namespace", ["file"]), "Expected `str`, got `array` - at `$.inputs[0].namespace`"),
    (_set("run.facets.errorMessage", {"message": 42}), "at `$.run.facets.errorMessage.message`"),
])
def test_a_malformed_event_is_refused_alone_by_place_and_run(damage: Damage, reason: str) -> None:
    doc = _object("join_inner")
    wanted = _facts(_read(doc))
    run_id = doc["events"][1]["run"]["runId"]
    damage(doc["events"][1])
    result = read_openlineage("s3://lake/obj.json", json.dumps(doc).encode())
    (error,) = result.errors
    assert error.startswith("events[1]") and reason in error, error
    if "runId" not in reason and "`$.run`" not in reason:
        assert f"(run {run_id})" in error
    (record,) = result.records  # the run's other events still make the write
    assert _facts([record]) == wanted


def test_events_that_are_not_objects_are_refused_alone() -> None:
    doc = _object("join_inner")
    doc["events"].insert(2, "START")
    doc["events"].insert(3, None)
    result = read_openlineage("obj.json", json.dumps(doc).encode())
    assert [e.split(":")[0] for e in result.errors] == ["events[2]", "events[3]"]
    assert len(result.records) == 1


def test_malformed_lines_are_refused_alone_and_the_other_runs_read() -> None:
    lines = JSON_LINES.read_bytes().splitlines()
    damaged = [*lines[:3], b'{"eventTime": "2026-12-07T10:00:00Z", "run": ', b"not json at all", *lines[3:],
               lines[-1][: len(lines[-1]) // 2]]
    result = read_openlineage("events.jsonl", b"\n".join(damaged))
    assert [e.split(":")[0] for e in result.errors] == ["line 4", "line 5", f"line {len(damaged)}"]
    assert all("invalid JSON" in e for e in result.errors), result.errors
    whole = read_openlineage("all.jsonl", b"\n".join(lines))
    assert sorted(r.write.id for r in result.records) == sorted(r.write.id for r in whole.records)


@pytest.mark.parametrize("content, reason", [
    (b'{"format": "emrs-observe.openlineage", "version": 1, "events": [{"eventTime": "2026-',
     "truncated JSON"),
    (b'{"format": "emrs-observe.openlineage", "version": 9, "events": []}', "version 9 is not supported"),
    (b'{"format": "emrs-observe.openlineage", "version": true, "events": []}', "version True is not supported"),
    (b'{"format": "emrs-observe.openlineage", "version": 1, "events": []}', "the lineage object has no events"),
    (b'{"format": "emrs-observe.openlineage", "version": 1, "events": {}}',
     "Expected `array | null`, got `object` - at `$.events`"),
    (b'{"format": "emrs-observe.openlineage", "version": 1, "events": [1, {"run": {}}]}',
     "events[0]: not an OpenLineage run event: Expected `object`, got `int`; events[1]: not an OpenLineage run "
     "event: Object missing required field `runId` - at `$.run`"),
    (b'{"format": "emrs-observe.openlineage", "version": 1, "job": "spark", "events": []}',
     "Expected `object | null`, got `str` - at `$.job`"),
    (b'{"eventTime": "2026-12-07T10:00:00Z", "run": {"runId": 3}}\n{"eventTime": 1, "run": {"runId": "x"}}\n',
     "line 1: not an OpenLineage run event: Expected `str`, got `int` - at `$.run.runId`; line 2 (run x): not an "
     "OpenLineage run event: Expected `str`, got `int` - at `$.eventTime`"),
])
def test_an_object_with_nothing_readable_is_rejected_with_its_name_and_why(content: bytes, reason: str) -> None:
    with pytest.raises(LineageReadError) as info:
        read_object("s3://lake/lineage/x.json", content)
    assert info.value.source == "s3://lake/lineage/x.json"
    assert reason in info.value.reason, info.value.reason


def test_the_forms_are_told_apart_and_spline_objects_still_go_to_spline() -> None:
    spline = (Path(__file__).resolve().parent / "corpus" / "fixtures" / "group_by" / "01.json").read_bytes()
    assert read_object("a.json", spline).form == "emrs-observe-object"
    assert read_object("b.json", (CORPUS / "group_by" / "01.json").read_bytes()).form == FORM_OPENLINEAGE_OBJECT
    assert read_object("c.jsonl", JSON_LINES.read_bytes()).form == FORM_OPENLINEAGE_EVENTS
    with pytest.raises(LineageReadError, match="unknown format 'openlineage'"):
        read_object("d.json", b'{"format": "openlineage", "version": 1}')


@pytest.mark.parametrize("ours, theirs", [
    (model.RunEvent, base.RunEvent), (model.Run, base.Run), (model.Job, base.Job),
    (model.InputDataset, base.InputDataset), (model.OutputDataset, base.OutputDataset),
    (model.ColumnLineageFacet, column_lineage_dataset.ColumnLineageDatasetFacet),
    (model.FieldLineage, column_lineage_dataset.Fields), (model.InputField, column_lineage_dataset.InputField),
    (model.Transformation, column_lineage_dataset.Transformation),
    (model.SymlinksFacet, symlinks_dataset.SymlinksDatasetFacet),
    (model.SymlinkIdentifier, symlinks_dataset.Identifier),
    (model.SchemaFacet, schema_dataset.SchemaDatasetFacet),
    (model.SchemaField, schema_dataset.SchemaDatasetFacetFields),
    (model.LifecycleStateChangeFacet, LifecycleStateChangeDatasetFacet),
    (model.ErrorMessageFacet, ErrorMessageRunFacet),
])
def test_the_fields_read_are_the_specs_as_openlineages_client_names_them(ours: type[msgspec.Struct],
                                                                        theirs: type) -> None:
    names = {field.name.lstrip("_") for field in attr.fields(theirs)}
    assert set(ours.__struct_fields__) <= names, set(ours.__struct_fields__) - names


def test_every_captured_event_is_one_openlineages_client_accepts() -> None:
    """The client's own checks on what it builds (a UUID run id, an ISO date-time with a time) agree
    with the reader's on every event the listener sent for the corpus."""
    for path in sorted(CORPUS.glob("*/*.json")):
        for event in json.loads(path.read_bytes())["events"]:
            base.Run(runId=event["run"]["runId"])
            base.RunEvent(eventTime=event["eventTime"], run=base.Run(runId=event["run"]["runId"]),
                          job=base.Job(namespace=event["job"]["namespace"], name=event["job"]["name"]))
            model.decode_event(json.dumps(event).encode())
    with pytest.raises(ValueError):
        base.Run(runId="run-1")
    with pytest.raises(model.EventError):
        model.decode_event(json.dumps({**copy.deepcopy(event), "run": {"runId": "run-1"}}).encode())
