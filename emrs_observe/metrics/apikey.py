"""The Datadog API key, read as the JVM plugin reads it: from Vault when a Vault address is configured
(KV v2, auth method aws, approle or token, optional namespace and CA), else from `DD_API_KEY`.

Credentials for Vault come from the environment only (`VAULT_TOKEN` or the token file, `VAULT_SECRET_ID`
or the secret-id file, the AWS credential chain); the key is returned, never logged, and errors name
the Vault address, the method and the path, never a token, a secret id or the key (hvac does the HTTP).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

API_KEY_ENV = "DD_API_KEY"
APP_KEY_ENVS = ("DD_APP_KEY", "DD_APPLICATION_KEY")
AUTH_METHODS = ("aws", "approle", "token")


class ApiKeyError(Exception):
    """No usable key: says where it looked and why, never a secret."""


@dataclass(frozen=True)
class VaultSettings:
    addr: str
    secret_path: str
    auth_method: str = "aws"
    auth_role: str | None = None
    auth_mount: str | None = None
    kv_mount: str = "secret"
    secret_field: str = "api_key"
    namespace: str | None = None
    ca_cert: str | None = None  # else VAULT_CACERT, else the system's trust store
    aws_region: str = "us-east-1"
    aws_server_id: str | None = None  # X-Vault-AWS-IAM-Server-ID, signed into the login
    token_file: str = "~/.vault-token"
    secret_id_file: str | None = None
    timeout_s: float = 5.0

    def check(self) -> None:
        if self.auth_method not in AUTH_METHODS:
            raise ApiKeyError(f"vault auth method {self.auth_method!r} is not one of {', '.join(AUTH_METHODS)}")
        if self.auth_method in ("aws", "approle") and not self.auth_role:
            raise ApiKeyError(f"vault auth method {self.auth_method} needs an auth role (--vault-auth-role)")
        if not self.secret_path:
            raise ApiKeyError("a Vault address needs the secret's path (--vault-secret-path)")


def datadog_api_key(vault: VaultSettings | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if vault is None:
        key = env.get(API_KEY_ENV, "").strip()
        if not key:
            raise ApiKeyError(f"no Datadog API key: set ${API_KEY_ENV} or configure Vault (--vault-addr)")
        return key
    vault.check()
    return _from_vault(vault, env)


def application_key(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    for name in APP_KEY_ENVS:
        if env.get(name, "").strip():
            return env[name].strip()
    return None


def _secret_from(env: Mapping[str, str], name: str, file: str | None, what: str) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if file:
        path = Path(file).expanduser()
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise ApiKeyError(f"no {what}: ${name} is not set and {path} cannot be read ({exc.strerror})") from None
        if value:
            return value
    raise ApiKeyError(f"no {what}: set ${name}" + (f" or write it to {Path(file).expanduser()}" if file else ""))


def _from_vault(vault: VaultSettings, env: Mapping[str, str]) -> str:
    import hvac
    from hvac import exceptions as hvac_errors
    from requests import RequestException

    verify: str | bool = vault.ca_cert or env.get("VAULT_CACERT") or True
    where = f"Vault at {vault.addr}"
    client = hvac.Client(url=vault.addr, namespace=vault.namespace, verify=verify, timeout=vault.timeout_s)
    step = f"login ({vault.auth_method})"
    try:
        mount = vault.auth_mount or vault.auth_method
        if vault.auth_method == "token":
            client.token = _secret_from(env, "VAULT_TOKEN", vault.token_file, "Vault token")
        elif vault.auth_method == "approle":
            secret_id = _secret_from(env, "VAULT_SECRET_ID", vault.secret_id_file, "AppRole secret id")
            client.auth.approle.login(role_id=vault.auth_role, secret_id=secret_id, mount_point=mount)
        else:
            import boto3

            credentials = boto3.Session().get_credentials()
            if credentials is None:
                raise ApiKeyError(f"{where}: aws login needs AWS credentials and none were found")
            frozen = credentials.get_frozen_credentials()
            client.auth.aws.iam_login(
                frozen.access_key, frozen.secret_key, frozen.token, header_value=vault.aws_server_id,
                role=vault.auth_role, region=vault.aws_region, mount_point=mount,
            )
        step = f"read {vault.kv_mount}/{vault.secret_path}"
        answer = client.secrets.kv.v2.read_secret_version(
            path=vault.secret_path, mount_point=vault.kv_mount, raise_on_deleted_version=True
        )
    except ApiKeyError:
        raise
    except hvac_errors.VaultError as exc:
        detail = "; ".join(str(e) for e in (exc.errors or [])) or type(exc).__name__
        raise ApiKeyError(f"{where}: {step} failed: {detail}") from None
    except RequestException as exc:
        raise ApiKeyError(f"{where}: {step} failed: not reachable ({type(exc).__name__})") from None
    value = (answer.get("data") or {}).get("data", {}).get(vault.secret_field)
    if not isinstance(value, str) or not value.strip():
        raise ApiKeyError(f"{where}: secret {vault.kv_mount}/{vault.secret_path} has no field {vault.secret_field!r}")
    return value.strip()
