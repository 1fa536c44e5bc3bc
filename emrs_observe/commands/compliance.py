"""`emrs-observe compliance …`: a thin shell over `emrs_observe.compliance`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from emrs_observe.compliance.inventory import AwsOptions, InventoryError, load_inventory_file, scan_accounts
from emrs_observe.compliance.metrics import API_KEY_ENV as METRICS_KEY_ENV
from emrs_observe.compliance.metrics import api_key_from_env as metrics_api_key_from_env
from emrs_observe.compliance.metrics import send as send_metrics
from emrs_observe.compliance.pagerduty import DEFAULT_URL, ROUTING_KEY_ENV, PagerDutySink, routing_key_from_env
from emrs_observe.compliance.rules import RELEASE_UNSUPPORTED, RULES
from emrs_observe.compliance.scan import run_scan
from emrs_observe.compliance.settings import SettingsError, parse_settings
from emrs_observe.compliance.state import StateError, load_state


@click.group(name="compliance")
def group() -> None:
    """Prove that every EMR Serverless application is wired for logs and lineage."""


def _config_source(ctx: click.Context) -> str:
    path = ctx.find_root().params.get("config_path")
    return str(path) if path else "(no config file)"


@group.command(name="scan")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    help="Read an exported inventory instead of AWS: a JSON array of get-application responses, "
    "and get-job-run responses of those applications.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--state",
    envvar="EMRS_OBSERVE_COMPLIANCE_STATE",
    help="Local file or s3:// object remembering applications seen, open alerts and how far job runs were read.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="AWS requests in flight at once."
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="Attempts per AWS request (throttling and 5xx are retried with backoff).",
)
@click.option(
    "--pagerduty-url",
    envvar="EMRS_OBSERVE_PAGERDUTY_URL",
    default=DEFAULT_URL,
    show_default=True,
    help=f"Events API v2 base URL; alerts are sent only when ${ROUTING_KEY_ENV} is set.",
)
@click.option(
    "--pagerduty-ca-bundle",
    envvar="EMRS_OBSERVE_PAGERDUTY_CA_BUNDLE",
    type=click.Path(dir_okay=False),
    help="PEM file of CAs to trust for the PagerDuty URL (e.g. behind a TLS-inspecting proxy).",
)
@click.option(
    "--metrics/--no-metrics",
    default=False,
    show_default=True,
    help="Send scan gauges to Datadog (API key from $DD_API_KEY only).",
)
@click.option("--datadog-site", envvar="DD_SITE", default="datadoghq.com", show_default=True)
@click.option("--datadog-url", envvar="EMRS_OBSERVE_DATADOG_URL", help="Datadog API base URL (overrides the site).")
@click.option("--metric-tag", "metric_tags", multiple=True, help="Extra key:value tag on every gauge (repeatable).")
@click.option(
    "--job-runs/--no-job-runs",
    default=True,
    show_default=True,
    help="Also audit the job runs created since the last scan (what they override).",
)
@click.option(
    "--job-run-lookback-hours",
    type=click.FloatRange(0),
    default=24.0,
    show_default=True,
    help="For an application not audited before (no state yet): audit job runs created this far back.",
)
@click.option(
    "--retrigger-hours",
    type=click.FloatRange(0),
    default=24.0,
    show_default=True,
    help="Re-send the trigger of a still-failing alert after this long (0: every scan).",
)
@click.pass_context
def scan(
    ctx: click.Context,
    input_path: str | None,
    fmt: str,
    state: str | None,
    concurrency: int,
    max_attempts: int,
    pagerduty_url: str,
    pagerduty_ca_bundle: str | None,
    metrics: bool,
    datadog_site: str,
    datadog_url: str | None,
    metric_tags: tuple[str, ...],
    job_runs: bool,
    job_run_lookback_hours: float,
    retrigger_hours: float,
) -> None:
    """Check the spark-defaults of every application; exit 0 compliant, 3 violations, 4 incomplete."""
    table: dict[str, Any] = dict(ctx.default_map or {})
    try:
        options = frozenset(p.name for p in ctx.command.params if p.name)
        settings = parse_settings(table, _config_source(ctx), options)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    key = routing_key_from_env()
    try:
        sink = PagerDutySink(key, pagerduty_url, pagerduty_ca_bundle) if key else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    dd_key = metrics_api_key_from_env()
    if metrics and not dd_key:
        raise click.UsageError(f"--metrics needs the Datadog API key in ${METRICS_KEY_ENV}")

    try:
        scan_state = load_state(state)  # first: the job-run marks decide what to read
    except StateError as exc:
        raise click.ClickException(str(exc)) from None
    if input_path:
        try:
            inventory = load_inventory_file(input_path)
        except InventoryError as exc:
            raise click.UsageError(str(exc)) from None
        inventory.scanned_scopes = {a.scope for a in inventory.applications}
    else:
        if not settings.accounts:
            raise click.UsageError(
                f"{_config_source(ctx)}: no accounts to scan; add [[compliance.scan.accounts]] tables "
                "(id or role_arn, regions) to the --config file, or pass --input FILE"
            )
        aws_options = AwsOptions(
            concurrency=concurrency,
            max_attempts=max_attempts,
            job_runs=job_runs,
            job_run_lookback=dt.timedelta(hours=job_run_lookback_hours),
        )
        inventory = scan_accounts(settings.accounts, aws_options, job_run_marks=scan_state.job_run_marks)

    try:
        report = run_scan(
            inventory,
            list(settings.allow),
            state,
            sink,
            retrigger_after=dt.timedelta(hours=retrigger_hours),
            state=scan_state,
        )
    except StateError as exc:
        raise click.ClickException(str(exc)) from None
    if metrics and dd_key:
        report.metrics_error = send_metrics(report, dd_key, datadog_url, datadog_site, metric_tags)

    from emrs_observe.compliance.report import print_table, to_dict

    if fmt == "json":
        click.echo(json.dumps(to_dict(report), indent=2))
    else:
        from rich.console import Console

        print_table(report, Console())
        if sink is None:
            click.echo(f"PagerDuty alerts off (set {ROUTING_KEY_ENV} to send them)", err=True)
    ctx.exit(report.exit_code)


@group.command(name="rules")
def rules() -> None:
    """List the rules: id, severity, what each checks."""
    click.echo(f"{RELEASE_UNSUPPORTED:24} {'error':9} the release can run the plugin (warning when not in the table)")
    for r in RULES:
        click.echo(f"{r.id:24} {r.severity.value:9} {r.title}")
