"""Vault's AWS IAM login: the request the plugin posts to /v1/auth/aws/login carries a SigV4-signed
sts:GetCallerIdentity. OpenBao has no AWS auth method, so a recorder stands at the login endpoint
and the signature is checked with botocore's own SigV4 implementation, using the same credentials;
the signed request is then replayed to STS (moto) as Vault would. The credentials come from the
AWS SDK's default chain: environment, web identity (moto STS), a container credentials endpoint."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ContainerProvider, Credentials

from tests.plugin.conftest import plugin_conf, run_job
from tests.servers.datadog_intake import DatadogIntake
from tests.servers.recorder import RecordingServer, Request, running

pytestmark = pytest.mark.spark

ACCESS_KEY = "AKIAEMRSOBSERVETEST"
SECRET_KEY = "emrsObserveSecretKeyForTheSigV4Check0000"
SESSION_TOKEN = "FwoGZXIvYXdzEmrsObserveSessionToken"


def _vault_refuses(_: Request) -> tuple[int, dict[str, str], bytes]:
    return 400, {"Content-Type": "application/json"}, b'{"errors":["entry for role emrs-spark not found"]}'


def test_aws_login_request_is_signed_as_botocore_signs_it(
    plugin_jar: Path, intake: DatadogIntake, moto_server: str, tmp_path: Path
) -> None:
    with running(RecordingServer(handler=_vault_refuses)) as vault:
        conf = {
            **plugin_conf(plugin_jar, intake.logs_url),
            "spark.emrs.observe.vault.addr": vault.url,
            "spark.emrs.observe.vault.authMethod": "aws",
            "spark.emrs.observe.vault.authRole": "emrs-spark",
            "spark.emrs.observe.vault.awsServerIdHeader": "vault.example.com",
            "spark.emrs.observe.vault.awsStsEndpoint": moto_server,
            "spark.emrs.observe.vault.secretPath": "datadog/emrs",
        }
        env = {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
        }
        run = run_job(tmp_path, conf, env, lines=1)
        logins = [r for r in vault.requests if r.path == "/v1/auth/aws/login"]

    assert run.returncode == 0, run.stderr[-3000:]
    [warning] = run.warnings()
    assert "Vault AWS IAM login (role emrs-spark, credentials from environment variables)" in warning
    assert "entry for role emrs-spark not found" in warning
    assert SECRET_KEY not in run.stderr

    [login] = logins
    body = json.loads(login.body)
    assert body["role"] == "emrs-spark"
    assert body["iam_http_request_method"] == "POST"
    url = base64.b64decode(body["iam_request_url"]).decode()
    payload = base64.b64decode(body["iam_request_body"])
    headers = {k: v[0] for k, v in json.loads(base64.b64decode(body["iam_request_headers"])).items()}
    assert url == moto_server + "/"
    assert payload == b"Action=GetCallerIdentity&Version=2011-06-15"
    assert SECRET_KEY not in login.body.decode()

    ours = headers.pop("Authorization")
    request = AWSRequest(method="POST", url=url, data=payload, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), "sts", "us-east-1")
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signed_headers = signer.signed_headers(signer.headers_to_sign(request))
    assert "x-vault-aws-iam-server-id" in signed_headers.split(";")
    assert "x-amz-security-token" in signed_headers.split(";")
    scope = f"{headers['X-Amz-Date'][:8]}/us-east-1/sts/aws4_request"
    assert ours == (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )

    # What Vault does with it: replay the request to STS and read who the caller is.
    replay = urllib.request.Request(url, data=payload, headers={**headers, "Authorization": ours}, method="POST")
    with urllib.request.urlopen(replay, timeout=10) as answer:
        assert b"GetCallerIdentityResult" in answer.read()


ROLE_ARN = "arn:aws:iam::123456789012:role/emr-spark-web"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.emrsObserveProjectedServiceAccountToken.sig"


def test_aws_login_with_web_identity_credentials_from_sts(
    plugin_jar: Path, intake: DatadogIntake, moto_server: str, tmp_path: Path
) -> None:
    # As on EKS / EMR on EKS: a projected token file and a role, no keys. The plugin trades the
    # token for temporary keys at STS (moto, via AWS_ENDPOINT_URL_STS) and signs the login with them.
    token_file = tmp_path / "web-identity-token"
    token_file.write_text(WEB_TOKEN + "\n")
    with running(RecordingServer(handler=_vault_refuses)) as vault:
        conf = {
            **plugin_conf(plugin_jar, intake.logs_url),
            "spark.emrs.observe.vault.addr": vault.url,
            "spark.emrs.observe.vault.authMethod": "aws",
            "spark.emrs.observe.vault.authRole": "emrs-spark",
            "spark.emrs.observe.vault.awsStsEndpoint": moto_server,
            "spark.emrs.observe.vault.secretPath": "datadog/emrs",
        }
        env = {
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
            "AWS_ROLE_ARN": ROLE_ARN,
            "AWS_ROLE_SESSION_NAME": "emrs-web-test",
            "AWS_ENDPOINT_URL_STS": moto_server,
            # As EKS's pod identity webhook sets it: the SDK's STS client needs a region.
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        run = run_job(tmp_path / "job", conf, env, lines=1)
        logins = [r for r in vault.requests if r.path == "/v1/auth/aws/login"]

    assert run.returncode == 0, run.stderr[-3000:]
    [warning] = run.warnings()
    assert "credentials from web identity token file, STS AssumeRoleWithWebIdentity" in warning
    assert WEB_TOKEN not in run.stdout + run.stderr

    [login] = logins
    body = json.loads(login.body)
    url = base64.b64decode(body["iam_request_url"]).decode()
    payload = base64.b64decode(body["iam_request_body"])
    headers = {k: v[0] for k, v in json.loads(base64.b64decode(body["iam_request_headers"])).items()}
    access_key = headers["Authorization"].split("Credential=", 1)[1].split("/", 1)[0]
    assert access_key.startswith("ASIA"), headers["Authorization"]
    assert headers.get("X-Amz-Security-Token")
    assert WEB_TOKEN not in login.body.decode()

    # moto maps only the keys it issued to the assumed role: the identity Vault would learn is the
    # role session the plugin asked for, so the signing keys are the ones AssumeRoleWithWebIdentity returned.
    replay = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    with urllib.request.urlopen(replay, timeout=10) as answer:
        identity = answer.read().decode()
    assert "<Arn>arn:aws:sts::123456789012:assumed-role/emr-spark-web/emrs-web-test</Arn>" in identity, identity


def _replayed_identity(login: Request) -> str:
    """What Vault learns: the signed request replayed to STS, and the caller it names."""
    body = json.loads(login.body)
    url = base64.b64decode(body["iam_request_url"]).decode()
    payload = base64.b64decode(body["iam_request_body"])
    headers = {k: v[0] for k, v in json.loads(base64.b64decode(body["iam_request_headers"])).items()}
    replay = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    with urllib.request.urlopen(replay, timeout=10) as answer:
        return str(answer.read().decode())


def test_aws_login_with_credentials_from_the_container_endpoint(
    plugin_jar: Path, intake: DatadogIntake, moto_server: str, tmp_path: Path
) -> None:
    # As on ECS, EKS Pod Identity and other container platforms: a local endpoint serves the
    # role's temporary keys to whoever shows the authorization token from a file. The keys are
    # real ones from STS (moto), so the replayed login names the role session they belong to.
    sts = boto3.client(
        "sts", endpoint_url=moto_server, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    issued = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/emr-job-runtime", RoleSessionName="emrs-ctr")
    creds = issued["Credentials"]
    document = json.dumps({
        "AccessKeyId": creds["AccessKeyId"],
        "SecretAccessKey": creds["SecretAccessKey"],
        "Token": creds["SessionToken"],
        "Expiration": creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }).encode()
    auth_token = "ctr-auth-" + creds["AccessKeyId"][-6:]
    token_file = tmp_path / "container-auth-token"
    token_file.write_text(auth_token)

    def serve(request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.path != "/v2/credentials/emr" or request.header("Authorization") != auth_token:
            return 403, {}, b"{}"
        return 200, {"Content-Type": "application/json"}, document

    with running(RecordingServer(handler=serve)) as endpoint, running(RecordingServer(handler=_vault_refuses)) as vault:
        env = {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url + "/v2/credentials/emr",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        # The document is what AWS's own clients accept from such an endpoint: botocore reads it too.
        loaded = ContainerProvider(environ=env).load()
        assert loaded is not None and loaded.get_frozen_credentials().access_key == creds["AccessKeyId"]

        conf = {
            **plugin_conf(plugin_jar, intake.logs_url),
            "spark.emrs.observe.vault.addr": vault.url,
            "spark.emrs.observe.vault.authMethod": "aws",
            "spark.emrs.observe.vault.authRole": "emrs-spark",
            "spark.emrs.observe.vault.awsStsEndpoint": moto_server,
            "spark.emrs.observe.vault.secretPath": "datadog/emrs",
        }
        run = run_job(tmp_path / "job", conf, env, lines=1)
        logins = [r for r in vault.requests if r.path == "/v1/auth/aws/login"]
        plugin_fetches = [r for r in endpoint.requests if r.header("Authorization") == auth_token]

    assert run.returncode == 0, run.stderr[-3000:]
    [warning] = run.warnings()
    assert "credentials from container credentials endpoint" in warning
    assert creds["SecretAccessKey"] not in run.stdout + run.stderr
    assert auth_token not in run.stdout + run.stderr
    assert len(plugin_fetches) >= 2  # botocore's and the plugin's

    [login] = logins
    assert creds["SecretAccessKey"] not in login.body.decode()
    identity = _replayed_identity(login)
    assert "<Arn>arn:aws:sts::123456789012:assumed-role/emr-job-runtime/emrs-ctr</Arn>" in identity, identity
