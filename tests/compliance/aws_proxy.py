"""A fault-injecting HTTP proxy in front of the moto server, answering as AWS does when it refuses.

The scanner talks to it exactly as to AWS (AWS_ENDPOINT_URL). It forwards everything to moto,
except what a test tells it to refuse: AssumeRole on given role ARNs (AccessDenied), EMR
Serverless calls from given accounts (ThrottlingException, every attempt) or account/regions
(UnrecognizedClientException, as a region that is not enabled answers). It learns which account
a temporary access key belongs to from the AssumeRole answers it forwards, and it counts
requests per operation. Services moto does not have (the Price List API, Service Quotas' EMR
Serverless quota) are answered by handlers a test registers in `answer`, keyed by signing name.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from tests.servers.recorder import RecordingServer, Request

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}


class AwsFaultProxy(RecordingServer):
    def __init__(self, moto_url: str) -> None:
        super().__init__(handler=self._handle)
        target = urlparse(moto_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 80)
        self.deny_roles: set[str] = set()
        self.throttle_accounts: set[str] = set()
        self.disabled: set[tuple[str, str]] = set()  # (account, region)
        self.throttle_apps: set[str] = set()  # GetApplication of these application ids
        self.key_account: dict[str, str] = {}
        # (operation, account, region, request) -> answer, for services moto lacks
        self.answer: dict[str, Callable[[str, str, str, Request], tuple[int, dict[str, str], bytes]]] = {}
        self.region_scoped = {"emr-serverless"}  # services `disabled` refuses in a region
        self.operations: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def reset_counts(self) -> None:
        with self._count_lock:
            self.operations.clear()

    def _operation(self, request: Request, service: str) -> str:
        target = request.header("X-Amz-Target")
        if target:  # JSON protocol: "<prefix>.<Operation>"
            return f"{service}:{target.rsplit('.', 1)[-1]}"
        if "/operation/" in request.path:  # Smithy RPC v2 CBOR: /service/<service>/operation/<Operation>
            return f"{service}:{request.path.rsplit('/', 1)[-1]}"
        if service == "sts":
            return "sts:" + parse_qs(request.body.decode()).get("Action", ["?"])[0]
        path = urlparse(request.path).path.rstrip("/")
        parts = path.split("/")  # "", "applications", id, "jobruns", run id
        if request.method == "GET" and path == "/applications":
            return "emr-serverless:ListApplications"
        if request.method == "GET" and len(parts) == 3 and parts[1] == "applications":
            return "emr-serverless:GetApplication"
        if request.method == "GET" and len(parts) == 4 and parts[3] == "jobruns":
            return "emr-serverless:ListJobRuns"
        if request.method == "GET" and len(parts) == 5 and parts[3] == "jobruns":
            return "emr-serverless:GetJobRun"
        return f"{service}:{request.method} {path}"

    def _handle(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        match = _CREDENTIAL.search(request.header("Authorization") or "")
        access_key, region, service = match.groups() if match else ("", "", "")
        operation = self._operation(request, service)
        with self._count_lock:
            self.operations[operation] += 1
        if operation == "sts:AssumeRole":
            role = parse_qs(request.body.decode()).get("RoleArn", [""])[0]
            if role in self.deny_roles:
                error = (
                    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                    f"<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/scanner is not "
                    f"authorized to perform: sts:AssumeRole on resource: {role}</Message></Error>"
                    "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
                )
                return 403, {"Content-Type": "text/xml"}, error.encode()
        account = self.key_account.get(access_key, "")
        if service == "emr-serverless" and account in self.throttle_accounts:
            return (
                429,
                {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
                (b'{"message":"Rate exceeded"}'),
            )
        if operation == "emr-serverless:GetApplication" and request.path.rsplit("/", 1)[-1] in self.throttle_apps:
            return (
                429,
                {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
                (b'{"message":"Rate exceeded"}'),
            )
        if service in self.region_scoped and (account, region) in self.disabled:
            return (
                403,
                {"Content-Type": "application/json", "x-amzn-ErrorType": "UnrecognizedClientException"},
                (b'{"message":"The security token included in the request is invalid."}'),
            )
        if service in self.answer:
            return self.answer[service](operation.split(":", 1)[1], account, region, request)
        status, headers, body = self._forward(request)
        if operation == "sts:AssumeRole" and status == 200:
            role = parse_qs(request.body.decode()).get("RoleArn", [""])[0]
            key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", body)
            if key:
                self.key_account[key.group(1).decode()] = role.split(":")[4]
        return status, headers, body

    def _forward(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(*self._target, timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            conn.request(request.method, request.path, body=request.body or None, headers=headers)
            response = conn.getresponse()
            body = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            return response.status, out, body
        finally:
            conn.close()
