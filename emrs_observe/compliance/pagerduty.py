"""Sending planned alerts to the PagerDuty Events API v2 (the `pagerduty` package's client).

The routing key comes from the environment only. Error reasons are built here from status codes,
never from the client's messages, so the key (or a fragment of it) cannot reach a report or a log.
"""

from __future__ import annotations

import os
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from emrs_observe.compliance.alerts import AlertEvent

ROUTING_KEY_ENV = "EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY"
DEFAULT_URL = "https://events.pagerduty.com"


@dataclass
class Delivery:
    delivered: list[AlertEvent] = field(default_factory=list)
    failed: list[tuple[AlertEvent, str]] = field(default_factory=list)


def routing_key_from_env() -> str | None:
    key = os.environ.get(ROUTING_KEY_ENV, "").strip()
    return key or None


class PagerDutySink:
    def __init__(
        self,
        routing_key: str,
        base_url: str = DEFAULT_URL,
        ca_bundle: str | None = None,
        retry_sleep_s: float = 1.5,
        workers: int = 4,
    ) -> None:
        if not base_url.startswith("https://"):
            raise ValueError(f"PagerDuty URL {base_url!r} must start with https://")
        self._routing_key = routing_key
        self._base_url = base_url.rstrip("/")
        self._retry_sleep_s = retry_sleep_s
        self._workers = workers
        self._verify: ssl.SSLContext | bool = True
        if ca_bundle:
            try:
                self._verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"PagerDuty CA bundle {ca_bundle}: {exc}") from None

    def __repr__(self) -> str:  # never show the key
        return f"PagerDutySink(base_url={self._base_url!r})"

    def _client(self) -> object:
        from pagerduty import EventsApiV2Client

        client = EventsApiV2Client(self._routing_key, base_url=self._base_url, verify=self._verify)
        client.sleep_timer = self._retry_sleep_s
        client.retry[429] = 3  # the package retries 429 forever by default; a scan must end
        client.max_http_attempts = 6
        client.max_network_attempts = 2
        return client

    def send(self, events: list[AlertEvent]) -> Delivery:
        delivery = Delivery()
        if not events:
            return delivery

        def one(event: AlertEvent) -> tuple[AlertEvent, str | None]:
            try:
                client = self._client()
                if event.action == "trigger":
                    client.send_event(  # type: ignore[attr-defined]
                        "trigger",
                        dedup_key=event.dedup_key,
                        payload={
                            "summary": event.summary,
                            "source": event.source,
                            "severity": event.severity,
                            "component": "emr-serverless",
                            "group": event.details.get("account", ""),
                            "class": event.details.get("rule") or event.details.get("kind", ""),
                            "custom_details": event.details,
                        },
                    )
                else:
                    client.resolve(event.dedup_key)  # type: ignore[attr-defined]
            except Exception as exc:  # reported per event, never fatal
                return event, _reason(exc)
            return event, None

        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="pagerduty") as pool:
            for event, error in pool.map(one, events):
                if error is None:
                    delivery.delivered.append(event)
                else:
                    delivery.failed.append((event, error))
        return delivery


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        return f"PagerDuty answered HTTP {status}"
    return f"PagerDuty not reachable ({type(exc).__name__})"
