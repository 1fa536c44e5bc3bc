"""The corpus on Spark 4: OpenLineage's lineage objects against the same hand-written lineage, edge by edge.

Each fixture in `corpus/fixtures_openlineage/` was captured by `python -m
tests.lineage.corpus.capture_openlineage` from the same job as the Spline fixture, run on PySpark
4.0 with the real OpenLineage listener and our transport. The comparison is the Spline corpus' own
(`test_corpus.edges` against `expected.py`), with exactly the differences listed in
`expected_openlineage.py` and in docs/lineage.md's table: a new difference fails, and so does a
listed one that OpenLineage no longer makes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emrs_observe.lineage.engine import WriteLineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.openlineage.reader import FORM_OPENLINEAGE_OBJECT
from emrs_observe.pipeline.forms import read_object, trace
from tests.lineage.corpus.expected import EXPECTED
from tests.lineage.corpus.expected_openlineage import DIFFERENCES
from tests.lineage.corpus.jobs import JOBS
from tests.lineage.test_corpus import alias, corpus_lineage, edges, expected_edges

FIXTURES = Path(__file__).resolve().parent / "corpus" / "fixtures_openlineage"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "lineage.md"


def openlineage_lineage(job: str, namer: DatasetNamer | None = None) -> list[WriteLineage]:
    lineages: list[WriteLineage] = []
    for path in sorted((FIXTURES / job).glob("*.json")):
        read = read_object(str(path), path.read_bytes())
        assert read.form == FORM_OPENLINEAGE_OBJECT and not read.errors, (path, read.errors)
        lineages.extend(trace(record, namer or DatasetNamer()) for record in read.records)
    return lineages


def test_every_job_has_openlineage_fixtures_and_every_difference_a_job() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(JOBS), "re-run capture_openlineage"
    assert set(DIFFERENCES) <= set(JOBS)


@pytest.mark.parametrize("job", sorted(EXPECTED))
def test_openlineage_lineage_edge_by_edge(job: str) -> None:
    lineages = openlineage_lineage(job)
    assert lineages, f"{job}: no write in the fixtures"
    found = set().union(*(edges(lineage) for lineage in lineages))
    wanted = expected_edges(EXPECTED[job])
    difference = DIFFERENCES.get(job)
    missing = set(difference.missing) if difference else set()
    extra = set(difference.extra) if difference else set()
    assert missing <= wanted and not extra & wanted, f"{job}: the listed difference contradicts expected.py"
    unexpected_missing, unexpected_extra = sorted((wanted - missing) - found), sorted(found - wanted - extra)
    no_longer_missing, no_longer_extra = sorted(missing & found), sorted(extra - found)
    assert not (unexpected_missing or unexpected_extra or no_longer_missing or no_longer_extra), (
        f"{job}:\n  missing: {unexpected_missing}\n  unexpected: {unexpected_extra}\n"
        f"  listed as missing but found (update expected_openlineage.py and docs/lineage.md): {no_longer_missing}\n"
        f"  listed as extra but not found: {no_longer_extra}")


@pytest.mark.parametrize("job", sorted(JOBS))
def test_spark4_names_the_datasets_spark3_names(job: str) -> None:
    """The same namer over both forms: every write names the same output, and reads the same inputs but
    where OpenLineage sees a dataset the Spline agent loses (a subquery's table)."""
    spark3, spark4 = corpus_lineage(job), openlineage_lineage(job)
    assert sorted({w.output for w in spark4}) == sorted({w.output for w in spark3})
    inputs3 = {d for w in spark3 for d in w.inputs}
    inputs4 = {d for w in spark4 for d in w.inputs}
    assert inputs3 <= inputs4
    listed = DIFFERENCES[job].extra if job in DIFFERENCES else ()
    for dataset in inputs4 - inputs3:
        assert any(f"<- {alias(dataset)}." in fact for fact in listed), f"{job}: {dataset} is an unlisted input"


def test_fixtures_are_what_our_transport_writes() -> None:
    """Every fixture is one whole object of our transport: one run's events, START first and a terminal
    event last, each as OpenLineage's Spark integration 1.53 wrote it, with the job metadata."""
    for path in sorted(FIXTURES.glob("*/*.json")):
        doc = json.loads(path.read_bytes())
        assert doc["format"] == "emrs-observe.openlineage" and doc["version"] == 1, path
        events = doc["events"]
        assert len({event["run"]["runId"] for event in events}) == 1, path
        assert path.parent.name and events[-1]["eventType"] in ("COMPLETE", "FAIL", "ABORT"), path
        assert all(e["producer"].endswith("/1.53.0/integration/spark") for e in events), path
        assert doc["job"]["sparkAppName"] == "lineage-corpus", path


def _docs_table() -> dict[str, str]:
    """docs/lineage.md's table of the corpus differences: job → the rest of its row."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### The corpus on Spark 4"):]
    section = section[: section.index("\n#", 1)]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`([a-z_]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = rows.get(match.group(1), "") + match.group(2)
    return rows


def test_docs_list_exactly_these_differences() -> None:
    rows = _docs_table()
    assert set(rows) == set(DIFFERENCES)
    for job, difference in DIFFERENCES.items():
        for fact in (*difference.missing, *difference.extra):
            edge = fact.split(": ", 1)[1]
            assert f"`{edge}`" in rows[job], f"docs/lineage.md does not list {job}: {edge}"
