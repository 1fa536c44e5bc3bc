"""PagerDuty alerts of the operator: where the routing key comes from, and the two events sent.

The routing key is read from an Airflow connection (`emrs_observe_pagerduty_<policy>`, the key as
its password: Airflow masks connection passwords in task logs) or else from the environment
(EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY, as the compliance scanner reads it). It is never an operator
argument, so it is never a template field, never rendered in the UI and never serialized with the DAG.
Events go through the compliance package's PagerDutySink, whose errors never quote the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from emrs_observe.airflow.naming import dedup_key
from emrs_observe.compliance.alerts import AlertEvent
from emrs_observe.compliance.pagerduty import DEFAULT_URL, ROUTING_KEY_ENV, PagerDutySink

URL_ENV = "EMRS_OBSERVE_PAGERDUTY_URL"
CA_BUNDLE_ENV = "EMRS_OBSERVE_PAGERDUTY_CA_BUNDLE"
SEVERITIES = ("critical", "error", "warning", "info")


def connection_id(policy: str) -> str:
    return f"emrs_observe_pagerduty_{policy}"


@dataclass(frozen=True)
class Target:
    """Where a policy's alerts go. `repr` never shows the key."""

    routing_key: str
    url: str
    ca_bundle: str | None
    severity: str
    origin: str  # "connection <id>" or "environment", for log lines

    def __repr__(self) -> str:
        return f"Target(url={self.url!r}, severity={self.severity!r}, origin={self.origin!r})"

    def sink(self) -> PagerDutySink:
        return PagerDutySink(self.routing_key, base_url=self.url, ca_bundle=self.ca_bundle, retry_sleep_s=1.0)


def target_from(
    policy: str,
    conn_password: str | None,
    conn_host: str | None,
    conn_extra: dict[str, str] | None,
    env: dict[str, str] | os._Environ[str],
) -> Target | None:
    """The connection's settings when it has a key, else the environment's; None when neither has one."""
    extra = conn_extra or {}
    severity = extra.get("severity") or (policy if policy in SEVERITIES else "error")
    if severity not in SEVERITIES:
        raise ValueError(f"connection {connection_id(policy)}: severity must be one of {', '.join(SEVERITIES)}")
    if conn_password and conn_password.strip():
        url = conn_host or DEFAULT_URL
        if "://" not in url:
            url = f"https://{url}"
        return Target(
            conn_password.strip(), url, extra.get("ca_bundle"), severity, f"connection {connection_id(policy)}"
        )
    key = env.get(ROUTING_KEY_ENV, "").strip()
    if not key:
        return None
    return Target(key, env.get(URL_ENV) or DEFAULT_URL, env.get(CA_BUNDLE_ENV) or None, severity, "environment")


def failure_event(
    dag_id: str, task_id: str, run_id: str, try_number: int, reason: str, severity: str, details: dict[str, str]
) -> AlertEvent:
    summary = f"Airflow task {dag_id}.{task_id} failed after {try_number} tries (run {run_id}): {reason}"
    return AlertEvent(
        action="trigger",
        dedup_key=dedup_key(dag_id, task_id),
        summary=summary[:1024],
        severity=severity,
        source=f"airflow/{dag_id}/{task_id}",
        details={"kind": "airflow-task", "dag_id": dag_id, "task_id": task_id, "run_id": run_id, **details},
    )


def resolve_event(dag_id: str, task_id: str) -> AlertEvent:
    return AlertEvent(
        action="resolve",
        dedup_key=dedup_key(dag_id, task_id),
        summary=f"Airflow task {dag_id}.{task_id} succeeded",
        severity="info",
        source=f"airflow/{dag_id}/{task_id}",
    )
