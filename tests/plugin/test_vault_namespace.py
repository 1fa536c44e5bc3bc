"""`vault.namespace`: the Datadog key lives in an OpenBao namespace (as with Vault Enterprise / HCP),
with its own AppRole and KV v2 mount; the plugin reaches them only through `X-Vault-Namespace`."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.plugin.conftest import plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake
from tests.servers.openbao import OpenBao

pytestmark = pytest.mark.spark

NAMESPACE = "team-a"


@pytest.fixture(scope="module")
def team_a(openbao: OpenBao) -> tuple[str, str, str]:
    """(Datadog key, role_id, secret_id) of namespace team-a. The key differs from the root
    namespace's one, so a shipped request tells which namespace it was read from."""
    key = "ddkey-team-a-" + secrets.token_hex(12)
    role_id, secret_id = openbao.setup_namespace(NAMESPACE, key)
    return key, role_id, secret_id


def test_key_is_read_in_the_namespace(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, team_a: tuple[str, str, str], tmp_path: Path
) -> None:
    key, role_id, secret_id = team_a
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=role_id),
        "spark.emrs.observe.vault.namespace": NAMESPACE,
    }
    run = run_job(tmp_path, conf, {"VAULT_SECRET_ID": secret_id}, lines=3)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.warnings() == []
    for i in range(3):
        assert f"driver line {i}" in intake.messages()
    assert intake.api_keys() == {key}
    assert run.report["gauges"]["dropped.no_api_key"] == 0


def test_without_the_namespace_the_key_is_not_read_and_a_warning_says_why(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, team_a: tuple[str, str, str], tmp_path: Path
) -> None:
    # The same role and secret id, asked of the root namespace, where that role does not exist.
    key, role_id, secret_id = team_a
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=role_id),
    }
    run = run_job(tmp_path, conf, {"VAULT_SECRET_ID": secret_id}, lines=3, wait_metric=("dropped.no_api_key", 3))
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    [warning] = run.warnings()
    assert "could not get the Datadog API key" in warning
    assert f"{openbao.addr}/v1/auth/approle/login failed: HTTP 400: invalid role or secret ID" in warning
    assert secret_id not in run.stderr and key not in run.stderr
    assert run.report["gauges"]["dropped.no_api_key"] >= 3
    assert intake.requests == []


def test_a_wrong_namespace_is_named_in_the_warning(
    plugin_jar: Path, openbao: OpenBao, intake: DatadogIntake, team_a: tuple[str, str, str], tmp_path: Path
) -> None:
    # The right role and secret id, asked of a namespace that does not hold them.
    key, role_id, secret_id = team_a
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=role_id),
        "spark.emrs.observe.vault.namespace": "team-b",
    }
    run = run_job(tmp_path, conf, {"VAULT_SECRET_ID": secret_id}, lines=3, wait_metric=("dropped.no_api_key", 3))
    assert run.returncode == 0, run.stderr[-3000:]
    [warning] = run.warnings()
    assert "could not get the Datadog API key" in warning
    assert f"{openbao.addr}/v1/auth/approle/login (namespace team-b) failed: HTTP" in warning
    assert secret_id not in run.stderr and key not in run.stderr
    assert intake.requests == []
