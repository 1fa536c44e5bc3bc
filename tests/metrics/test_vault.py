"""The Datadog API key from Vault, as the plugin reads it: a real OpenBao (Vault API), AppRole and token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.metrics.conftest import run_cli
from tests.servers.datadog_api import DatadogApi
from tests.servers.openbao import OpenBao

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "metrics" / "export.json"
VAULT_KEY = "vaultddkey0123456789abcdef012345"


@pytest.fixture(scope="module")
def bao() -> Iterator[OpenBao]:
    server = OpenBao().start()
    try:
        server.setup_datadog_key(VAULT_KEY, path="platform/datadog")
        yield server
    finally:
        server.stop()


def vault_args(bao: OpenBao, method: str) -> list[str]:
    return ["metrics", "collect", "--input", str(EXPORT), "--no-pricing", "--vault-addr", bao.addr,
            "--vault-auth-method", method, "--vault-auth-role", bao.role_id, "--vault-secret-path", "platform/datadog"]


def test_the_key_comes_from_vault_with_approle_or_a_token(
    bao: OpenBao, datadog: DatadogApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    datadog.api_key = VAULT_KEY  # the receiver accepts only the key Vault holds
    monkeypatch.setenv("DD_API_KEY", "not-this-one")  # Vault configured: the environment's key is not used
    monkeypatch.setenv("VAULT_SECRET_ID", bao.secret_id)
    result = run_cli(*vault_args(bao, "approle"))
    assert result.exit_code == 0, result.output
    assert {r.header("DD-API-KEY") for r in datadog.requests} == {VAULT_KEY}
    sent = len(datadog.requests)
    token = bao.child_token()
    monkeypatch.setenv("VAULT_TOKEN", token)
    result2 = run_cli(*vault_args(bao, "token"))
    assert result2.exit_code == 0, result2.output
    assert len(datadog.requests) > sent and {r.header("DD-API-KEY") for r in datadog.requests} == {VAULT_KEY}
    for text in (result.output, result2.output, caplog.text):
        assert VAULT_KEY not in text and bao.secret_id not in text and token not in text


def test_a_refused_login_or_a_missing_field_names_vault_and_the_step_never_the_secret(
    bao: OpenBao, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "00000000-1111-2222-3333-444444444444"
    monkeypatch.setenv("VAULT_SECRET_ID", wrong)
    result = run_cli(*vault_args(bao, "approle"))
    assert result.exit_code == 2
    assert f"Vault at {bao.addr}: login (approle) failed" in result.output and wrong not in result.output
    monkeypatch.setenv("VAULT_SECRET_ID", bao.secret_id)
    result = run_cli(*vault_args(bao, "approle"), "--vault-secret-field", "key")
    assert result.exit_code == 2
    assert f"Vault at {bao.addr}: secret secret/platform/datadog has no field 'key'" in result.output
    monkeypatch.delenv("VAULT_SECRET_ID")
    result = run_cli(*vault_args(bao, "approle"))
    assert result.exit_code == 2 and "no AppRole secret id: set $VAULT_SECRET_ID" in result.output
