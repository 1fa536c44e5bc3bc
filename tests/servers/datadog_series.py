"""A local Datadog metrics intake: records `POST /api/v2/series` and checks every payload as Datadog would.

Each body is read with datadog-api-client's own model (`MetricPayload`, through the client's
deserializer), which marks what does not fit its types; on top of that the receiver checks what the
API reference states and the model leaves to the server: the size limits (512,000 bytes compressed,
5,242,880 decompressed), gzip, `DD-API-KEY`, metric names, series types 1-3 with an `interval` for
counts and rates, finite values, and timestamps not older than an hour nor more than ten minutes
ahead. A payload that fails is answered 400 with the reason and kept in `invalid`.
Builds on RecordingServer, so tests can script 429/5xx/slow answers with `inject(Fault(...))`.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.model_utils import OpenApiModel
from datadog_api_client.v2.model.metric_payload import MetricPayload
from datadog_api_client.v2.model.metric_point import MetricPoint
from datadog_api_client.v2.model.metric_series import MetricSeries

from tests.servers.recorder import Handler, RecordingServer, Request

MAX_COMPRESSED = 512_000
MAX_DECOMPRESSED = 5_242_880
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,199}$")
_CLIENT = ApiClient(Configuration())  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Point:
    """One point as received, with its series' fields."""

    metric: str
    type: int
    value: float
    timestamp: int
    interval: int | None
    unit: str | None
    tags: tuple[str, ...]

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(t.split(":", 1) for t in self.tags if ":" in t)

    @property
    def amount(self) -> float:
        """What happened in the point's interval: a count's value, a rate's value times its interval."""
        if self.type == 2:
            return self.value * (self.interval or 1)
        return self.value


def _unparsed(model: Any) -> bool:
    return isinstance(model, OpenApiModel) and bool(model._unparsed)


def problems(request: Request, now: float | None = None) -> list[str]:
    """Why Datadog would refuse this request; empty when it would accept it."""
    out: list[str] = []
    if (request.header("Content-Encoding") or "").lower() != "gzip":
        out.append("Content-Encoding is not gzip")
    if not request.header("DD-API-KEY"):
        out.append("no DD-API-KEY header")
    if (request.header("Content-Type") or "").split(";")[0] != "application/json":
        out.append("Content-Type is not application/json")
    if len(request.body) > MAX_COMPRESSED:
        out.append(f"compressed body of {len(request.body)} bytes > {MAX_COMPRESSED}")
    try:
        raw = request.decoded()
    except OSError as exc:
        return [*out, f"body is not gzip: {exc}"]
    if len(raw) >= MAX_DECOMPRESSED:
        out.append(f"decompressed body of {len(raw)} bytes >= {MAX_DECOMPRESSED}")
    try:
        payload = _CLIENT.deserialize(raw.decode("utf-8"), (MetricPayload,), True)
    except Exception as exc:  # the client raises its own and stdlib errors alike
        return [*out, f"not a MetricPayload: {exc}"]
    if not isinstance(payload, MetricPayload) or _unparsed(payload):
        return [*out, "the MetricPayload model could not read the body"]
    now = time.time() if now is None else now
    for i, series in enumerate(payload.series):
        where = f"series[{i}]"
        if not isinstance(series, MetricSeries) or _unparsed(series):
            out.append(f"{where} does not fit MetricSeries")
            continue
        known = set(MetricSeries.attribute_map.values())
        extra = set(json.loads(raw)["series"][i]) - known
        if extra:
            out.append(f"{where} has fields MetricSeries does not know: {sorted(extra)}")
        name = str(series.metric)
        if not _NAME.match(name):
            out.append(f"{where} metric name {name!r} is not a Datadog metric name")
        kind = int(series.type.value) if "type" in series else 0
        if kind not in (1, 2, 3):
            out.append(f"{where} {name}: type {kind} is not count (1), rate (2) or gauge (3)")
        if kind in (1, 2) and not ("interval" in series and int(series.interval) >= 1):
            out.append(f"{where} {name}: a count or rate without its interval")
        for tag in series.tags if "tags" in series else []:
            if not isinstance(tag, str) or not tag or len(tag) > 200:
                out.append(f"{where} {name}: tag {tag!r} is not a Datadog tag")
        for point in series.points:
            if not isinstance(point, MetricPoint) or _unparsed(point):
                out.append(f"{where} {name}: a point does not fit MetricPoint")
                continue
            if not math.isfinite(float(point.value)):
                out.append(f"{where} {name}: value {point.value} is not finite")
            if not now - 3600 <= int(point.timestamp) <= now + 600:
                out.append(f"{where} {name}: timestamp {point.timestamp} is more than an hour old or ten minutes ahead")
    return out


def _not_set(request: Request) -> tuple[int, dict[str, str], bytes]:
    raise AssertionError("DatadogSeriesIntake answers through its own method")


@dataclass
class DatadogSeriesIntake(RecordingServer):
    handler: Handler = field(default=_not_set)
    # Every request answered (not the scripted faults), with what was wrong with it when it arrived.
    checked: list[tuple[Request, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.handler = self._answer

    def _answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.method != "POST" or not request.path.startswith("/api/v2/series"):
            return 404, {}, b'{"errors":["not found"]}'
        try:
            found = problems(request)
        except Exception as exc:  # a payload this receiver cannot even inspect is refused, not a crash
            found = [f"cannot be inspected: {exc!r}"]
        with self._lock:
            self.checked.append((request, found))
        if found:
            return 400, {"Content-Type": "application/json"}, json.dumps({"errors": found}).encode()
        return 202, {"Content-Type": "application/json"}, b'{"errors":[]}'

    @property
    def series_url(self) -> str:
        return f"{self.url}/api/v2/series"

    def _requests(self) -> list[Request]:
        with self._lock:
            return [r for r, _ in self.checked]

    def invalid(self) -> list[tuple[Request, list[str]]]:
        """The requests this intake refused (400), with the reasons."""
        with self._lock:
            return [(r, p) for r, p in self.checked if p]

    def accepted(self) -> list[Request]:
        with self._lock:
            return [r for r, p in self.checked if not p]

    def points(self) -> list[Point]:
        out: list[Point] = []
        for request in self.accepted():
            for s in request.json()["series"]:
                for p in s["points"]:
                    out.append(
                        Point(
                            s["metric"], int(s.get("type", 0)), float(p["value"]), int(p["timestamp"]),
                            s.get("interval"), s.get("unit"), tuple(s.get("tags", [])),
                        )
                    )
        return out

    def named(self, metric: str, **tags: str) -> Iterator[Point]:
        """Points of `metric` whose tags include `tags`."""
        for p in self.points():
            if p.metric == metric and all(p.tag_map.get(k) == v for k, v in tags.items()):
                yield p

    def total(self, metric: str, **tags: str) -> float:
        """What `metric` adds up to over every point (a rate's points as counts)."""
        return sum(p.amount for p in self.named(metric, **tags))

    def raw_bodies(self) -> list[bytes]:
        return [r.decoded() for r in self._requests()]

    def compressed_bytes(self) -> int:
        return sum(len(r.body) for r in self._requests())
