"""Names the operator derives from the task: idempotency token, STS session name, alert key, links.

Pure: no I/O, no Airflow.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlencode

_SESSION_CHARS = re.compile(r"[^\w+=,.@-]+")  # what STS accepts in RoleSessionName
SESSION_NAME_MAX = 64  # STS limit
CLIENT_TOKEN_MAX = 64  # EMR Serverless StartJobRun clientToken limit
DEDUP_PREFIX = "emrs-observe/airflow"


def client_token(dag_id: str, task_id: str, run_id: str, try_number: int, map_index: int = -1) -> str:
    """The StartJobRun idempotency token of one try of one task instance.

    The same within a try, so a submission repeated after a lost answer (botocore's retries, a
    re-run of the same try) returns the job run already started instead of a second one. A new
    Airflow try is a deliberate re-run of the job, so it gets a new token. The run id carries the
    logical date (or the trigger time of a run without one).
    """
    raw = "\x1f".join((dag_id, task_id, run_id, str(map_index), str(try_number)))
    return hashlib.sha256(raw.encode()).hexdigest()[:CLIENT_TOKEN_MAX]


def session_name(dag_id: str, task_id: str) -> str:
    """The STS RoleSessionName for a task: readable in CloudTrail, at most 64 characters.

    Long names are cut and end with a hash of the whole, so two long task names sharing a prefix
    still give different sessions.
    """
    name = _SESSION_CHARS.sub("-", f"airflow.{dag_id}.{task_id}").strip("-") or "airflow"
    if len(name) <= SESSION_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: SESSION_NAME_MAX - len(digest) - 1]}~{digest}".replace("~", "-")


def dedup_key(dag_id: str, task_id: str) -> str:
    """One PagerDuty incident per DAG and task: a failure triggers it, the next success resolves it."""
    return f"{DEDUP_PREFIX}/{dag_id}/{task_id}"


def job_run_name(dag_id: str, task_id: str, run_id: str) -> str:
    return f"{dag_id}.{task_id}.{run_id}"[:256]


def datadog_app_host(site: str) -> str:
    """The Datadog web app host for a site: datadoghq.com -> app.datadoghq.com, us3.datadoghq.com as is."""
    site = site.strip().lower().removeprefix("https://").rstrip("/") or "datadoghq.com"
    return site if site.count(".") >= 2 else f"app.{site}"


def datadog_logs_url(site: str, job_run_id: str, from_ms: int) -> str:
    """Datadog's log explorer on one job run's logs: the plugin tags every line `emr_job_run_id:<id>`."""
    query = urlencode({"query": f"emr_job_run_id:{job_run_id}", "from_ts": str(from_ms), "live": "true"})
    return f"https://{datadog_app_host(site)}/logs?{query}"
