"""The compliance tests' AWS fault proxy, also playing EMR Serverless job run outcomes.

moto marks a new job run SUCCESS at once. This proxy, on the StartJobRun answer it forwards, sets
the new job run's state on moto's backend before the operator sees the answer, from a script the
test gives (FAILED with stateDetails, RUNNING forever, SUCCESS), so the operator's first poll
already sees the scripted state.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from typing import Any

from tests.compliance.aws_proxy import _CREDENTIAL, AwsFaultProxy
from tests.servers.recorder import Request

DEFAULT_ACCOUNT = "123456789012"  # moto's account for credentials it did not issue
_START = re.compile(r"^/applications/([^/?]+)/jobruns/?$")


class EmrJobProxy(AwsFaultProxy):
    def __init__(self, moto_url: str) -> None:
        super().__init__(moto_url)
        self.outcomes: deque[tuple[str, str | None]] = deque()  # (state, stateDetails) per next job run
        self.started: list[dict[str, Any]] = []  # StartJobRun bodies as sent, with the account that sent them
        self._script_lock = threading.Lock()

    def script(self, *outcomes: tuple[str, str | None]) -> None:
        with self._script_lock:
            self.outcomes.extend(outcomes)

    def _forward(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = super()._forward(request)
        match = _START.match(request.path.split("?", 1)[0])
        if request.method == "POST" and match and status == 200:
            creds = _CREDENTIAL.search(request.header("Authorization") or "")
            key, region = (creds.group(1), creds.group(2)) if creds else ("", "us-east-1")
            account = self.key_account.get(key, DEFAULT_ACCOUNT)
            sent = json.loads(request.body or b"{}")
            job_run_id = json.loads(body)["jobRunId"]
            self.started.append({**sent, "account": account, "jobRunId": job_run_id})
            with self._script_lock:
                outcome = self.outcomes.popleft() if self.outcomes else ("SUCCESS", None)
            set_job_state(account, region, match.group(1), job_run_id, *outcome)
        return status, headers, body


def set_job_state(account: str, region: str, app_id: str, job_run_id: str, state: str, details: str | None) -> None:
    from moto.backends import get_backend

    backend = get_backend("emr-serverless")[account][region]
    for run in backend.job_runs[app_id]:
        if run.id == job_run_id:
            run.state = state
            run.state_details = details
            return
    raise KeyError(job_run_id)


def job_run(account: str, region: str, app_id: str, job_run_id: str) -> Any:
    from moto.backends import get_backend

    return next(r for r in get_backend("emr-serverless")[account][region].job_runs[app_id] if r.id == job_run_id)
