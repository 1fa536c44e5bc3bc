"""`vault.executorLogin=true`: each executor logs in to Vault (AppRole, real OpenBao) itself
instead of asking the driver for the Datadog API key over Spark's RPC.

The executor is a separate JVM (local-cluster). It reads the AppRole secret id from the file named
by `vault.secretIdFile` on its own disk: only the path travels in SparkConf, never the secret id.
The secret id is issued for a fixed number of uses, so what OpenBao has left of it afterwards
counts the logins made with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.conftest import JobRun, plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake, tags_of
from tests.servers.openbao import OpenBao

pytestmark = pytest.mark.spark

USES = 5


@pytest.fixture(scope="module")
def executor_login(
    plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobRun, DatadogIntake, str]]:
    intake = DatadogIntake()
    intake.start()
    workdir = tmp_path_factory.mktemp("executor-login")
    secret_id = openbao.approle_secret_id(num_uses=USES)
    secret_id_file = workdir / "secret-id"
    secret_id_file.write_text(secret_id + "\n")
    (workdir / "events").mkdir()
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=openbao.role_id),
        "spark.emrs.observe.vault.secretIdFile": str(secret_id_file),
        "spark.emrs.observe.vault.executorLogin": "true",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": f"file://{workdir}/events",
    }
    # No VAULT_SECRET_ID anywhere: the executor JVM inherits this environment in local-cluster
    # mode, so the file must be the only way it can learn the secret id.
    env = {"ROOT_LOG_LEVEL": "INFO"}
    try:
        run = run_job(workdir, conf, env, lines=3, master="local-cluster[1,1,1024]")
        yield run, intake, secret_id
    finally:
        intake.stop()


def test_executor_lines_arrive_with_the_key_from_vault(
    executor_login: tuple[JobRun, DatadogIntake, str], api_key: str
) -> None:
    run, intake, _ = executor_login
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.warnings() == []
    assert "emrs-observe WARNING" not in run.executor_logs()
    executor_events = [e for e in intake.events() if tags_of(e).get("executor_id") == "0"]
    assert any("Running task" in str(e.get("message")) for e in executor_events), (
        f"no task line from executor 0 among {len(executor_events)} executor events"
    )
    assert intake.api_keys() == {api_key}


def test_the_executor_logged_in_itself(executor_login: tuple[JobRun, DatadogIntake, str], openbao: OpenBao) -> None:
    # Two uses spent: the driver's login and the executor's own. Asking the driver instead costs
    # none, and a 20 m token is neither renewed nor replaced during this job.
    _, _, secret_id = executor_login
    assert openbao.secret_id_uses_left(secret_id) == USES - 2


def test_secret_id_and_key_appear_in_no_conf_nor_log(
    executor_login: tuple[JobRun, DatadogIntake, str], api_key: str
) -> None:
    run, _, secret_id = executor_login
    places = {
        "SparkConf": repr(run.report["conf"]),
        "Spark UI environment (REST)": run.report["ui_environment_rest"],
        "Spark UI environment page": run.report["ui_environment_html"],
        "event log": "".join(p.read_text(errors="replace") for p in (run.workdir / "events").iterdir()),
        "driver stdout/stderr": run.stdout + run.stderr,
        "executor stdout/stderr": run.executor_logs(),
    }
    # Only the file's path is configuration; checking places that are empty would prove nothing.
    assert "spark.emrs.observe.vault.secretIdFile" in places["SparkConf"]
    assert "spark.emrs.observe.vault.executorLogin" in places["event log"]
    assert "Running task" in places["executor stdout/stderr"]
    for where, text in places.items():
        assert secret_id not in text, f"AppRole secret id found in {where}"
        assert api_key not in text, f"Datadog API key found in {where}"


def test_an_executor_refused_by_vault_warns_and_the_job_goes_on(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, tmp_path: Path
) -> None:
    # One use: the driver spends it at start-up, before any executor exists, so the executor's
    # own login is refused. It says so on its own stderr; the driver keeps shipping.
    secret_id_file = tmp_path / "secret-id"
    secret_id_file.write_text(openbao.approle_secret_id(num_uses=1))
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=openbao.role_id),
        "spark.emrs.observe.vault.secretIdFile": str(secret_id_file),
        "spark.emrs.observe.vault.executorLogin": "true",
    }
    run = run_job(tmp_path / "job", conf, {"ROOT_LOG_LEVEL": "INFO"}, lines=3, master="local-cluster[1,1,1024]")
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    assert run.warnings() == []
    executor_warnings = [line for line in run.executor_logs().splitlines() if line.startswith("emrs-observe WARNING")]
    assert len(executor_warnings) == 1, executor_warnings
    assert "could not get the Datadog API key on executor 0" in executor_warnings[0]
    assert f"{openbao.addr}/v1/auth/approle/login failed: HTTP 400" in executor_warnings[0]
    assert intake.wait_for_message("driver line 2")
    assert not [e for e in intake.events() if tags_of(e).get("executor_id") == "0"]
