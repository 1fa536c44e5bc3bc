"""Optional scan metrics to Datadog (datadog-api-client, v2 series intake).

Gauges, tagged with `scanner:emrs-observe` and any extra tags:
  emrs_observe.compliance.applications      applications assessed
  emrs_observe.compliance.violating         applications with at least one violation
  emrs_observe.compliance.violations        violations, one series per `rule:<id>`
  emrs_observe.compliance.new_applications  applications created since the last scan
  emrs_observe.compliance.not_scanned       accounts, regions or applications that could not be read
  emrs_observe.compliance.job_runs          job runs read since the last scan
  emrs_observe.compliance.job_runs_violating  of those, the ones that dropped observability, per `rule:<id>`

The API key comes from DD_API_KEY only; errors are reported by status code, never with the key.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from emrs_observe.compliance.scan import ScanReport

API_KEY_ENV = "DD_API_KEY"
PREFIX = "emrs_observe.compliance."


@dataclass(frozen=True)
class Gauge:
    name: str
    value: float
    tags: tuple[str, ...] = ()


def gauges(report: ScanReport) -> list[Gauge]:
    """What a scan reports as metrics (pure)."""
    out = [
        Gauge(PREFIX + "applications", len(report.assessments)),
        Gauge(PREFIX + "violating", len(report.violating)),
        Gauge(PREFIX + "new_applications", len(report.new_applications)),
        Gauge(PREFIX + "not_scanned", len(report.failures)),
    ]
    out += [Gauge(PREFIX + "violations", n, (f"rule:{rule}",)) for rule, n in report.violations_by_rule.items()]
    out.append(Gauge(PREFIX + "job_runs", sum(a.job_runs_audited for a in report.assessments)))
    out += [
        Gauge(PREFIX + "job_runs_violating", n, (f"rule:{rule}",))
        for rule, n in report.job_run_violations_by_rule.items()
    ]
    return out


def api_key_from_env() -> str | None:
    key = os.environ.get(API_KEY_ENV, "").strip()
    return key or None


def send(
    report: ScanReport,
    api_key: str,
    url: str | None = None,
    site: str = "datadoghq.com",
    tags: tuple[str, ...] = (),
    ca_bundle: str | None = None,
) -> str | None:
    """Submits the gauges; returns None when accepted, else the reason (no secret in it)."""
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.metrics_api import MetricsApi
    from datadog_api_client.v2.model.metric_content_encoding import MetricContentEncoding
    from datadog_api_client.v2.model.metric_intake_type import MetricIntakeType
    from datadog_api_client.v2.model.metric_payload import MetricPayload
    from datadog_api_client.v2.model.metric_point import MetricPoint
    from datadog_api_client.v2.model.metric_series import MetricSeries

    configuration = Configuration(  # type: ignore[no-untyped-call]
        host=url, ssl_ca_cert=ca_bundle, enable_retry=True, max_retries=3
    )
    configuration.api_key["apiKeyAuth"] = api_key
    if url is None:
        configuration.server_variables["site"] = site
    now = int(time.time())
    common = ("scanner:emrs-observe", *tags)
    series = [
        MetricSeries(
            metric=g.name,
            type=MetricIntakeType.GAUGE,
            points=[MetricPoint(timestamp=now, value=float(g.value))],
            tags=[*common, *g.tags],
        )
        for g in gauges(report)
    ]
    try:
        with ApiClient(configuration) as client:
            MetricsApi(client).submit_metrics(  # type: ignore[no-untyped-call]
                body=MetricPayload(series=series), content_encoding=MetricContentEncoding.GZIP
            )
    except Exception as exc:  # reported, never fatal
        status = getattr(exc, "status", None)
        return f"Datadog answered HTTP {status}" if status else f"Datadog not reachable ({type(exc).__name__})"
    return None
