"""The scanner's data: applications, findings, failures. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    CRITICAL = "critical"  # a secret is exposed
    ERROR = "error"  # the application is not observable as required
    WARNING = "warning"  # works, but should be fixed; never fails the scan

    @property
    def fails(self) -> bool:
        return self is not Severity.WARNING


@dataclass(frozen=True)
class Application:
    """One EMR Serverless application as `get-application` describes it."""

    account_id: str
    region: str
    application_id: str
    name: str
    arn: str
    release_label: str
    type: str
    state: str
    created_at: str | None
    runtime_configuration: Any  # as returned: normally a list of classifications; anything when broken

    @property
    def scope(self) -> str:
        return f"{self.account_id}/{self.region}"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str  # what is wrong and how to fix it; never contains a property value that may be secret


@dataclass(frozen=True)
class AllowedFinding:
    finding: Finding
    reason: str
    expires: str


@dataclass(frozen=True)
class Assessment:
    application: Application
    violations: tuple[Finding, ...]  # failing findings that are not allow-listed
    warnings: tuple[Finding, ...]
    allowed: tuple[AllowedFinding, ...]
    new: bool = False

    @property
    def compliant(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class ScanFailure:
    """A part of the estate that could not be scanned: an account, a region, or one application."""

    account_id: str
    region: str | None
    kind: str  # access-denied | throttled | region-disabled | unreachable | wrong-account | error
    reason: str
    application_id: str | None = None

    @property
    def target(self) -> str:
        parts = [self.account_id, self.region or "*"]
        if self.application_id:
            parts.append(self.application_id)
        return "/".join(parts)


@dataclass
class Inventory:
    applications: list[Application] = field(default_factory=list)
    failures: list[ScanFailure] = field(default_factory=list)
    scanned_scopes: set[str] = field(default_factory=set)  # account/region fully listed
    api_calls: dict[str, int] = field(default_factory=dict)  # HTTP requests per operation, retries included
