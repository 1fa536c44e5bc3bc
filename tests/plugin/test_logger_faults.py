"""Faults on the way to Datadog and to Vault: each time the Spark job succeeds, one clear
warning goes to stderr, and the plugin's counters (Spark metrics) say what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.conftest import closed_port, plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake
from tests.servers.openbao import OpenBao
from tests.servers.recorder import Fault

pytestmark = pytest.mark.spark


def test_429_then_500_then_slow_are_retried_and_nothing_is_lost(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, tmp_path: Path
) -> None:
    # The first three requests fail: rate limited, server error, and an answer slower than
    # the request timeout (1 s); the fourth and later succeed.
    intake.inject(Fault(429), Fault(500), Fault(503, delay_s=3.0))
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "token"),
        "spark.emrs.observe.datadog.requestTimeoutMs": "1000",
        "spark.emrs.observe.datadog.retryBaseMs": "50",
        "spark.emrs.observe.datadog.retryMaxMs": "200",
    }
    run = run_job(tmp_path, conf, {"VAULT_TOKEN": openbao.child_token()}, lines=50, wait_metric=("retried", 3))
    assert run.returncode == 0, run.stderr[-3000:]
    messages = intake.messages()
    for i in range(50):
        assert messages.count(f"driver line {i}") == 1, f"driver line {i} lost or duplicated"
    gauges = run.report["gauges"]
    assert gauges["retried"] >= 3
    assert gauges["dropped"] == 0 and gauges["failed"] == 0
    assert run.warnings() == []


def test_intake_down_drops_with_reason_and_warns_once(plugin_jar: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/v2/logs"
    conf = {
        **plugin_conf(plugin_jar, url),
        "spark.emrs.observe.datadog.maxRetries": "2",
        "spark.emrs.observe.datadog.retryBaseMs": "10",
        "spark.emrs.observe.datadog.shutdownTimeoutMs": "2000",
    }
    run = run_job(tmp_path, conf, {"DD_API_KEY": "k-down"}, lines=30, wait_metric=("dropped.retries_exhausted", 1))
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    gauges = run.report["gauges"]
    assert gauges["sent"] == 0
    assert gauges["dropped.retries_exhausted"] > 0
    assert gauges["failed"] > 0
    failures = [w for w in run.warnings() if "failed 3 times in a row" in w]
    assert len(failures) == 1, run.warnings()
    assert "ConnectException" in failures[0]
    # The shutdown summary tells how many were lost in all, and why.
    assert any("dropped" in w and "retries_exhausted=" in w for w in run.warnings())


def test_vault_down_job_runs_on_and_counts_lost_lines(
    plugin_jar: Path, intake: DatadogIntake, tmp_path: Path
) -> None:
    port = closed_port()
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        "spark.emrs.observe.vault.addr": f"http://127.0.0.1:{port}",
        "spark.emrs.observe.vault.authMethod": "approle",
        "spark.emrs.observe.vault.authRole": "some-role",
        "spark.emrs.observe.vault.secretPath": "datadog/emrs",
    }
    run = run_job(tmp_path, conf, {"VAULT_SECRET_ID": "s-1", "ROOT_LOG_LEVEL": "INFO"}, lines=5)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    [warning] = run.warnings()
    assert "could not get the Datadog API key" in warning
    assert f"127.0.0.1:{port}/v1/auth/approle/login" in warning
    assert "ConnectException" in warning
    assert "failOnError" in warning
    assert run.report["gauges"]["dropped.no_api_key"] >= 5
    assert intake.requests == []


def test_wrong_role_is_reported_by_name(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, tmp_path: Path
) -> None:
    conf = {**plugin_conf(plugin_jar, intake.logs_url), **vault_conf(openbao, "approle", role="not-our-role")}
    run = run_job(tmp_path, conf, {"VAULT_SECRET_ID": openbao.secret_id}, lines=3)
    assert run.returncode == 0, run.stderr[-3000:]
    [warning] = run.warnings()
    assert "Vault AppRole login" in warning and "spark.emrs.observe.vault.authRole" in warning
    assert "HTTP 400" in warning
    assert openbao.secret_id not in run.stderr
    assert run.report["gauges"]["sent"] == 0
    assert intake.requests == []


def test_fail_on_error_makes_a_vault_failure_fatal(plugin_jar: Path, intake: DatadogIntake, tmp_path: Path) -> None:
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        "spark.emrs.observe.vault.addr": f"http://127.0.0.1:{closed_port()}",
        "spark.emrs.observe.vault.authMethod": "token",
        "spark.emrs.observe.vault.secretPath": "datadog/emrs",
        "spark.emrs.observe.failOnError": "true",
    }
    run = run_job(tmp_path, conf, {"VAULT_TOKEN": "t-1"}, lines=1)
    assert run.returncode != 0
    assert "could not get the Datadog API key" in run.stderr
    assert "spark.emrs.observe.failOnError=true" in run.stderr
    assert "rows" not in run.report


def test_vault_token_is_renewed_for_a_job_longer_than_its_ttl(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, tmp_path: Path
) -> None:
    # 12 s: a driver that starts slowly on a loaded machine (CI shares two cores) still logs in before
    # the token expires (with 6 s it sometimes did not); it then lives ~17 s past login, so without
    # renewal the token would expire on the way.
    token = openbao.child_token(ttl="12s")
    conf = {**plugin_conf(plugin_jar, intake.logs_url), **vault_conf(openbao, "token")}
    run = run_job(tmp_path, conf, {"VAULT_TOKEN": token}, lines=1, sleep_s=15)
    assert run.returncode == 0, run.stderr[-3000:]
    info = openbao.client().auth.token.lookup(token)["data"]
    assert info["last_renewal_time"], info
    assert info["ttl"] > 0
    assert run.warnings() == []
