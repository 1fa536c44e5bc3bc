"""The platform dashboard and monitors as code: Datadog API documents, checked against
datadog-api-client's own models, printable as JSON or Terraform (`datadog_dashboard_json`,
`datadog_monitor`). Pure; `publish.py` creates or updates them.

Every query names only metrics of catalog.py (a test holds them to it). The picture, widget by
widget, is in docs/metrics.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.defaults.formats import hcl_string

TITLE = "EMR Serverless platform KPIs (emrs-observe)"
MANAGED_TAG = "managed-by:emrs-observe"

# Template-variable filters per kind of metric: each names only tags the metric carries.
_RUN = "{$aws_account,$region,$emr_application_id,$team,$job_name}"
_APP = "{$aws_account,$region,$emr_application_id}"
_JOB = "{$aws_account,$region,$emr_application_id,$job_name}"
_ACCOUNT = "{$aws_account,$region}"
_PLUGIN = "{$emr_application_id,$team}"
_ALL = "{*}"


def _query(name: str, query: str, aggregator: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"data_source": "metrics", "name": name, "query": query}
    if aggregator:
        q["aggregator"] = aggregator
    return q


def _formula(formula: str, alias: str | None = None, limit: int | None = None, order: str = "desc") -> dict[str, Any]:
    f: dict[str, Any] = {"formula": formula}
    if alias:
        f["alias"] = alias
    if limit:
        f["limit"] = {"count": limit, "order": order}
    return f


def timeseries(
    title: str, queries: list[dict[str, Any]], formulas: list[dict[str, Any]], display: str = "line",
    markers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": "timeseries",
        "title": title,
        "show_legend": True,
        "requests": [{"response_format": "timeseries", "queries": queries, "formulas": formulas,
                      "display_type": display}],
    }
    if markers:
        definition["markers"] = markers
    return {"definition": definition}


def query_value(title: str, queries: list[dict[str, Any]], formula: str, unit: str | None = None,
                precision: int = 1) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": "query_value",
        "title": title,
        "precision": precision,
        "requests": [{"response_format": "scalar", "queries": queries, "formulas": [_formula(formula)]}],
    }
    if unit:
        definition["custom_unit"] = unit
    return {"definition": definition}


def toplist(title: str, queries: list[dict[str, Any]], formula: str, order: str = "desc") -> dict[str, Any]:
    return {"definition": {
        "type": "toplist",
        "title": title,
        "requests": [{"response_format": "scalar", "queries": queries,
                      "formulas": [_formula(formula, limit=10, order=order)]}],
    }}


def note(text: str) -> dict[str, Any]:
    return {"definition": {"type": "note", "content": text, "background_color": "gray", "font_size": "14",
                           "show_tick": False, "has_padding": True}}


def group(title: str, widgets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"definition": {"type": "group", "title": title, "layout_type": "ordered", "widgets": widgets}}


def _line(value: float, label: str) -> dict[str, Any]:
    return {"value": f"y = {value:g}", "display_type": "error dashed", "label": label}


@dataclass(frozen=True)
class Thresholds:
    failure_ratio: float = 0.2
    queued_seconds: float = 900.0
    pending_minutes: int = 30
    capacity_ratio: float = 0.9
    quota_ratio: float = 0.8
    notify: str = ""  # e.g. "@pagerduty-data-platform @slack-data-alerts"
    extra_tags: tuple[str, ...] = field(default_factory=tuple)


def dashboard(title: str = TITLE) -> dict[str, Any]:
    runs = "sum:emrs.job_run.count"
    widgets = [
        group("Job runs: outcomes", [
            query_value("Success rate", [
                _query("ok", f"{runs}{{$aws_account,$region,$emr_application_id,$team,$job_name,state:success}}"
                       ".as_count()", "sum"),
                _query("all", f"{runs}{_RUN}.as_count()", "sum"),
            ], "100 * ok / all", "%"),
            timeseries("Finished job runs by state", [_query("a", f"{runs}{_RUN} by {{state}}.as_count()")],
                       [_formula("a")], "bars"),
            timeseries("Success rate over time", [
                _query("ok", f"{runs}{{$aws_account,$region,$emr_application_id,$team,$job_name,state:success}}"
                       ".as_count()"),
                _query("all", f"{runs}{_RUN}.as_count()"),
            ], [_formula("100 * ok / all", "success %")]),
            timeseries("Submitted, pending, running (CloudWatch)", [
                _query("s", f"sum:emrs.serverless.submitted_jobs{_APP}"),
                _query("p", f"sum:emrs.serverless.pending_jobs{_APP}"),
                _query("r", f"sum:emrs.serverless.running_jobs{_APP}"),
            ], [_formula("s", "submitted"), _formula("p", "pending"), _formula("r", "running")]),
            toplist("Longest runs by job (s)", [_query("d", f"max:emrs.job_run.duration{_RUN} by {{job_name}}", "max")],
                    "d"),
            timeseries("Queued and time to start, worst run (s)", [
                _query("q", f"max:emrs.job_run.queued{_RUN}"),
                _query("w", f"max:emrs.job_run.start_delay{_RUN}"),
            ], [_formula("q", "queued"), _formula("w", "submitted to running")]),
            timeseries("Most attempts a run needed, by job (1: no retry)", [
                _query("a", f"max:emrs.job_run.attempts{_RUN} by {{job_name}}")], [_formula("a")], "bars"),
        ]),
        group("Cost: what each job run cost and who ran it", [
            query_value("Cost in the time frame (USD)", [_query("c", f"sum:emrs.job_run.cost{_RUN}.as_count()",
                                                                "sum")], "c", "$", 2),
            timeseries("Cost by team (USD)", [_query("c", f"sum:emrs.job_run.cost{_RUN} by {{team}}.as_count()")],
                       [_formula("c")], "bars"),
            toplist("Cost by job (USD)", [_query("c", f"sum:emrs.job_run.cost{_RUN} by {{job_name}}.as_count()",
                                                 "sum")], "c"),
            toplist("Cost by application (USD)", [
                _query("c", f"sum:emrs.job_run.cost{_RUN} by {{emr_application_name}}.as_count()", "sum")], "c"),
            timeseries("Billed vCPU-hours and GB-hours by architecture", [
                _query("v", f"sum:emrs.job_run.vcpu_hours{_RUN} by {{architecture}}.as_count()"),
                _query("m", f"sum:emrs.job_run.memory_gb_hours{_RUN} by {{architecture}}.as_count()"),
                _query("s", f"sum:emrs.job_run.storage_gb_hours{_RUN} by {{architecture}}.as_count()"),
            ], [_formula("v", "vCPU-hours"), _formula("m", "memory GB-hours"), _formula("s", "storage GB-hours")],
                "bars"),
            note("Cost = billed vCPU-hours x vCPU rate + billed memory GB-hours x memory rate + billed storage "
                 "GB-hours (beyond 20 GB per worker) x storage rate, per region and architecture. Idle "
                 "pre-initialised workers are in no job run's bill: see *Pre-initialised workers idle*."),
        ]),
        group("Capacity against the application's maximum", [
            timeseries("vCPU allocated and maximum", [
                _query("a", f"sum:emrs.serverless.cpu_allocated{_APP} by {{emr_application_id}}"),
                _query("m", f"max:emrs.serverless.max_cpu_allowed{_APP} by {{emr_application_id}}"),
            ], [_formula("a", "allocated"), _formula("m", "maximum")]),
            timeseries("Memory allocated and maximum (GB)", [
                _query("a", f"sum:emrs.serverless.memory_allocated{_APP} by {{emr_application_id}}"),
                _query("m", f"max:emrs.serverless.max_memory_allowed{_APP} by {{emr_application_id}}"),
            ], [_formula("a", "allocated"), _formula("m", "maximum")]),
            timeseries("Storage allocated and maximum (GB)", [
                _query("a", f"sum:emrs.serverless.storage_allocated{_APP} by {{emr_application_id}}"),
                _query("m", f"max:emrs.serverless.max_storage_allowed{_APP} by {{emr_application_id}}"),
            ], [_formula("a", "allocated"), _formula("m", "maximum")]),
            toplist("Closest to the vCPU maximum (%)", [
                _query("a", f"sum:emrs.serverless.cpu_allocated{_APP} by {{emr_application_id}}", "max"),
                _query("m", f"max:emrs.serverless.max_cpu_allowed{_APP} by {{emr_application_id}}", "max"),
            ], "100 * a / m"),
        ]),
        group("Worker utilisation", [
            timeseries("CPU used / allocated by worker and capacity type (%)", [
                _query("u", f"sum:emrs.serverless.worker_cpu_used{_JOB} by {{worker_type,capacity_type}}"),
                _query("a", f"sum:emrs.serverless.worker_cpu_allocated{_JOB} by {{worker_type,capacity_type}}"),
            ], [_formula("100 * u / a")]),
            timeseries("Memory used / allocated by worker and capacity type (%)", [
                _query("u", f"sum:emrs.serverless.worker_memory_used{_JOB} by {{worker_type,capacity_type}}"),
                _query("a", f"sum:emrs.serverless.worker_memory_allocated{_JOB} by {{worker_type,capacity_type}}"),
            ], [_formula("100 * u / a")]),
            timeseries("Ephemeral storage used / allocated (%)", [
                _query("u", f"sum:emrs.serverless.worker_ephemeral_storage_used{_JOB} by {{worker_type}}"),
                _query("a", f"sum:emrs.serverless.worker_ephemeral_storage_allocated{_JOB} by {{worker_type}}"),
            ], [_formula("100 * u / a")]),
            toplist("Least CPU-efficient jobs (% of allocated vCPU used)", [
                _query("u", f"sum:emrs.serverless.worker_cpu_used{_JOB} by {{job_name}}", "avg"),
                _query("a", f"sum:emrs.serverless.worker_cpu_allocated{_JOB} by {{job_name}}", "avg"),
            ], "100 * u / a", "asc"),
            timeseries("Workers by capacity type", [
                _query("w", f"sum:emrs.serverless.running_worker_count{_APP} by {{capacity_type,worker_type}}")],
                [_formula("w")], "area"),
            timeseries("Pre-initialised workers idle (billed to the application, in no run)", [
                _query("i", f"sum:emrs.serverless.idle_worker_count{_APP} by {{emr_application_id}}")],
                [_formula("i")], "bars"),
        ]),
        group("vCPU quota", [
            query_value("Quota in use, worst account and region (%)", [
                _query("u", f"max:emrs.serverless.vcpu_in_use{_ACCOUNT} by {{aws_account,region}}", "max"),
                _query("q", f"max:emrs.serverless.vcpu_quota{_ACCOUNT} by {{aws_account,region}}", "max"),
            ], "100 * u / q", "%"),
            timeseries("vCPUs in use and quota by account and region", [
                _query("u", f"max:emrs.serverless.vcpu_in_use{_ACCOUNT} by {{aws_account,region}}"),
                _query("q", f"max:emrs.serverless.vcpu_quota{_ACCOUNT} by {{aws_account,region}}"),
            ], [_formula("u", "in use"), _formula("q", "quota")]),
        ]),
        group("Observability health: logs, lineage, compliance", [
            timeseries("Log lines shipped and dropped (by reason)", [
                _query("s", f"sum:emrs.plugin.logs.sent{_PLUGIN}.as_count()"),
                _query("d", f"sum:emrs.plugin.logs.dropped{_PLUGIN} by {{reason}}.as_count()"),
            ], [_formula("s", "shipped"), _formula("d")], "bars"),
            timeseries("Lineage objects written, failed, dropped", [
                _query("w", f"sum:emrs.plugin.lineage.written{_PLUGIN}.as_count()"),
                _query("f", f"sum:emrs.plugin.lineage.failed{_PLUGIN}.as_count()"),
                _query("d", f"sum:emrs.plugin.lineage.dropped{_PLUGIN}.as_count()"),
            ], [_formula("w", "written"), _formula("f", "failed"), _formula("d", "dropped")], "bars"),
            timeseries("Plugin metrics lost and intake requests retried", [
                _query("m", f"sum:emrs.plugin.metrics.dropped{_PLUGIN}.as_count()"),
                _query("r", f"sum:emrs.plugin.logs.retried{_PLUGIN}.as_count()"),
                _query("f", f"sum:emrs.plugin.logs.failed{_PLUGIN}.as_count()"),
            ], [_formula("m", "metric points dropped"), _formula("r", "requests retried"),
                _formula("f", "requests failed")], "bars"),
            query_value("Applications violating the compliance rules", [
                _query("v", f"max:emrs_observe.compliance.violating{_ALL}", "last")], "v", precision=0),
            timeseries("Compliance violations by rule", [
                _query("v", f"max:emrs_observe.compliance.violations{_ALL} by {{rule}}")], [_formula("v")]),
            timeseries("Job runs that dropped observability, by rule", [
                _query("v", f"max:emrs_observe.compliance.job_runs_violating{_ALL} by {{rule}}")], [_formula("v")],
                "bars"),
        ]),
        group("Spark engine (the plugin's Spark metrics, where present)", [
            timeseries("Failed tasks", [_query("f", f"sum:spark.executor.failed_tasks{_PLUGIN} by {{spark_app_name}}")],
                       [_formula("f")], "bars"),
            timeseries("Spill to memory and disk (bytes)", [
                _query("m", f"sum:spark.stage.memory_bytes_spilled{_PLUGIN}"),
                _query("d", f"sum:spark.stage.disk_bytes_spilled{_PLUGIN}"),
            ], [_formula("m", "memory"), _formula("d", "disk")]),
            timeseries("Shuffle read and write (bytes)", [
                _query("r", f"sum:spark.stage.shuffle_read_bytes{_PLUGIN}"),
                _query("w", f"sum:spark.stage.shuffle_write_bytes{_PLUGIN}"),
            ], [_formula("r", "read"), _formula("w", "write")]),
            timeseries("JVM heap used, largest executor (bytes)", [
                _query("h", f"max:emrs.spark.jvm.heap.used{_PLUGIN} by {{spark_app_name}}")], [_formula("h")]),
            timeseries("Active tasks", [_query("a", f"sum:spark.executor.active_tasks{_PLUGIN}")], [_formula("a")]),
        ]),
        group("Collector health", [
            timeseries("Per collection: runs sent, without a cost, in doubt; targets not collected", [
                _query("s", "max:emrs_observe.collector.job_runs{*}"),
                _query("u", "max:emrs_observe.collector.unpriced{*}"),
                _query("d", "max:emrs_observe.collector.in_doubt{*}"),
                _query("n", "max:emrs_observe.collector.not_collected{*}"),
            ], [_formula("s", "sent"), _formula("u", "without cost"), _formula("d", "in doubt"),
                _formula("n", "not collected")], "bars"),
        ]),
    ]
    variables: list[dict[str, Any]] = [
        {"name": name, "prefix": name, "available_values": [], "default": "*"}
        for name in ("aws_account", "region", "emr_application_id", "team", "job_name")
    ]
    return {
        "title": title,
        "description": "Job run outcomes and cost, capacity against limits, worker utilisation, vCPU quota and "
        "the health of logs, lineage and compliance. Generated by `emrs-observe metrics dashboard`; "
        "edit the code, not the dashboard.",
        "layout_type": "ordered",
        "reflow_type": "auto",
        "template_variables": variables,
        "widgets": widgets,
    }


def _monitor(name: str, query: str, message: str, critical: float, warning: float | None, t: Thresholds,
             delay: int = 0) -> dict[str, Any]:
    thresholds: dict[str, float] = {"critical": critical}
    if warning is not None:
        thresholds["warning"] = warning
    options: dict[str, Any] = {
        "thresholds": thresholds,
        "notify_no_data": False,
        "require_full_window": False,
        "include_tags": True,
        "renotify_interval": 0,
    }
    if delay:
        options["evaluation_delay"] = delay  # CloudWatch figures arrive a few minutes late
    body = message + (f"\n\n{t.notify}" if t.notify else "")
    return {"name": name, "type": "query alert", "query": query, "message": body,
            "tags": [MANAGED_TAG, "service:emr-serverless", *t.extra_tags], "options": options}


def monitors(t: Thresholds | None = None) -> list[dict[str, Any]]:
    t = t or Thresholds()
    by_app = "by {aws_account,region,emr_application_id}"
    return [
        _monitor(
            "[emrs-observe] Job run failure ratio high on {{emr_application_name.name}}",
            f"sum(last_1h):sum:emrs.job_run.count{{state:failed}} by {{aws_account,emr_application_name}}.as_count() "
            f"/ sum:emrs.job_run.count{{*}} by {{aws_account,emr_application_name}}.as_count() > {t.failure_ratio:g}",
            "{{value}} of the job runs that ended in the last hour failed on {{emr_application_name.name}} "
            "(account {{aws_account.name}}). Failed runs by job: the dashboard's *Finished job runs by state*.",
            t.failure_ratio, t.failure_ratio / 2, t,
        ),
        _monitor(
            "[emrs-observe] Job runs queued too long: {{job_name.name}}",
            f"max(last_30m):max:emrs.job_run.queued{{*}} by {{aws_account,emr_application_name,job_name}} "
            f"> {t.queued_seconds:g}",
            "A run of {{job_name.name}} on {{emr_application_name.name}} waited {{value}} s in the queue before "
            "running: the application's concurrency limit or maximum capacity is too small for its load.",
            t.queued_seconds, t.queued_seconds / 2, t,
        ),
        _monitor(
            f"[emrs-observe] Job runs pending for {t.pending_minutes} minutes on "
            "{{emr_application_id.name}}",
            f"min(last_{t.pending_minutes}m):sum:emrs.serverless.pending_jobs{{*}} {by_app} > 0",
            "Job runs have been PENDING on {{emr_application_id.name}} for the whole window (CloudWatch "
            "PendingJobs): workers cannot be had (capacity, quota, subnets).",
            0, None, t, 300,
        ),
        _monitor(
            "[emrs-observe] vCPU near the application maximum on {{emr_application_id.name}}",
            f"max(last_15m):sum:emrs.serverless.cpu_allocated{{*}} {by_app} / "
            f"max:emrs.serverless.max_cpu_allowed{{*}} {by_app} > {t.capacity_ratio:g}",
            "{{emr_application_id.name}} holds {{value}} of its maximumCapacity vCPUs: new workers will not be "
            "created past it. Raise the maximum or spread the load.",
            t.capacity_ratio, t.capacity_ratio - 0.1, t, 300,
        ),
        _monitor(
            "[emrs-observe] Memory near the application maximum on {{emr_application_id.name}}",
            f"max(last_15m):sum:emrs.serverless.memory_allocated{{*}} {by_app} / "
            f"max:emrs.serverless.max_memory_allowed{{*}} {by_app} > {t.capacity_ratio:g}",
            "{{emr_application_id.name}} holds {{value}} of its maximumCapacity memory.",
            t.capacity_ratio, t.capacity_ratio - 0.1, t, 300,
        ),
        _monitor(
            f"[emrs-observe] EMR Serverless vCPU quota above {t.quota_ratio * 100:g} % in "
            "{{aws_account.name}} {{region.name}}",
            f"max(last_15m):max:emrs.serverless.vcpu_in_use{{*}} by {{aws_account,region}} / "
            f"max:emrs.serverless.vcpu_quota{{*}} by {{aws_account,region}} > {t.quota_ratio:g}",
            "The account uses {{value}} of its 'Max concurrent vCPUs per account' quota (L-D05C8A75) in the "
            "region: every application there stops scaling at 100 %. Request an increase in Service Quotas.",
            t.quota_ratio, t.quota_ratio - 0.1, t, 300,
        ),
        _monitor(
            "[emrs-observe] Log lines dropped by the plugin on {{emr_application_id.name}}",
            "sum(last_15m):sum:emrs.plugin.logs.dropped{*} by {emr_application_id,reason}.as_count() > 0",
            "The logger plugin dropped {{value}} log lines ({{reason.name}}) on {{emr_application_id.name}}: "
            "see docs/plugin.md for each reason.",
            0, None, t,
        ),
        _monitor(
            "[emrs-observe] Lineage objects failed or dropped on {{emr_application_id.name}}",
            "sum(last_1h):sum:emrs.plugin.lineage.failed{*} by {emr_application_id}.as_count() + "
            "sum:emrs.plugin.lineage.dropped{*} by {emr_application_id}.as_count() > 0",
            "{{value}} lineage objects could not be written on {{emr_application_id.name}}: DataHub misses "
            "those executions.",
            0, None, t,
        ),
        _monitor(
            "[emrs-observe] Platform metrics collection incomplete",
            "max(last_1h):max:emrs_observe.collector.not_collected{*} > 0",
            "`emrs-observe metrics collect` could not read {{value}} accounts, regions or applications: its "
            "report names each with AWS's reason.",
            0, None, t,
        ),
    ]


# --- checking against datadog-api-client's models ------------------------------------------------


class DefinitionError(ValueError):
    """A definition datadog-api-client's models do not accept; names where."""


def check(doc: dict[str, Any], kind: str) -> Any:
    """The document as datadog-api-client's model (`Dashboard` or `Monitor`); DefinitionError when a
    part of it does not fit the model (an unknown field or enum value, a widget of no known type)."""
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v1.model.dashboard import Dashboard
    from datadog_api_client.v1.model.monitor import Monitor

    model_type = {"dashboard": Dashboard, "monitor": Monitor}[kind]
    try:
        model = ApiClient(Configuration()).deserialize(  # type: ignore[no-untyped-call]
            json.dumps(doc), (model_type,), True
        )
    except Exception as exc:
        raise DefinitionError(f"{kind} {doc.get('title') or doc.get('name')!r}: {exc}") from None
    _strict(model, f"{kind} {doc.get('title') or doc.get('name')!r}")
    return model


def _strict(value: Any, where: str) -> None:
    from datadog_api_client.model_utils import ModelComposed, ModelNormal, ModelSimple, UnparsedObject

    if isinstance(value, UnparsedObject):
        raise DefinitionError(f"{where}: not a valid {type(value).__name__}: {value._data_store!r}")
    if isinstance(value, ModelComposed):
        if value._unparsed:
            raise DefinitionError(f"{where}: matches none of {type(value).__name__}'s forms")
        _strict(value.get_oneof_instance(), where)  # type: ignore[no-untyped-call]
    elif isinstance(value, ModelSimple):
        if value._unparsed:
            raise DefinitionError(f"{where}: {value.value!r} is not a valid {type(value).__name__}")
    elif isinstance(value, ModelNormal):
        known = set(value.attribute_map)
        for key, member in value._data_store.items():
            if key not in known:
                raise DefinitionError(f"{where}: {type(value).__name__} has no field {key!r}")
            _strict(member, f"{where}.{key}")
    elif isinstance(value, list):
        for index, member in enumerate(value):
            _strict(member, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, member in value.items():
            _strict(member, f"{where}.{key}")


_METRIC = re.compile(r"(?:^|[\s(:,+\-*/])(?:avg|sum|min|max|count|p\d+):([A-Za-z][\w.]*)\{")


def metric_names(doc: Any) -> set[str]:
    """Every metric name queried anywhere in a dashboard or monitor document."""
    names: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("query", "q") and isinstance(value, str):
                names.update(_METRIC.findall(value))
            else:
                names |= metric_names(value)
    elif isinstance(doc, list):
        for value in doc:
            names |= metric_names(value)
    return names


# --- Terraform ------------------------------------------------------------------------------------


def _resource_name(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", re.sub(r"\{\{[^}]*\}\}", "", text.lower())).strip("_")
    return slug[:60] or "monitor"


def _heredoc(text: str) -> str:
    # Heredocs interpret templates but no escapes: only `${` and `%{` need doubling.
    return "<<-EOT\n" + text.replace("${", "$${").replace("%{", "%%{") + "\nEOT"


def to_terraform(board: dict[str, Any], monitor_docs: list[dict[str, Any]]) -> str:
    """`datadog_dashboard_json` and `datadog_monitor` resources (provider DataDog/datadog) a team can commit."""
    lines = [
        "# Generated by `emrs-observe metrics dashboard --format terraform`; regenerate rather than edit.",
        'resource "datadog_dashboard_json" "emrs_observe_platform_kpis" {',
        "  dashboard = " + _heredoc(json.dumps(board, indent=2)).replace("\n", "\n  "),
        "}",
    ]
    seen: set[str] = set()
    for doc in monitor_docs:
        name = _resource_name(doc["name"])
        while name in seen:
            name += "_2"
        seen.add(name)
        options = doc["options"]
        lines += [
            "",
            f'resource "datadog_monitor" "{name}" {{',
            f"  name    = {hcl_string(doc['name'])}",
            f"  type    = {hcl_string(doc['type'])}",
            f"  query   = {hcl_string(doc['query'])}",
            f"  message = {hcl_string(doc['message'])}",
            "  tags    = [" + ", ".join(hcl_string(t) for t in doc["tags"]) + "]",
            "",
            "  monitor_thresholds {",
            *(f"    {k} = {v:g}" for k, v in options["thresholds"].items()),
            "  }",
            f"  notify_no_data      = {str(options['notify_no_data']).lower()}",
            f"  require_full_window = {str(options['require_full_window']).lower()}",
            f"  include_tags        = {str(options['include_tags']).lower()}",
            f"  renotify_interval   = {options['renotify_interval']}",
        ]
        if "evaluation_delay" in options:
            lines.append(f"  evaluation_delay    = {options['evaluation_delay']}")
        lines.append("}")
    return "\n".join(lines) + "\n"
