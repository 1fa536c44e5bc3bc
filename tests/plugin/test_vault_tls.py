"""Vault behind a company's own CA: OpenBao serves TLS with a certificate from a private CA that
no JVM trust store holds, for a DNS name only (the plugin reaches it by IP, as through a load
balancer). The plugin trusts that CA when told to, the way Vault's clients are told."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.plugin.conftest import plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake
from tests.servers.openbao import OpenBao
from tests.servers.tls import Ca, issue_server_cert, make_ca

pytestmark = pytest.mark.spark

SERVER_NAME = "vault.internal.example"


@dataclass
class PrivatePki:
    bao: OpenBao
    company_ca: Ca
    other_ca: Ca
    classpath_dir: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory, api_key: str) -> Iterator[PrivatePki]:
    certs = tmp_path_factory.mktemp("pki")
    company = make_ca(certs, "Example Corp Root CA")
    other = make_ca(certs, "Other Corp Root CA")
    server = issue_server_cert(company, certs / "server", [SERVER_NAME])
    # The CA as a resource on the driver's classpath, where a team would ship it inside a jar.
    classpath_dir = tmp_path_factory.mktemp("classpath")
    (classpath_dir / "certs").mkdir()
    (classpath_dir / "certs" / "company-ca.pem").write_bytes(company.cert_pem.read_bytes())
    bao = OpenBao(tls=server).start()
    try:
        bao.setup_datadog_key(api_key)
        yield PrivatePki(bao, company, other, classpath_dir)
    finally:
        bao.stop()


def _conf(pki: PrivatePki, intake: DatadogIntake, jar: Path) -> dict[str, str]:
    conf = {**plugin_conf(jar, intake.logs_url), **vault_conf(pki.bao, "approle", role=pki.bao.role_id)}
    conf["spark.emrs.observe.vault.addr"] = pki.bao.tls_addr
    return conf


def test_private_ca_from_the_classpath_and_server_name_log_in(
    plugin_jar: Path, intake: DatadogIntake, pki: PrivatePki, api_key: str, tmp_path: Path
) -> None:
    conf = {
        **_conf(pki, intake, plugin_jar),
        "spark.emrs.observe.vault.caCert": "classpath:certs/company-ca.pem",
        "spark.driver.extraClassPath": f"{plugin_jar}:{pki.classpath_dir}",
    }
    env = {"VAULT_SECRET_ID": pki.bao.secret_id, "VAULT_TLS_SERVER_NAME": SERVER_NAME}
    run = run_job(tmp_path, conf, env, lines=3)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.warnings() == []
    assert intake.wait_for_message("driver error line", timeout_s=10)
    assert intake.api_keys() == {api_key}
    assert pki.bao.secret_id not in run.stdout + run.stderr


def test_wrong_ca_warns_once_naming_the_certificate_and_the_job_succeeds(
    plugin_jar: Path, intake: DatadogIntake, pki: PrivatePki, tmp_path: Path
) -> None:
    env = {
        "VAULT_SECRET_ID": pki.bao.secret_id,
        "VAULT_TLS_SERVER_NAME": SERVER_NAME,
        "VAULT_CACERT": str(pki.other_ca.cert_pem),
        # Never honoured: the plugin says so instead of skipping verification.
        "VAULT_SKIP_VERIFY": "true",
    }
    run = run_job(tmp_path, _conf(pki, intake, plugin_jar), env, lines=1)

    assert run.returncode == 0, run.stderr[-3000:]
    [skip, refused] = run.warnings()
    assert "VAULT_SKIP_VERIFY is set but ignored" in skip
    assert f"Vault's certificate 'CN={SERVER_NAME},O=emrs-observe tests'" in refused
    assert "issued by 'CN=Example Corp Root CA,O=emrs-observe tests'" in refused
    assert f"is not signed by a CA in VAULT_CACERT {pki.other_ca.cert_pem}" in refused
    assert "Other Corp Root CA" in refused
    assert pki.bao.secret_id not in run.stdout + run.stderr
    assert intake.api_keys() <= {""}
