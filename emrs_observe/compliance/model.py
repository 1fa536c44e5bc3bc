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
    image_configuration: Any = None
    monitoring_configuration: Any = None

    @property
    def scope(self) -> str:
        return f"{self.account_id}/{self.region}"

    @property
    def key(self) -> str:
        return f"{self.account_id}/{self.region}/{self.application_id}"


@dataclass(frozen=True)
class JobRun:
    """One job run as `get-job-run` describes it: what it was submitted with, and by whom."""

    account_id: str
    region: str
    application_id: str
    job_run_id: str
    name: str
    created_by: str  # the IAM principal that submitted it: who can fix its parameters
    created_at: str
    state: str
    execution_role: str
    spark_submit_parameters: str | None
    configuration_overrides: Any  # {"applicationConfiguration": [...], "monitoringConfiguration": {...}}


@dataclass(frozen=True)
class JobRunFinding:
    """A job run that ran with less observability than its application gives it (only these are kept)."""

    job_run: JobRun
    findings: tuple[Finding, ...]
    overridden: tuple[str, ...]  # the observability keys the job run set itself


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str  # what is wrong and how to fix it; never contains a property value that may be secret


@dataclass(frozen=True)
class Exemption:
    """A rule that does not apply, by design, and why (e.g. no Spline agent exists for Spark 4)."""

    rule_id: str
    reason: str


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
    exemptions: tuple[Exemption, ...] = ()
    job_runs: tuple[JobRunFinding, ...] = ()  # job runs that dropped observability, since the last scan
    job_runs_audited: int = 0

    @property
    def job_run_violations(self) -> tuple[JobRunFinding, ...]:
        return tuple(j for j in self.job_runs if any(f.severity.fails for f in j.findings))

    @property
    def compliant(self) -> bool:
        return not self.violations and not self.job_run_violations


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
    # account/region the scan was told to cover; None when the inventory does not say (an exported file)
    configured_scopes: set[str] | None = None
    api_calls: dict[str, int] = field(default_factory=dict)  # HTTP requests per operation, retries included
    job_runs: dict[str, list[JobRunFinding]] = field(default_factory=dict)  # application key -> findings
    job_runs_audited: dict[str, int] = field(default_factory=dict)  # application key -> job runs read
    job_run_marks: dict[str, JobRunMark] = field(default_factory=dict)  # application key -> audited up to


@dataclass(frozen=True)
class JobRunMark:
    """How far an application's job runs have been audited: the newest createdAt read, and the ids
    created at exactly that instant (ListJobRuns' createdAtAfter may or may not include it)."""

    created_at: str  # ISO 8601
    ids: tuple[str, ...] = ()
