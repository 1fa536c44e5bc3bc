"""Every Spline output form reads into the same lineage; everything else is rejected by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.spline.errors import LineageReadError
from emrs_observe.spline.plans import parse_plan
from emrs_observe.spline.reader import (
    FORM_EVENT,
    FORM_HDFS,
    FORM_OBJECT,
    FORM_PLAN,
    FORM_TEXT,
    ReadResult,
    read_lineage,
)
from tests.lineage import samples
from tests.lineage.corpus.capture import FIXTURES as CORPUS
from tests.lineage.expected import COUNTRY_REVENUE, ENRICHED_ORDERS
from tests.lineage.helpers import summarise
from tests.lineage.planbuilder import console_text, to_internal


def _read(path: Path) -> ReadResult:
    return read_lineage(str(path), path.read_bytes())


def test_committed_examples_are_what_the_sample_builder_makes(examples: Path) -> None:
    for relative, text in samples.sample_files().items():
        assert (examples / relative).read_text(encoding="utf-8") == text, (
            f"examples/{relative} is stale: run python -m tests.lineage.samples")


def test_emrs_observe_object_carries_plan_event_and_job(examples: Path) -> None:
    (path,) = sorted(examples.glob("lineage/**/1763719262000-*.json"))
    result = _read(path)
    assert result.form == FORM_OBJECT
    (record,) = result.records
    assert record.job.emr_job_run_id == samples.APP_ID
    assert record.job.release_label == "emr-7.2.0"
    assert record.job.tags == {"team": "sales-analytics", "env": "prod"}
    assert record.event is not None and record.event.timestamp_ms == samples.REVENUE_TS
    assert summarise(compute_lineage(record.plan)) == COUNTRY_REVENUE


def test_values_only_pythons_json_accepts_are_still_read(examples: Path) -> None:
    """NaN, an out-of-range number and a lone surrogate in a lineage object are read as json.loads
    reads them, not rejected as malformed (the fast decoder refuses them; json.loads decides)."""
    (path,) = sorted(examples.glob("lineage/**/1763719262000-*.json"))
    text = path.read_text()
    odd = text.replace('"job": {', '"job": {"sampleRatio": NaN, "budget": 1e400, "note": "\\ud800", ', 1)
    assert odd != text
    (record,) = read_lineage(path.name, odd.encode()).records
    assert record.job.emr_job_run_id == samples.APP_ID
    assert summarise(compute_lineage(record.plan)) == COUNTRY_REVENUE


@pytest.mark.parametrize("relative, form", [
    ("spline-forms/hdfs/sales.db/country_revenue/_LINEAGE", FORM_HDFS),
    ("spline-forms/console/driver-stdout.log", FORM_TEXT),
    ("spline-forms/bare/plan-v1.2.json", FORM_PLAN),
])
def test_each_spline_form_gives_the_same_lineage(examples: Path, relative: str, form: str) -> None:
    result = _read(examples / relative)
    assert result.form == form
    (record,) = result.records
    assert summarise(compute_lineage(record.plan)) == COUNTRY_REVENUE
    assert record.job.spark_app_name == "orders-daily"
    if form != FORM_PLAN:
        assert record.event is not None and record.event.plan_id == record.plan.id


def test_bare_event_is_read_as_an_event_waiting_for_its_plan(examples: Path) -> None:
    result = _read(examples / "spline-forms/bare/event-v1.2.json")
    assert result.form == FORM_EVENT
    assert result.records == []
    (event,) = result.orphan_events
    assert event.plan_id == samples.country_revenue().plan_id


def test_console_text_with_several_plans_and_api_1_1() -> None:
    first, second = samples.enriched_orders(), samples.country_revenue()
    text = console_text(first.plan(), first.event(1), api="1.1") + console_text(second.plan(), None, api="1.1")
    result = read_lineage("stdout", text.encode())
    assert [summarise(compute_lineage(r.plan)) for r in result.records] == [ENRICHED_ORDERS, COUNTRY_REVENUE]
    assert result.records[0].event is not None and result.records[1].event is None


def test_newer_console_array_form() -> None:
    builder = samples.enriched_orders()
    text = json.dumps(["plan", builder.plan()]) + "\n" + json.dumps(["event", builder.event(7)]) + "\n"
    (record,) = read_lineage("stdout", text.encode()).records
    assert record.event is not None and record.event.timestamp_ms == 7
    assert summarise(compute_lineage(record.plan)) == ENRICHED_ORDERS


def _plan() -> dict[str, Any]:
    return samples.country_revenue().plan()


@pytest.mark.parametrize("name, content, reason", [
    ("empty.json", b"", "the object is empty"),
    ("binary.bin", b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8"),
    ("notes.txt", b"hello, this is not lineage\n", "neither JSON nor console"),
    ("truncated.json", json.dumps({"format": "emrs-observe.lineage", "version": 1,
                                   "executionPlan": {"id": "x"}}).encode()[:-7], "truncated JSON"),
    ("garbage.json", b'{"a": 1,, "b": 2}', "invalid JSON"),
    ("other.json", b'{"hello": "world", "count": 3}', "not Spline lineage (top-level keys: count, hello)"),
    ("array.json", b"[1, 2, 3]", "JSON array that is not a Spline console record"),
    ("future.json", json.dumps({"format": "emrs-observe.lineage", "version": 9}).encode(), "version 9"),
    ("alien.json", json.dumps({"format": "openlineage", "version": 1}).encode(), "unknown format 'openlineage'"),
])
def test_malformed_objects_are_rejected_with_the_file_and_reason(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(LineageReadError) as info:
        read_lineage(f"s3://bucket/lineage/{name}", content)
    assert info.value.source == f"s3://bucket/lineage/{name}"
    assert reason in info.value.reason
    assert str(info.value).startswith(f"s3://bucket/lineage/{name}: ")


def _dangling_attribute_ref(plan: dict[str, Any]) -> None:
    plan["attributes"][-1]["childRefs"] = [{"__attrId": "attr-999"}]


def _dangling_expression_ref(plan: dict[str, Any]) -> None:
    plan["expressions"]["functions"][0]["childRefs"] = [{"__exprId": "expr-404"}]


def _dangling_output(plan: dict[str, Any]) -> None:
    plan["operations"]["reads"][0]["output"].append("attr-777")


def _dangling_child(plan: dict[str, Any]) -> None:
    plan["operations"]["write"]["childIds"] = ["op-55"]


def _no_write(plan: dict[str, Any]) -> None:
    del plan["operations"]["write"]


def _param_ref(plan: dict[str, Any]) -> None:
    plan["operations"]["other"][0]["params"]["condition"] = {"__exprId": "expr-31337"}


def _param_list_ref(plan: dict[str, Any]) -> None:
    plan["operations"]["other"][0]["params"]["projectList"] = [{"__attrId": "attr-31338"}]


def _unhashable_ref(plan: dict[str, Any]) -> None:
    plan["attributes"][-1]["childRefs"] = [{"__attrId": ["attr-1"]}]


@pytest.mark.parametrize("damage, reason", [
    (_dangling_attribute_ref, "references attribute 'attr-999', which the plan does not define"),
    (_dangling_expression_ref, "references expression 'expr-404', which the plan does not define"),
    (_dangling_output, "outputs attribute 'attr-777', which the plan does not define"),
    (_dangling_child, "has child 'op-55', which the plan does not define"),
    (_no_write, "operations.write must be a JSON object"),
    (_param_ref, "references expression 'expr-31337'"),
    (_param_list_ref, "references attribute 'attr-31338'"),
    (_unhashable_ref, "references attribute \"['attr-1']\", which the plan does not define"),
])
def test_plans_with_dangling_references_are_rejected(damage: Callable[[dict[str, Any]], None], reason: str) -> None:
    plan = _plan()
    damage(plan)
    with pytest.raises(LineageReadError) as info:
        read_lineage("plan.json", json.dumps(plan).encode())
    assert reason in info.value.reason
    assert samples.country_revenue().plan_id in info.value.reason


def test_a_plan_read_from_a_document_the_caller_keeps_leaves_it_as_it_was() -> None:
    plan = _plan()
    before = json.dumps(plan)
    first = parse_plan(plan)
    assert json.dumps(plan) == before
    assert parse_plan(plan) == first


def test_internal_model_reference_to_nothing_is_rejected() -> None:
    plan = to_internal(_plan())
    plan["attributes"][-1]["childRefs"] = [{"id": "attr-4242"}]
    with pytest.raises(LineageReadError, match="references 'attr-4242', which is neither an attribute nor an"):
        read_lineage("_LINEAGE", json.dumps({"executionPlan": plan, "executionEvent": None}).encode())


def test_event_of_another_plan_is_rejected() -> None:
    doc = {"executionPlan": _plan(), "executionEvent": samples.enriched_orders().event(1)}
    with pytest.raises(LineageReadError, match="belongs to plan 5f1f3e52-3c57-5b8f-a0c2-7f62f6c1a001"):
        read_lineage("_LINEAGE", json.dumps(doc).encode())


def test_truncated_plan_inside_console_text_names_the_line() -> None:
    text = console_text(_plan(), None)
    cut = text[: text.index('"attributes"')]
    with pytest.raises(LineageReadError, match="ExecutionPlan at line 3: truncated or invalid JSON"):
        read_lineage("driver.log", cut.encode())


def test_data_types_are_named_as_spark_names_them() -> None:
    """Captured from the real agent over the corpus seed tables (tests/lineage/corpus/jobs.py: `order_id long`,
    `items array<struct<sku:string,qty:int>>`, `address struct<city:string,zip:string>`)."""
    doc = json.loads((CORPUS / "join_inner" / "01.json").read_text())
    plan = doc["executionPlan"]
    types = {a.name: a.data_type for a in parse_plan(plan).attributes.values()}
    assert types["order_id"] == "bigint"
    assert types["items"] == "array<struct<sku:string,qty:int>>"
    assert types["address"] == "struct<city:string,zip:string>"
    # A type id the plan's table does not define is kept as given; it equals no named type.
    plan["attributes"][0]["dataType"] = "type-that-is-not-there"
    assert parse_plan(plan).attributes[plan["attributes"][0]["id"]].data_type == "type-that-is-not-there"
