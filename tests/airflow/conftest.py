"""A real Airflow (its own AIRFLOW_HOME and SQLite database) against moto through the fault proxy.

Airflow reads its configuration when first imported, so the environment is set here, at import
of this conftest, before any test module imports Airflow; nothing else in the test suite imports it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.emr_proxy import EmrJobProxy
from tests.compliance.conftest import Estate, compliant_props, new_account, spark_defaults
from tests.conftest import ROOT
from tests.servers.pagerduty import TlsPagerDutyReceiver, self_signed_cert

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="emrs-observe-airflow-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, True)  # also when no test here needed the database
_BUNDLES = [
    {"name": "examples", "path": ROOT / "examples" / "airflow"},
    {"name": "scenarios", "path": ROOT / "tests" / "airflow" / "dags"},
]
AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "examples" / "airflow"),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME}/airflow.db",
    "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(
        [
            {
                "name": b["name"],
                "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": str(b["path"])},
            }
            for b in _BUNDLES
        ]
    ),
}
os.environ.update(AIRFLOW_ENV)

ROUTING_KEY = "R0UT1NGKEYairflowDoNotLeak00042"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """`airflow db migrate` once per session into the temporary AIRFLOW_HOME (removed at exit)."""
    airflow = Path(sys.executable).parent / "airflow"
    result = subprocess.run(
        [str(airflow), "db", "migrate"], env={**os.environ, **AIRFLOW_ENV}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return AIRFLOW_HOME


@pytest.fixture
def aws_proxy(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmrJobProxy]:
    proxy = EmrJobProxy(aws_env).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)  # Airflow's AWS hook goes through the proxy
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    try:
        yield proxy
    finally:
        proxy.stop()


@dataclass
class Team:
    """One team's AWS account: an EMR Serverless application with compliant spark-defaults, its roles."""

    account: str
    application_id: str
    emr_role: str  # what aws_assume_role assumes
    execution_role: str  # what the job runs as (passed by the EMR role)
    props: dict[str, str]


@pytest.fixture
def team(aws_proxy: EmrJobProxy, monkeypatch: pytest.MonkeyPatch) -> Team:
    account = new_account()
    props = compliant_props(**{"spark.emrs.observe.datadog.site": "datadoghq.eu"})
    app_id = Estate(aws_proxy.url).create(account, REGION, "orders", runtime=spark_defaults(props))
    team = Team(
        account,
        app_id,
        f"arn:aws:iam::{account}:role/emr-team-a",
        f"arn:aws:iam::{account}:role/exec",
        props,
    )
    # The DAGs read these through templates ({{ var.value.… }}), as a deployment would.
    monkeypatch.setenv("AIRFLOW_VAR_EMRS_APPLICATION_ID", team.application_id)
    monkeypatch.setenv("AIRFLOW_VAR_EMRS_EXECUTION_ROLE_ARN", team.execution_role)
    monkeypatch.setenv("AIRFLOW_VAR_EMRS_TEAM_ROLE_ARN", team.emr_role)
    aws_proxy.key_account.clear()
    aws_proxy.started.clear()
    aws_proxy.requests.clear()
    return team


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def pagerduty(monkeypatch: pytest.MonkeyPatch, tls_cert: tuple[Path, Path]) -> Iterator[TlsPagerDutyReceiver]:
    """The local PagerDuty receiver, reached through the Airflow connection of policy `critical`."""
    receiver = TlsPagerDutyReceiver(*tls_cert).start()
    conn = {
        "conn_type": "generic",
        "host": receiver.url,
        "password": ROUTING_KEY,
        "extra": {"ca_bundle": str(tls_cert[0])},
    }
    monkeypatch.setenv("AIRFLOW_CONN_EMRS_OBSERVE_PAGERDUTY_CRITICAL", json.dumps(conn))
    monkeypatch.delenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", raising=False)
    try:
        yield receiver
    finally:
        receiver.stop()


@dataclass
class Outcome:
    state: str
    tries: dict[str, tuple[str, int]]  # task_id -> (state, try_number)
    run_id: str
    dag_id: str


def run_dag(dag: Any) -> Outcome:
    """`dag.test()` (every task in this process, retries included) and the states it ended in."""
    run = dag.test()
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=run.run_id).all()
        tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in tis}
    return Outcome(str(run.state), tries, run.run_id, dag.dag_id)


def stored_texts(dag_id: str, run_id: str) -> str:
    """Everything Airflow keeps of a run that its UI shows: rendered fields, XComs, the serialized DAG."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    parts = []
    with create_session() as session:
        for r in session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id, run_id=run_id):
            parts.append(json.dumps(r.rendered_fields, default=str))
        for x in session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id):
            parts.append(json.dumps(x.value, default=str))
        for s in session.query(SerializedDagModel).filter_by(dag_id=dag_id):
            parts.append(json.dumps(s.data, default=str))
    return "\n".join(parts)


def xcom(dag_id: str, run_id: str, task_id: str, key: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id, key=key).one_or_none()
        return None if row is None else row.value


def rendered_fields(dag_id: str, run_id: str, task_id: str) -> Any:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id).one()
        return row.rendered_fields
