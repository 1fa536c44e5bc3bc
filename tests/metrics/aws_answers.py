"""Answers for the AWS APIs moto does not have: the Price List API's GetProducts and Service Quotas'
EMR Serverless vCPU quota. Each answer is checked against botocore's own service model (the output
shape, with botocore's ParamValidator: unknown members, types, required members) before it is sent,
and errors are JSON-protocol errors as those services send them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers.recorder import Request

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pricing"
_JSON = {"Content-Type": "application/x-amz-json-1.1"}
Answer = tuple[int, dict[str, str], bytes]


def shaped(service: str, operation: str, answer: dict[str, Any]) -> bytes:
    """The answer as JSON, after botocore's validator accepted it against the operation's output shape."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).output_shape
    assert shape is not None
    report = ParamValidator().validate(answer, shape)
    if report.has_errors():
        raise AssertionError(f"{service} {operation} answer does not fit botocore's model:\n{report.generate_report()}")
    return json.dumps(answer).encode()


def error(code: str, message: str, status: int = 400) -> Answer:
    return status, {**_JSON, "x-amzn-ErrorType": code}, json.dumps({"__type": code, "Message": message}).encode()


def _matches(product: Mapping[str, Any], f: Mapping[str, str]) -> bool:
    name, value = f["Field"], f["Value"]
    if name == "ServiceCode":
        actual = product.get("serviceCode")
    elif name == "productFamily":
        actual = product["product"].get("productFamily")
    else:
        actual = product["product"]["attributes"].get(name)
    if actual is None:
        return False
    kind = f.get("Type", "TERM_MATCH")
    if kind in ("TERM_MATCH", "EQUALS"):
        return bool(actual == value)
    if kind == "CONTAINS":
        return value in str(actual)
    values = [v.strip() for v in value.split(",")]
    return actual in values if kind == "ANY_OF" else actual not in values


@dataclass
class PriceList:
    """GetProducts over the fixture documents, `page_size` per page, so the paginator is exercised."""

    page_size: int = 2
    products: list[dict[str, Any]] = field(default_factory=list)
    filters_seen: list[list[dict[str, str]]] = field(default_factory=list)

    @staticmethod
    def from_fixtures() -> PriceList:
        docs = [d for f in sorted(FIXTURES.glob("*.json")) for d in json.loads(f.read_text())]
        return PriceList(products=docs)

    def __call__(self, operation: str, account: str, region: str, request: Request) -> Answer:
        if operation != "GetProducts":
            return error("InvalidParameterException", f"{operation} is not served here")
        body = json.loads(request.body)
        filters = body.get("Filters", [])
        self.filters_seen.append(filters)
        found = [p for p in self.products if p["serviceCode"] == body["ServiceCode"]
                 and all(_matches(p, f) for f in filters)]
        start = int(body.get("NextToken") or 0)
        page = found[start : start + self.page_size]
        answer: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in page]}
        if start + self.page_size < len(found):
            answer["NextToken"] = str(start + self.page_size)
        return 200, _JSON, shaped("pricing", "GetProducts", answer)


@dataclass
class Quotas:
    """GetServiceQuota answers the applied value of the (account, region)s in `applied`, and
    NoSuchResourceException elsewhere, as AWS does where no value was ever applied; then
    GetAWSDefaultServiceQuota answers AWS's default (16, per the EMR Serverless quota documentation)."""

    applied: dict[tuple[str, str], float] = field(default_factory=dict)
    default: float = 16.0
    statistic: str = "Maximum"

    def _quota(self, account: str, region: str, value: float) -> dict[str, Any]:
        return {
            "ServiceCode": "emr-serverless",
            "ServiceName": "Amazon EMR Serverless",
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:emr-serverless/L-D05C8A75",
            "QuotaCode": "L-D05C8A75",
            "QuotaName": "Max concurrent vCPUs per account",
            "Value": value,
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
            "UsageMetric": {
                "MetricNamespace": "AWS/Usage",
                "MetricName": "ResourceCount",
                "MetricDimensions": {"Service": "EMR Serverless", "Type": "Resource", "Resource": "vCPU",
                                     "Class": "None"},
                "MetricStatisticRecommendation": self.statistic,
            },
        }

    def __call__(self, operation: str, account: str, region: str, request: Request) -> Answer:
        body = json.loads(request.body)
        if (body.get("ServiceCode"), body.get("QuotaCode")) != ("emr-serverless", "L-D05C8A75"):
            return error("NoSuchResourceException", "The request failed because the specified quota does not exist.")
        if operation == "GetServiceQuota":
            if (account, region) not in self.applied:
                return error("NoSuchResourceException", "The request failed because the specified service does "
                             "not exist or the quota value was not applied.")
            quota = self._quota(account, region, self.applied[(account, region)])
        elif operation == "GetAWSDefaultServiceQuota":
            quota = self._quota(account, region, self.default)
        else:
            return error("IllegalArgumentException", f"{operation} is not served here")
        return 200, _JSON, shaped("service-quotas", operation, {"Quota": quota})
