"""The engine on plans the real Spline agent wrote (tests/lineage/corpus), edge by edge.

Each fixture was captured by `python -m tests.lineage.corpus.capture` from a real Spark job run
with the real agent and our dispatcher; each expectation in `corpus/expected.py` was written by
hand from the job's code. A failure names the job and the edges that differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emrs_observe.lineage.engine import WriteLineage, compute_lineage
from emrs_observe.lineage.naming import DatasetRef
from emrs_observe.spline.reader import read_lineage
from tests.lineage.corpus.expected import EXPECTED, Write
from tests.lineage.corpus.jobs import BASE, JOBS

FIXTURES = Path(__file__).resolve().parent / "corpus" / "fixtures"
WAREHOUSE = BASE.strip("/") + "/warehouse/"


def alias(dataset: DatasetRef) -> str:
    """A dataset as the expectations name it: relative to the corpus folder, or `db.table`.

    Warehouse folders are named as their tables here, so that a CTAS's two plans (one naming the
    folder, one the table) compare as one write; how the namer names them is test_naming's job.
    """
    name = dataset.name.lstrip("/")
    if name.startswith(WAREHOUSE):
        database, _, table = name[len(WAREHOUSE):].partition("/")
        return f"{database.removesuffix('.db')}.{table}"
    if dataset.platform in ("glue", "hive"):
        return name
    return name.removeprefix(BASE.strip("/") + "/")


def edges(lineage: WriteLineage) -> set[str]:
    """Every fact of a write as one line: column edges, conditional columns, indirect columns."""
    out = alias(lineage.output)
    facts = set()
    for column in lineage.columns:
        facts.add(f"{out}: {column.column}")  # the column exists, whatever flows into it
        for edge in column.edges:
            kind = edge.transform.value + (" masked" if edge.masking else "") + \
                (" guessed" if edge.confidence < 1 else "")
            facts.add(f"{out}: {column.column} <- {alias(edge.upstream.dataset)}.{edge.upstream.column} {kind}")
        for source in column.conditional:
            facts.add(f"{out}: {column.column} <- {alias(source.dataset)}.{source.column} CONDITIONAL")
    for dep in lineage.indirect:
        facts.add(f"{out}: {dep.kind.value} <- {alias(dep.column.dataset)}.{dep.column.column}")
    return facts


def expected_edges(writes: list[Write]) -> set[str]:
    facts = set()
    for write in writes:
        for column, upstreams in write.columns.items():
            facts.add(f"{write.output}: {column}")
            facts.update(f"{write.output}: {column} <- {up} {kind}" for up, kind in upstreams.items())
        for column, sources in write.conditional.items():
            facts.update(f"{write.output}: {column} <- {source} CONDITIONAL" for source in sources)
        for kind, sources in write.indirect.items():
            facts.update(f"{write.output}: {kind} <- {source}" for source in sources)
    return facts


def corpus_lineage(job: str) -> list[WriteLineage]:
    lineages: list[WriteLineage] = []
    for path in sorted((FIXTURES / job).glob("*.json")):
        result = read_lineage(str(path), path.read_bytes())
        lineages.extend(compute_lineage(record.plan) for record in result.records)
    return lineages


def test_every_job_has_fixtures_and_expectations() -> None:
    assert len(JOBS) >= 25
    assert set(EXPECTED) == set(JOBS)
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(JOBS), "re-run the capture script"


@pytest.mark.parametrize("job", sorted(EXPECTED))
def test_corpus_lineage_edge_by_edge(job: str) -> None:
    lineages = corpus_lineage(job)
    assert lineages, f"{job}: no fixture"
    found = set().union(*(edges(lineage) for lineage in lineages))
    wanted = expected_edges(EXPECTED[job])
    missing, extra = sorted(wanted - found), sorted(found - wanted)
    assert not missing and not extra, f"{job}:\n  missing: {missing}\n  unexpected: {extra}"
    for lost in (lost for write in EXPECTED[job] for lost in write.lost):
        assert not any(fact.startswith(f"{write.output}: {lost}") for fact in found for write in EXPECTED[job])


def test_fixtures_are_what_the_dispatcher_writes() -> None:
    """Every fixture is a whole lineage object: Spline's v1.2 plan and event, with the job metadata."""
    for path in sorted(FIXTURES.glob("*/*.json")):
        doc = json.loads(path.read_bytes())
        assert doc["format"] == "emrs-observe.lineage" and doc["version"] == 1, path
        assert doc["executionPlan"]["agentInfo"]["name"] == "spline", path
        assert doc["executionEvent"]["planId"] == doc["executionPlan"]["id"], path
        assert doc["job"]["sparkAppName"] == "lineage-corpus", path
