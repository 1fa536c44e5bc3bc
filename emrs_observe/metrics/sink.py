"""Sending points to Datadog's series API (v2) with datadog-api-client, in requests Datadog accepts.

A request is built from *units*: the points of one job run (or of one CloudWatch series) together
with what the state records once they are delivered, so a request that fails leaves every run in it
undelivered, and one that succeeds delivers all of them. Requests stay under a size bound well inside
Datadog's limits (500 kB compressed, 5 MB decompressed). The client retries 408/429/5xx and network
errors with backoff (`max_attempts`); errors are reported by status code, never with the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.metrics.catalog import BY_NAME
from emrs_observe.metrics.points import COUNT, Point, merge

DEFAULT_MAX_REQUEST_BYTES = 1_500_000  # uncompressed JSON; gzip brings such a request to ~100-200 kB
_UNITS = {"second": "second", "USD": "dollar"}  # catalog units Datadog knows by these names


@dataclass
class Unit:
    points: list[Point]
    runs: dict[str, dict[str, str]] = field(default_factory=dict)  # application key -> {run id: createdAt}
    marks: dict[str, dict[str, int]] = field(default_factory=dict)  # scope -> {series key: minute}

    @property
    def run_count(self) -> int:
        return sum(len(r) for r in self.runs.values())


def series_json(points: Iterable[Point]) -> list[dict[str, Any]]:
    """The v2 `series` array for points, one entry per series, points in time order."""
    grouped: dict[tuple[str, str, tuple[str, ...]], list[Point]] = {}
    for p in merge(points):
        grouped.setdefault(p.series, []).append(p)
    out = []
    for (metric, kind, tags), members in grouped.items():
        entry: dict[str, Any] = {
            "metric": metric,
            "type": 1 if kind == COUNT else 3,  # MetricIntakeType: 1 count, 3 gauge
            "points": [{"timestamp": p.timestamp, "value": p.value} for p in members],
            "tags": list(tags),
        }
        spec = BY_NAME.get(metric)
        if spec is not None and spec.unit in _UNITS:
            entry["unit"] = _UNITS[spec.unit]
        out.append(entry)
    return out


def _size(points: list[Point]) -> int:
    return len(json.dumps(series_json(points), separators=(",", ":")))


def requests(units: list[Unit], max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> list[list[Unit]]:
    """Units grouped into requests of at most `max_bytes` (a unit larger than that goes alone).
    Pure; the estimate adds unit sizes, which overstates a request whose units share series."""
    out: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for unit in units:
        size = _size(unit.points)
        if current and used + size > max_bytes:
            out.append(current)
            current, used = [], 0
        current.append(unit)
        used += size
    if current:
        out.append(current)
    return out


class DatadogSender:
    def __init__(
        self,
        api_key: str,
        url: str | None = None,
        site: str = "datadoghq.com",
        max_attempts: int = 4,
        timeout_s: float = 30.0,
        ca_bundle: str | None = None,
    ) -> None:
        from datadog_api_client import Configuration

        self._configuration = Configuration(  # type: ignore[no-untyped-call]
            host=url,
            ssl_ca_cert=ca_bundle,
            enable_retry=max_attempts > 1,
            max_retries=max(0, max_attempts - 1),
            retry_backoff_factor=2,  # the client's minimum: waits 0, 4, 8 … s (or Datadog's X-Ratelimit-Reset)
            request_timeout=timeout_s,
        )
        self._configuration.api_key["apiKeyAuth"] = api_key
        if url is None:
            self._configuration.server_variables["site"] = site
        self.requests_sent = 0

    def send(self, points: list[Point]) -> str | None:
        """Submits the points; None when Datadog accepted them, else why not (no secret in it)."""
        from datadog_api_client import ApiClient
        from datadog_api_client.v2.api.metrics_api import MetricsApi
        from datadog_api_client.v2.model.metric_content_encoding import MetricContentEncoding
        from datadog_api_client.v2.model.metric_payload import MetricPayload

        body = ApiClient(self._configuration).deserialize(  # the client's own model, validated
            json.dumps({"series": series_json(points)}), (MetricPayload,), True
        )
        self.requests_sent += 1
        try:
            with ApiClient(self._configuration) as client:
                MetricsApi(client).submit_metrics(  # type: ignore[no-untyped-call]
                    body=body, content_encoding=MetricContentEncoding.GZIP
                )
        except Exception as exc:  # reported, never fatal
            status = getattr(exc, "status", None)
            return f"Datadog answered HTTP {status}" if status else f"Datadog not reachable ({type(exc).__name__})"
        return None
