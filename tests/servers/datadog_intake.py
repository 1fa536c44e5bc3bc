"""A local Datadog logs intake v2: records `POST /api/v2/logs`, decodes gzip JSON arrays.

Builds on RecordingServer, so tests can script 429/5xx/slow answers with `inject(Fault(...))`.
Answers 202 like the real intake; a body that is not a JSON array of objects gets 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.servers.recorder import Handler, RecordingServer, Request


def _answer(request: Request) -> tuple[int, dict[str, str], bytes]:
    if request.method != "POST" or not request.path.startswith("/api/v2/logs"):
        return 404, {}, b'{"errors":["not found"]}'
    try:
        payload = request.json()
    except (ValueError, OSError):
        return 400, {}, b'{"errors":["body is not gzip JSON"]}'
    if not isinstance(payload, list) or not all(isinstance(e, dict) for e in payload):
        return 400, {}, b'{"errors":["body is not a JSON array of log objects"]}'
    return 202, {"Content-Type": "application/json"}, b"{}"


@dataclass
class DatadogIntake(RecordingServer):
    handler: Handler = field(default=_answer)

    @property
    def logs_url(self) -> str:
        return f"{self.url}/api/v2/logs"

    def batches(self) -> list[list[dict[str, Any]]]:
        """Every accepted request body (faults are not recorded), decoded."""
        with self._lock:
            requests = list(self.requests)
        return [r.json() for r in requests if r.path.startswith("/api/v2/logs")]

    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.batches() for event in batch]

    def raw_bodies(self) -> list[bytes]:
        with self._lock:
            return [r.decoded() for r in self.requests]

    def api_keys(self) -> set[str]:
        with self._lock:
            return {r.header("DD-API-KEY") or "" for r in self.requests}

    def messages(self) -> list[str]:
        return [str(e.get("message", "")) for e in self.events()]

    def wait_for_message(self, needle: str, timeout_s: float = 30.0) -> bool:
        # wait_for calls this under the server's lock: work on the snapshot it passes.
        def seen(requests: list[Request]) -> bool:
            return any(
                needle in str(e.get("message", ""))
                for r in requests
                if r.path.startswith("/api/v2/logs")
                for e in r.json()
            )

        return self.wait_for(seen, timeout_s)


def tags_of(event: dict[str, Any]) -> dict[str, str]:
    """`ddtags` "a:b,c:d" as a dict."""
    out: dict[str, str] = {}
    for part in str(event.get("ddtags", "")).split(","):
        name, _, value = part.partition(":")
        if name:
            out[name] = value
    return out


def dumps(events: list[dict[str, Any]]) -> str:
    return json.dumps(events, indent=1)[:4000]
