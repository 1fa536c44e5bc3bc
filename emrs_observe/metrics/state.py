"""What the collector remembers between runs, in one JSON document (a local file or an S3 object,
replaced atomically through `emrs_observe.storage`):

- per application, which job runs are open and which were delivered (jobruns.AppRuns);
- per account/region, the last CloudWatch minute delivered of each Datadog series;
- the list prices per region, with when they were read (the Price List changes rarely);
- `pending`: the request in flight. It is written before a request is sent and cleared once Datadog's
  answer is recorded, so a collection that dies in between leaves behind exactly which points are in
  doubt (see collect.py for what the next collection does with them).

It holds ids, timestamps, prices and points, never a secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.metrics.cost import RegionPrices
from emrs_observe.metrics.jobruns import AppRuns
from emrs_observe.metrics.points import Point
from emrs_observe.storage import StorageError, read_optional, write_bytes

FORMAT = "emrs-observe.metrics-state"


class StateError(ValueError):
    """The state cannot be read or written; names it and why."""


@dataclass
class Pending:
    """One Datadog request whose answer was not recorded yet."""

    request_id: str
    written_at: str
    points: list[Point]
    runs: dict[str, dict[str, str]]  # application key -> {run id: createdAt}
    marks: dict[str, dict[str, int]]  # scope -> {series key: last minute}

    @property
    def run_count(self) -> int:
        return sum(len(r) for r in self.runs.values())

    def to_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "written_at": self.written_at,
                "points": [p.to_json() for p in self.points], "runs": self.runs, "marks": self.marks}

    @staticmethod
    def from_json(doc: dict[str, Any]) -> Pending:
        return Pending(
            str(doc["request_id"]),
            str(doc["written_at"]),
            [Point.from_json(p) for p in doc["points"]],
            {str(k): {str(r): str(c) for r, c in v.items()} for k, v in doc.get("runs", {}).items()},
            {str(k): {str(s): int(t) for s, t in v.items()} for k, v in doc.get("marks", {}).items()},
        )


@dataclass
class PriceCache:
    fetched_at: str
    prices: RegionPrices


@dataclass
class CollectState:
    apps: dict[str, AppRuns] = field(default_factory=dict)  # "account/region/application" -> runs
    high_water: dict[str, dict[str, int]] = field(default_factory=dict)  # "account/region" -> series -> minute
    prices: dict[str, PriceCache] = field(default_factory=dict)  # region -> list prices
    pending: Pending | None = None
    exists: bool = False

    def commit(self, runs: dict[str, dict[str, str]], marks: dict[str, dict[str, int]]) -> None:
        """Record delivered runs and CloudWatch minutes."""
        for key, delivered in runs.items():
            app = self.apps.setdefault(key, AppRuns())
            for run_id, created in delivered.items():
                app.open.pop(run_id, None)
                app.counted[run_id] = created
        for scope, series in marks.items():
            mine = self.high_water.setdefault(scope, {})
            for name, minute in series.items():
                mine[name] = max(mine.get(name, 0), minute)


def load_state(uri: str | None) -> CollectState:
    if not uri:
        return CollectState()
    try:
        raw = read_optional(uri)
    except StorageError as exc:
        raise StateError(f"state {uri}: {exc}") from None
    if raw is None:
        return CollectState()
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise ValueError(f"format is {found!r}, expected {FORMAT!r}")
        apps = {str(k): AppRuns.from_json(v) for k, v in doc.get("applications", {}).items()}
        marks = {str(k): {str(s): int(t) for s, t in v.items()} for k, v in doc.get("high_water", {}).items()}
        prices = {
            str(k): PriceCache(str(v["fetched_at"]), RegionPrices.from_json(v["prices"]))
            for k, v in doc.get("prices", {}).items()
        }
        pending = Pending.from_json(doc["pending"]) if doc.get("pending") else None
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise StateError(
            f"state {uri} is not a metrics collector state document ({exc}); move it away to start afresh"
        ) from None
    return CollectState(apps, marks, prices, pending, True)


def save_state(uri: str, state: CollectState) -> None:
    doc = {
        "format": FORMAT,
        "version": 1,
        "applications": {k: a.to_json() for k, a in sorted(state.apps.items())},
        "high_water": {k: dict(sorted(v.items())) for k, v in sorted(state.high_water.items())},
        "prices": {
            k: {"fetched_at": c.fetched_at, "prices": c.prices.to_json()} for k, c in sorted(state.prices.items())
        },
        "pending": state.pending.to_json() if state.pending else None,
    }
    try:
        write_bytes(uri, (json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8"))
    except StorageError as exc:
        raise StateError(f"state {uri}: {exc}") from None
