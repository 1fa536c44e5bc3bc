"""Datadog points as the collector builds them: tags normalised as Datadog stores them, and the points
of one series at one second merged into one, since Datadog may keep only the last value a series
receives for a second (it says so for historical ingestion) and must never be relied on to add. Pure.

Datadog's tag rules (docs.datadoghq.com/getting_started/tagging): lowercase, start with a letter,
letters, digits, `_ - : . /` only (anything else becomes `_`), at most 200 characters. Datadog would
normalise them itself; doing it here means two tags Datadog would store as one are merged here too,
before a point could overwrite another. No Datadog library exposes this normalisation (the
datadog-api-client sends tags as given), hence the few lines below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

COUNT = "count"
GAUGE = "gauge"
_NOT_ALLOWED = re.compile(r"[^a-z0-9_\-:./]")
_UNDERSCORES = re.compile(r"__+")
MAX_TAG = 200


def tag(key: str, value: object) -> str:
    text = f"{key}:{value}".lower()
    text = _UNDERSCORES.sub("_", _NOT_ALLOWED.sub("_", text)).strip("_")
    if not text[:1].isalpha():
        text = "t_" + text
    return text[:MAX_TAG]


def tags_of(pairs: Mapping[str, object] | Iterable[tuple[str, object]]) -> tuple[str, ...]:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple(sorted({tag(k, v) for k, v in items if v is not None and str(v) != ""}))


@dataclass(frozen=True)
class Point:
    metric: str
    kind: str  # COUNT (summed when merged) or GAUGE (the larger value kept)
    timestamp: int  # epoch seconds: the event's own time (a run's end, a CloudWatch minute)
    value: float
    tags: tuple[str, ...]

    @property
    def series(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.metric, self.kind, self.tags)

    def to_json(self) -> dict[str, object]:
        return {"metric": self.metric, "type": self.kind, "timestamp": self.timestamp, "value": self.value,
                "tags": list(self.tags)}

    @staticmethod
    def from_json(doc: Mapping[str, object]) -> Point:
        tags = doc["tags"]
        timestamp = doc["timestamp"]
        value = doc["value"]
        if not isinstance(tags, list) or not isinstance(timestamp, int) or not isinstance(value, (int, float)):
            raise ValueError(f"not a point: {doc!r}")
        return Point(str(doc["metric"]), str(doc["type"]), timestamp, float(value), tuple(str(t) for t in tags))


def merge(points: Iterable[Point]) -> list[Point]:
    """One point per series and second: counts add up (two runs of one job ending in the same second
    count twice), gauges keep the larger value (the worse duration, the longer queue)."""
    merged: dict[tuple[str, str, tuple[str, ...], int], Point] = {}
    for p in points:
        key = (p.metric, p.kind, p.tags, p.timestamp)
        seen = merged.get(key)
        if seen is None:
            merged[key] = p
        elif p.kind == COUNT:
            merged[key] = Point(p.metric, p.kind, p.timestamp, seen.value + p.value, p.tags)
        elif p.value > seen.value:
            merged[key] = p
    return sorted(merged.values(), key=lambda p: (p.metric, p.tags, p.timestamp))
