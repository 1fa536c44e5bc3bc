"""A local PagerDuty Events API v2 receiver: records `POST /v2/enqueue` and answers like PagerDuty.

Built on RecordingServer, so tests can inject 429/5xx/slow answers. It checks what PagerDuty
checks (a routing key, an event_action, a dedup_key for resolve, a payload for trigger) and
answers 400 with PagerDuty's error shape otherwise.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.servers.recorder import RecordingServer, Request


def _answer(request: Request) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if request.method != "POST" or request.path != "/v2/enqueue":
        return 404, headers, b'{"status":"not found"}'
    try:
        event = request.json()
    except ValueError:
        return 400, headers, json.dumps({"status": "invalid event", "message": "Event object is invalid", "errors": ["invalid JSON"]}).encode()
    errors = []
    if not event.get("routing_key"):
        errors.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        errors.append("'event_action' is invalid")
    if action in ("acknowledge", "resolve") and not event.get("dedup_key"):
        errors.append("'dedup_key' is required for " + str(action))
    payload = event.get("payload") or {}
    if action == "trigger":
        for field in ("summary", "source", "severity"):
            if not payload.get(field):
                errors.append(f"'payload.{field}' is missing or blank")
        if payload.get("severity") not in (None, "critical", "error", "warning", "info"):
            errors.append("'payload.severity' is invalid")
    if errors:
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 400, headers, json.dumps(body).encode()
    key = event.get("dedup_key") or uuid.uuid4().hex
    return 202, headers, json.dumps({"status": "success", "message": "Event processed", "dedup_key": key}).encode()


class PagerDutyReceiver(RecordingServer):
    def __init__(self) -> None:
        super().__init__(handler=_answer)

    def events(self) -> list[dict[str, Any]]:
        """Every accepted-or-not event body received, in order (faulted requests are not recorded)."""
        with self._lock:
            requests = list(self.requests)
        return [r.json() for r in requests if r.path == "/v2/enqueue"]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
