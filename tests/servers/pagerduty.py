"""A local PagerDuty Events API v2 receiver: records `POST /v2/enqueue` and answers like PagerDuty.

Built on RecordingServer, so tests can inject 429/5xx/slow answers. It checks what PagerDuty
checks (a routing key, an event_action, a dedup_key for resolve, a payload for trigger) and
answers 400 with PagerDuty's error shape otherwise.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import uuid
from pathlib import Path
from typing import Any

from tests.servers.recorder import RecordingServer, Request


def _answer(request: Request) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if request.method != "POST" or request.path != "/v2/enqueue":
        return 404, headers, b'{"status":"not found"}'
    try:
        event = request.json()
    except ValueError:
        return (
            400,
            headers,
            json.dumps(
                {"status": "invalid event", "message": "Event object is invalid", "errors": ["invalid JSON"]}
            ).encode(),
        )
    errors = []
    if not event.get("routing_key"):
        errors.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        errors.append("'event_action' is invalid")
    if action in ("acknowledge", "resolve") and not event.get("dedup_key"):
        errors.append("'dedup_key' is required for " + str(action))
    payload = event.get("payload") or {}
    if action == "trigger":
        for field in ("summary", "source", "severity"):
            if not payload.get(field):
                errors.append(f"'payload.{field}' is missing or blank")
        if payload.get("severity") not in (None, "critical", "error", "warning", "info"):
            errors.append("'payload.severity' is invalid")
    if errors:
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 400, headers, json.dumps(body).encode()
    key = event.get("dedup_key") or uuid.uuid4().hex
    return 202, headers, json.dumps({"status": "success", "message": "Event processed", "dedup_key": key}).encode()


class PagerDutyReceiver(RecordingServer):
    def __init__(self) -> None:
        super().__init__(handler=_answer)

    def events(self) -> list[dict[str, Any]]:
        """Every accepted-or-not event body received, in order (faulted requests are not recorded)."""
        with self._lock:
            requests = list(self.requests)
        return [r.json() for r in requests if r.path == "/v2/enqueue"]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM): PagerDuty's client speaks https only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "pagerduty-cert.pem", directory / "pagerduty-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class TlsPagerDutyReceiver(PagerDutyReceiver):
    """The same receiver behind TLS; trust `cert` on the client side."""

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__()
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> TlsPagerDutyReceiver:
        super().start()
        assert self._server is not None
        # Same file descriptor, now speaking TLS; the serving thread selects on it unchanged.
        self._server.socket = self._tls.wrap_socket(self._server.socket, server_side=True)
        return self
