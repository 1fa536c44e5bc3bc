"""Every metric the product sends to Datadog, in one place: name, type, unit, tags, source, statistic.

The dashboard and the monitors may only query names listed here (a test holds them to it), and
docs/metrics.md is written from this table. Four producers:
- `emrs-observe metrics collect` (this package): `emrs.job_run.*` per finished job run, CloudWatch
  figures forwarded under `emrs.serverless.`, the vCPU quota, and the collector's own health;
- the JVM plugin: its own health (`emrs.plugin.*`) and the Spark engine's figures under the
  Datadog Spark integration's names (`spark.*`) or `emrs.spark.`, names fixed by the team contract;
- `emrs-observe compliance scan --metrics`: `emrs_observe.compliance.*` gauges.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tags of every per-run KPI; the job run's own tags (allow-listed keys, e.g. team) are added.
RUN_TAGS = (
    "aws_account",
    "region",
    "emr_application_id",
    "emr_application_name",
    "release_label",
    "architecture",
    "job_name",
    "state",
)
# Tags of forwarded CloudWatch figures (those the series' dimensions allow).
APP_TAGS = ("aws_account", "region", "emr_application_id", "emr_application_name", "release_label", "architecture")
CAPACITY_TAGS = (*APP_TAGS, "worker_type", "capacity_type")
WORKER_TAGS = (*APP_TAGS, "job_name", "worker_type", "capacity_type")
ACCOUNT_TAGS = ("aws_account", "region")
# The plugin's tags are the logs' tags (docs/plugin.md, "Tags").
PLUGIN_TAGS = (
    "service",
    "env",
    "spark_app_name",
    "spark_app_id",
    "emr_application_id",
    "emr_job_run_id",
    "release_label",
)
COLLECTOR_TAGS = ("collector",)
SCANNER_TAGS = ("scanner",)

SERVERLESS_PREFIX = "emrs.serverless."
EMR_NAMESPACE = "AWS/EMRServerless"
USAGE_NAMESPACE = "AWS/Usage"


@dataclass(frozen=True)
class CloudWatchSource:
    namespace: str
    metric_name: str
    statistic: str  # the statistic the collector asks GetMetricData for, per one-minute period


@dataclass(frozen=True)
class MetricSpec:
    name: str
    type: str  # Datadog in-app type: count | gauge | rate
    unit: str
    tags: tuple[str, ...]
    source: str
    description: str
    cloudwatch: CloudWatchSource | None = None

    @property
    def statistic(self) -> str | None:
        return self.cloudwatch.statistic if self.cloudwatch else None


def _run(name: str, type_: str, unit: str, description: str, source: str = "GetJobRun") -> MetricSpec:
    return MetricSpec("emrs.job_run." + name, type_, unit, (*RUN_TAGS, "<job run tags>"), source, description)


JOB_RUN_METRICS = (
    _run("count", "count", "job run", "1 per job run that reached SUCCESS, FAILED or CANCELLED, at its end time"),
    _run("duration", "gauge", "second", "totalExecutionDurationSeconds (from RUNNING to the end)"),
    _run("queued", "gauge", "second", "queuedDurationMilliseconds / 1000: time in the QUEUED state"),
    _run("start_delay", "gauge", "second", "startedAt - createdAt: submission to RUNNING (queue, scheduling, workers)"),
    _run("attempts", "gauge", "attempt", "attempt: the number of the attempt that ended the run (1 without retries)"),
    _run("vcpu_hours", "count", "vCPU-hour", "billedResourceUtilization.vCPUHour"),
    _run("memory_gb_hours", "count", "GB-hour", "billedResourceUtilization.memoryGBHour"),
    _run("storage_gb_hours", "count", "GB-hour", "billedResourceUtilization.storageGBHour (beyond 20 GB per worker)"),
    _run(
        "cost",
        "count",
        "USD",
        "billed vCPU, memory and storage hours times the region's and architecture's rates (docs/metrics.md)",
        "GetJobRun + AWS Price List API (or the rates file)",
    ),
)


def _cw(
    name: str, metric: str, statistic: str, unit: str, tags: tuple[str, ...], description: str
) -> MetricSpec:
    source = f"CloudWatch {EMR_NAMESPACE} {metric}"
    return MetricSpec(
        SERVERLESS_PREFIX + name, "gauge", unit, tags, source, description,
        CloudWatchSource(EMR_NAMESPACE, metric, statistic),
    )


# Statistics as AWS's own sample dashboard asks for them (aws-samples/emr-serverless-samples,
# cloudformation/emr-serverless-cloudwatch-dashboard): Sum for the job-state counts, allocations and
# worker counts, Maximum for what workers used and for bytes read/written; the limits, absent from
# the sample, are constants per application, so Maximum.
_JOB_STATES = ("Submitted", "Pending", "Scheduled", "Running", "Success", "Failed", "Cancelling", "Cancelled")
CLOUDWATCH_METRICS = (
    *(
        _cw(f"{s.lower()}_jobs", f"{s}Jobs", "Sum", "job run", APP_TAGS, f"job runs in the {s.upper()} state")
        for s in _JOB_STATES
    ),
    _cw("cpu_allocated", "CPUAllocated", "Sum", "vCPU", CAPACITY_TAGS, "vCPUs allocated to the application"),
    _cw("memory_allocated", "MemoryAllocated", "Sum", "GB", CAPACITY_TAGS, "memory allocated to the application"),
    _cw("storage_allocated", "StorageAllocated", "Sum", "GB", CAPACITY_TAGS, "storage allocated to the application"),
    _cw("max_cpu_allowed", "MaxCPUAllowed", "Maximum", "vCPU", APP_TAGS, "the application's maximumCapacity cpu"),
    _cw("max_memory_allowed", "MaxMemoryAllowed", "Maximum", "GB", APP_TAGS, "maximumCapacity memory"),
    _cw("max_storage_allowed", "MaxStorageAllowed", "Maximum", "GB", APP_TAGS, "maximumCapacity disk"),
    _cw("running_worker_count", "RunningWorkerCount", "Sum", "worker", CAPACITY_TAGS, "workers in use"),
    _cw("pending_creation_worker_count", "PendingCreationWorkerCount", "Sum", "worker", CAPACITY_TAGS,
        "workers being created"),
    _cw("total_worker_count", "TotalWorkerCount", "Sum", "worker", CAPACITY_TAGS, "workers allocated"),
    _cw("idle_worker_count", "IdleWorkerCount", "Sum", "worker", CAPACITY_TAGS,
        "pre-initialised workers idle: billed to the application, in no job run's bill"),
    _cw("worker_cpu_allocated", "WorkerCpuAllocated", "Sum", "vCPU", WORKER_TAGS, "vCPUs allocated to a job's workers"),
    _cw("worker_cpu_used", "WorkerCpuUsed", "Maximum", "vCPU", WORKER_TAGS, "vCPUs a job's workers used"),
    _cw("worker_memory_allocated", "WorkerMemoryAllocated", "Sum", "GB", WORKER_TAGS, "memory allocated to a job"),
    _cw("worker_memory_used", "WorkerMemoryUsed", "Maximum", "GB", WORKER_TAGS, "memory a job's workers used"),
    _cw("worker_ephemeral_storage_allocated", "WorkerEphemeralStorageAllocated", "Sum", "GB", WORKER_TAGS,
        "ephemeral storage allocated to a job"),
    _cw("worker_ephemeral_storage_used", "WorkerEphemeralStorageUsed", "Maximum", "GB", WORKER_TAGS,
        "ephemeral storage a job's workers used"),
    _cw("worker_storage_read_bytes", "WorkerStorageReadBytes", "Maximum", "byte", WORKER_TAGS,
        "bytes a job's workers read from storage"),
    _cw("worker_storage_write_bytes", "WorkerStorageWriteBytes", "Maximum", "byte", WORKER_TAGS,
        "bytes a job's workers wrote to storage"),
)

# AWS/Usage ResourceCount {Service: EMR Serverless, Type: Resource, Resource: vCPU, Class: None}.
# The statistic is the one Service Quotas recommends for the quota's usage metric when it names one.
VCPU_USAGE_DIMENSIONS = (("Service", "EMR Serverless"), ("Type", "Resource"), ("Resource", "vCPU"), ("Class", "None"))
VCPU_QUOTA_SERVICE = "emr-serverless"
VCPU_QUOTA_CODE = "L-D05C8A75"  # "Max concurrent vCPUs per account"
QUOTA_METRICS = (
    MetricSpec(
        SERVERLESS_PREFIX + "vcpu_in_use", "gauge", "vCPU", ACCOUNT_TAGS,
        f"CloudWatch {USAGE_NAMESPACE} ResourceCount (Service EMR Serverless, Resource vCPU)",
        "vCPUs the account's EMR Serverless workers hold in the region",
        CloudWatchSource(USAGE_NAMESPACE, "ResourceCount", "Maximum"),
    ),
    MetricSpec(
        SERVERLESS_PREFIX + "vcpu_quota", "gauge", "vCPU", ACCOUNT_TAGS,
        f"Service Quotas {VCPU_QUOTA_SERVICE} {VCPU_QUOTA_CODE} (applied value, else the default)",
        "Max concurrent vCPUs per account, at collection time",
    ),
)

COLLECTOR_METRICS = (
    MetricSpec("emrs_observe.collector.job_runs", "gauge", "job run", COLLECTOR_TAGS, "metrics collect",
               "finished job runs sent by this collection"),
    MetricSpec("emrs_observe.collector.not_collected", "gauge", "target", COLLECTOR_TAGS, "metrics collect",
               "accounts, regions or applications that could not be read"),
    MetricSpec("emrs_observe.collector.unpriced", "gauge", "job run", COLLECTOR_TAGS, "metrics collect",
               "job runs sent without a cost (no rate for their region and architecture)"),
    MetricSpec("emrs_observe.collector.in_doubt", "gauge", "job run", COLLECTOR_TAGS, "metrics collect",
               "job runs whose delivery a crashed collection could not confirm (resent or skipped)"),
)

_PLUGIN = "plugin metrics path, beside the logs (docs/plugin.md)"
PLUGIN_METRICS = (
    MetricSpec("emrs.plugin.logs.sent", "count", "log line", PLUGIN_TAGS, _PLUGIN, "log lines accepted by the intake"),
    MetricSpec("emrs.plugin.logs.retried", "count", "request", PLUGIN_TAGS, _PLUGIN, "intake requests retried"),
    MetricSpec("emrs.plugin.logs.failed", "count", "request", PLUGIN_TAGS, _PLUGIN, "intake requests that failed"),
    MetricSpec("emrs.plugin.logs.dropped", "count", "log line", (*PLUGIN_TAGS, "reason"), _PLUGIN,
               "log lines dropped: reason buffer_full|rejected|retries_exhausted|shutdown_timeout|no_api_key"),
    MetricSpec("emrs.plugin.lineage.written", "count", "object", PLUGIN_TAGS, _PLUGIN, "lineage objects written"),
    MetricSpec("emrs.plugin.lineage.failed", "count", "object", PLUGIN_TAGS, _PLUGIN, "lineage writes that failed"),
    MetricSpec("emrs.plugin.lineage.dropped", "count", "object", PLUGIN_TAGS, _PLUGIN, "lineage objects dropped"),
    MetricSpec("emrs.plugin.metrics.dropped", "count", "point", PLUGIN_TAGS, _PLUGIN,
               "the metrics path's own losses"),
)
_SPARK = "plugin metrics path, Datadog Spark check names (docs/plugin.md)"
SPARK_METRICS = (
    MetricSpec("spark.executor.failed_tasks", "rate", "task", PLUGIN_TAGS, _SPARK, "failed tasks in the executors"),
    MetricSpec("spark.executor.active_tasks", "gauge", "task", PLUGIN_TAGS, _SPARK, "active tasks in the executors"),
    MetricSpec("spark.stage.shuffle_read_bytes", "rate", "byte", PLUGIN_TAGS, _SPARK, "bytes read by shuffles"),
    MetricSpec("spark.stage.shuffle_write_bytes", "rate", "byte", PLUGIN_TAGS, _SPARK, "bytes written by shuffles"),
    MetricSpec("spark.stage.memory_bytes_spilled", "rate", "byte", PLUGIN_TAGS, _SPARK, "bytes spilled in memory"),
    MetricSpec("spark.stage.disk_bytes_spilled", "rate", "byte", PLUGIN_TAGS, _SPARK, "bytes spilled to disk"),
    MetricSpec("emrs.spark.jvm.heap.used", "gauge", "byte", (*PLUGIN_TAGS, "executor_id"),
               "plugin metrics path, Spark's metrics system (docs/plugin.md)", "JVM heap used"),
)
_SCAN = "compliance scan --metrics (emrs_observe/compliance/metrics.py)"
COMPLIANCE_METRICS = (
    MetricSpec("emrs_observe.compliance.applications", "gauge", "application", SCANNER_TAGS, _SCAN,
               "applications assessed"),
    MetricSpec("emrs_observe.compliance.violating", "gauge", "application", SCANNER_TAGS, _SCAN,
               "applications with at least one violation"),
    MetricSpec("emrs_observe.compliance.violations", "gauge", "violation", (*SCANNER_TAGS, "rule"), _SCAN,
               "violations per rule"),
    MetricSpec("emrs_observe.compliance.new_applications", "gauge", "application", SCANNER_TAGS, _SCAN,
               "applications created since the last scan"),
    MetricSpec("emrs_observe.compliance.not_scanned", "gauge", "target", SCANNER_TAGS, _SCAN,
               "accounts, regions or applications that could not be read"),
    MetricSpec("emrs_observe.compliance.job_runs", "gauge", "job run", SCANNER_TAGS, _SCAN,
               "job runs read since the last scan"),
    MetricSpec("emrs_observe.compliance.job_runs_violating", "gauge", "job run", (*SCANNER_TAGS, "rule"), _SCAN,
               "job runs that dropped observability, per rule"),
)

ALL = (
    *JOB_RUN_METRICS,
    *CLOUDWATCH_METRICS,
    *QUOTA_METRICS,
    *COLLECTOR_METRICS,
    *PLUGIN_METRICS,
    *SPARK_METRICS,
    *COMPLIANCE_METRICS,
)
BY_NAME = {m.name: m for m in ALL}
# CloudWatch metric name -> what the collector forwards it as.
BY_CLOUDWATCH_NAME = {m.cloudwatch.metric_name: m for m in CLOUDWATCH_METRICS if m.cloudwatch}


def spec(name: str) -> MetricSpec:
    """The catalog entry of `name`; KeyError names the metric when the product would send an unlisted one."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not in emrs_observe/metrics/catalog.py") from None
