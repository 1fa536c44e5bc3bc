"""A local Datadog API: the v2 series intake and the v1 dashboard and monitor endpoints.

Every body is parsed with datadog-api-client's own models (MetricPayload, Dashboard, Monitor,
MonitorUpdateRequest); a body they do not accept, or one with a part they cannot parse, gets 400 as
Datadog would refuse it. Keys are checked (DD-API-KEY; DD-APPLICATION-KEY on v1) and a compressed
series body over Datadog's 512000-byte limit gets 413. Builds on RecordingServer, so tests can script
faults; `on_series` runs before a series request is answered (a test kills the collector there).
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.servers.recorder import Handler, RecordingServer, Request

MAX_COMPRESSED = 512_000
_JSON = {"Content-Type": "application/json"}


def _parse(body: bytes, model: Any) -> Any:
    from datadog_api_client import ApiClient, Configuration

    parsed = ApiClient(Configuration()).deserialize(body.decode(), (model,), True)  # type: ignore[no-untyped-call]
    if getattr(parsed, "_unparsed", False):
        raise ValueError(f"{model.__name__}: a part of the body fits none of the model's forms")
    return parsed


@dataclass
class DatadogApi(RecordingServer):
    handler: Handler = field(default=lambda r: (500, {}, b""))
    api_key: str = ""
    app_key: str = ""
    series: list[dict[str, Any]] = field(default_factory=list)  # accepted series entries, in arrival order
    payloads: list[list[dict[str, Any]]] = field(default_factory=list)  # accepted requests' series
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    monitors: dict[int, dict[str, Any]] = field(default_factory=dict)
    on_series: Callable[[Request], bool] | None = None  # False: the request is dropped unanswered
    _ids: Any = field(default_factory=lambda: itertools.count(1001))
    _store: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.handler = self._answer

    def _answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        path = urlparse(request.path).path.rstrip("/")
        if request.header("DD-API-KEY") != self.api_key:
            return 403, _JSON, b'{"errors":["Forbidden"]}'
        if path == "/api/v2/series" and request.method == "POST":
            return self._series(request)
        if not path.startswith("/api/v1/"):
            return 404, _JSON, b'{"errors":["not found"]}'
        if request.header("DD-APPLICATION-KEY") != self.app_key:
            return 403, _JSON, b'{"errors":["Forbidden"]}'
        try:
            return self._v1(request, path)
        except ValueError as exc:
            return 400, _JSON, json.dumps({"errors": [str(exc)]}).encode()

    def _series(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        from datadog_api_client.v2.model.metric_payload import MetricPayload

        if len(request.body) > MAX_COMPRESSED:
            return 413, _JSON, b'{"errors":["Payload too large"]}'
        body = gzip.decompress(request.body) if (request.header("Content-Encoding") or "") == "gzip" else request.body
        try:
            _parse(body, MetricPayload)
        except Exception as exc:
            return 400, _JSON, json.dumps({"errors": [f"invalid payload: {exc}"]}).encode()
        if self.on_series is not None and not self.on_series(request):
            return 503, _JSON, b'{"errors":["dropped"]}'
        entries = json.loads(body)["series"]
        with self._store:
            self.payloads.append(entries)
            self.series.extend(entries)
        return 202, _JSON, b'{"errors":[]}'

    def _v1(self, request: Request, path: str) -> tuple[int, dict[str, str], bytes]:
        from datadog_api_client.v1.model.dashboard import Dashboard
        from datadog_api_client.v1.model.monitor import Monitor
        from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest

        parts = path.split("/")  # "", "api", "v1", kind, id
        kind = parts[3]
        if kind == "dashboard":
            if request.method == "GET" and len(parts) == 4:
                listing = [{"id": i, "title": d["title"], "layout_type": d["layout_type"]}
                           for i, d in self.dashboards.items()]
                return 200, _JSON, json.dumps({"dashboards": listing}).encode()
            if request.method in ("POST", "PUT"):
                _parse(request.body, Dashboard)
                doc = json.loads(request.body)
                board_id = parts[4] if request.method == "PUT" else f"abc-{next(self._ids)}"
                if request.method == "PUT" and board_id not in self.dashboards:
                    return 404, _JSON, b'{"errors":["Dashboard not found"]}'
                with self._store:
                    self.dashboards[board_id] = doc
                return 200, _JSON, json.dumps({**doc, "id": board_id}).encode()
        if kind == "monitor":
            if request.method == "GET" and len(parts) == 4:
                query = parse_qs(urlparse(request.path).query)
                name = query.get("name", [""])[0]
                tags = query.get("monitor_tags", [""])[0]
                found = [{**m, "id": i} for i, m in self.monitors.items()
                         if name in m["name"] and (not tags or tags in m.get("tags", []))]
                return 200, _JSON, json.dumps(found).encode()
            if request.method == "POST":
                _parse(request.body, Monitor)
                doc = json.loads(request.body)
                monitor_id = next(self._ids)
                with self._store:
                    self.monitors[monitor_id] = doc
                return 200, _JSON, json.dumps({**doc, "id": monitor_id}).encode()
            if request.method == "PUT":
                _parse(request.body, MonitorUpdateRequest)
                monitor_id = int(parts[4])
                if monitor_id not in self.monitors:
                    return 404, _JSON, b'{"errors":["Monitor not found"]}'
                with self._store:
                    self.monitors[monitor_id] = {**self.monitors[monitor_id], **json.loads(request.body)}
                return 200, _JSON, json.dumps({**self.monitors[monitor_id], "id": monitor_id}).encode()
        return 404, _JSON, b'{"errors":["not found"]}'

    def points(self, metric: str) -> list[tuple[int, float, tuple[str, ...]]]:
        """(timestamp, value, sorted tags) of every accepted point of `metric`, duplicates included."""
        with self._store:
            entries = list(self.series)
        return [
            (int(p["timestamp"]), float(p["value"]), tuple(sorted(s.get("tags", []))))
            for s in entries if s["metric"] == metric for p in s["points"]
        ]
