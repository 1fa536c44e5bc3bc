"""`emrs-observe metrics …`: a thin shell over `emrs_observe.metrics`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from emrs_observe.compliance.settings import SettingsError, parse_settings


@click.group(name="metrics")
def group() -> None:
    """Platform KPIs in Datadog: job run outcomes and cost, capacity, utilisation, quota; dashboard and monitors."""


def _config_source(ctx: click.Context) -> str:
    path = ctx.find_root().params.get("config_path")
    return str(path) if path else "(no config file)"


def _check_table(ctx: click.Context, table_name: str, extra: frozenset[str] = frozenset()) -> None:
    """Keys of the command's TOML table must be its options: anything else is a typo."""
    table = dict(ctx.default_map or {})
    options = frozenset(p.name for p in ctx.command.params if p.name) | extra
    secrets = {"api_key", "datadog_api_key", "app_key", "application_key", "vault_token", "secret_id"} & set(table)
    if secrets:
        raise click.UsageError(
            f"{_config_source(ctx)} [{table_name}]: `{sorted(secrets)[0]}` must not be in the config file; secrets "
            "come from the environment (DD_API_KEY, DD_APP_KEY, VAULT_TOKEN, VAULT_SECRET_ID) or Vault"
        )
    unknown = sorted(set(table) - options)
    if unknown:
        raise click.UsageError(
            f"{_config_source(ctx)} [{table_name}]: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(options))}"
        )


def _tag_pairs(values: tuple[str, ...], option: str) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        key, sep, rest = value.partition(":")
        if not sep or not key or not rest:
            raise click.UsageError(f"{option} {value!r}: expected key:value")
        out.append((key, rest))
    return tuple(out)


@group.command(name="collect")
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="Collect from exported get-application / get-job-run responses (a JSON array) instead of AWS: "
              "the per-run KPIs only (CloudWatch needs AWS).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--state", envvar="EMRS_OBSERVE_METRICS_STATE",
              help="Local file or s3:// object: runs delivered, CloudWatch marks, cached prices, the request "
              "in flight.")
@click.option("--dry-run", is_flag=True, help="Print the points instead of sending them; the state is not written.")
@click.option("--datadog-site", envvar="DD_SITE", default="datadoghq.com", show_default=True)
@click.option("--datadog-url", envvar="EMRS_OBSERVE_DATADOG_URL", help="Datadog API base URL (overrides the site).")
@click.option("--datadog-ca-bundle", envvar="EMRS_OBSERVE_DATADOG_CA_BUNDLE", type=click.Path(dir_okay=False),
              help="PEM file of CAs to trust for the Datadog URL.")
@click.option("--datadog-max-attempts", type=click.IntRange(1, 10), default=4, show_default=True,
              help="Attempts per Datadog request (408/429/5xx and network errors are retried with backoff).")
@click.option("--metric-tag", "metric_tags", multiple=True, help="Extra key:value tag on every point (repeatable).")
@click.option("--run-tag-key", "run_tag_keys", multiple=True,
              help="A job run tag key to forward as a Datadog tag (repeatable; default: team, owner, cost_center, "
              "env, service, project and their spellings). Never a per-run value: tag cardinality.")
@click.option("--keep-job-names", is_flag=True,
              help="Tag job names as they are, without folding dates, UUIDs and long numbers.")
@click.option("--rates-file", envvar="EMRS_OBSERVE_RATES_FILE", type=click.Path(dir_okay=False),
              help="TOML file of negotiated rates (per region and architecture) and/or a discount_percent.")
@click.option("--pricing/--no-pricing", default=None,
              help="Read list prices from the AWS Price List API, cached in the state (default: on, except with "
              "--input, which makes no AWS call unless asked).")
@click.option("--pricing-region", default="us-east-1", show_default=True, help="Region of the Price List API endpoint.")
@click.option("--price-max-age-days", type=click.FloatRange(0), default=7.0, show_default=True,
              help="Re-read list prices cached longer than this.")
@click.option("--in-doubt", type=click.Choice(["resend", "skip"]), default="resend", show_default=True,
              help="A request a crashed collection could not confirm: send it again (at least once) or record it "
              "as sent (at most once).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="AWS requests in flight at once.")
@click.option("--max-attempts", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Attempts per AWS request (throttling and 5xx are retried with backoff).")
@click.option("--lookback-hours", type=click.FloatRange(0), default=24.0, show_default=True,
              help="Job runs of an application collected for the first time: created this far back.")
@click.option("--max-run-age-hours", type=click.FloatRange(1), default=168.0, show_default=True,
              help="ListJobRuns never reaches further back; older open runs are read one by one.")
@click.option("--cloudwatch/--no-cloudwatch", default=True, show_default=True,
              help="Forward the EMR Serverless CloudWatch figures.")
@click.option("--worker-metrics/--no-worker-metrics", default=True, show_default=True,
              help="Include the per-job worker series (the bulk of the GetMetricData cost).")
@click.option("--cloudwatch-lookback-minutes", type=click.FloatRange(2), default=60.0, show_default=True,
              help="CloudWatch minutes read each collection (Datadog drops points older than an hour).")
@click.option("--settle-minutes", type=click.FloatRange(0), default=3.0, show_default=True,
              help="The newest CloudWatch minutes left for the next collection: AWS may still be publishing them.")
@click.option("--quota/--no-quota", default=True, show_default=True,
              help="Read the applied vCPU quota (Service Quotas) and its usage (AWS/Usage).")
@click.option("--vault-addr", envvar="EMRS_OBSERVE_VAULT_ADDR",
              help="Read the Datadog API key from Vault (as the plugin does) instead of $DD_API_KEY.")
@click.option("--vault-auth-method", type=click.Choice(["aws", "approle", "token"]), default="aws", show_default=True)
@click.option("--vault-auth-role", help="aws: the Vault role; approle: the role_id (secret id from $VAULT_SECRET_ID).")
@click.option("--vault-auth-mount", help="Mount of the auth method (default: the method's name).")
@click.option("--vault-kv-mount", default="secret", show_default=True)
@click.option("--vault-secret-path", help="Path of the secret in the KV v2 mount.")
@click.option("--vault-secret-field", default="api_key", show_default=True)
@click.option("--vault-namespace", envvar="VAULT_NAMESPACE")
@click.option("--vault-ca-cert", type=click.Path(dir_okay=False),
              help="CA of Vault's certificate (else $VAULT_CACERT).")
@click.option("--vault-aws-region", default="us-east-1", show_default=True)
@click.option("--vault-aws-server-id", help="X-Vault-AWS-IAM-Server-ID signed into the aws login.")
@click.pass_context
def collect(ctx: click.Context, /, **opts: Any) -> None:
    """Send each finished job run's KPIs and the CloudWatch figures to Datadog, once; exit 0, or 4 incomplete."""
    from emrs_observe.metrics.apikey import ApiKeyError, VaultSettings, datadog_api_key
    from emrs_observe.metrics.aws import AwsOptions, read_prices
    from emrs_observe.metrics.aws import collect as collect_aws
    from emrs_observe.metrics.collect import CollectOptions, run_collection
    from emrs_observe.metrics.cost import PriceError, load_rates_file
    from emrs_observe.metrics.jobruns import DEFAULT_RUN_TAG_KEYS, TagPolicy
    from emrs_observe.metrics.offline import InputError, read_input
    from emrs_observe.metrics.report import print_table, to_dict
    from emrs_observe.metrics.sink import DatadogSender
    from emrs_observe.metrics.state import StateError, load_state

    _check_table(ctx, "metrics.collect")
    root = ctx.find_root().default_map or {}
    try:
        shared = parse_settings((root.get("compliance") or {}).get("scan"), _config_source(ctx))
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    rates = None
    if opts["rates_file"]:
        try:
            rates = load_rates_file(opts["rates_file"])
        except PriceError as exc:
            raise click.UsageError(str(exc)) from None
    policy = TagPolicy(
        tuple(opts["run_tag_keys"]) or DEFAULT_RUN_TAG_KEYS,
        _tag_pairs(tuple(opts["metric_tags"]), "--metric-tag"),
        not opts["keep_job_names"],
    )
    sender = None
    if not opts["dry_run"]:
        vault = None
        if opts["vault_addr"]:
            vault = VaultSettings(
                opts["vault_addr"], opts["vault_secret_path"] or "", opts["vault_auth_method"], opts["vault_auth_role"],
                opts["vault_auth_mount"], opts["vault_kv_mount"], opts["vault_secret_field"], opts["vault_namespace"],
                opts["vault_ca_cert"], opts["vault_aws_region"], opts["vault_aws_server_id"],
            )
        try:
            key = datadog_api_key(vault)
        except ApiKeyError as exc:
            raise click.UsageError(str(exc)) from None
        sender = DatadogSender(key, opts["datadog_url"], opts["datadog_site"], opts["datadog_max_attempts"],
                               ca_bundle=opts["datadog_ca_bundle"])
    aws = AwsOptions(
        concurrency=opts["concurrency"],
        max_attempts=opts["max_attempts"],
        lookback=dt.timedelta(hours=opts["lookback_hours"]),
        max_run_age=dt.timedelta(hours=opts["max_run_age_hours"]),
        cloudwatch=opts["cloudwatch"],
        worker_metrics=opts["worker_metrics"],
        cloudwatch_lookback=dt.timedelta(minutes=opts["cloudwatch_lookback_minutes"]),
        settle=dt.timedelta(minutes=opts["settle_minutes"]),
        quota=opts["quota"],
        pricing_region=opts["pricing_region"],
    )
    options = CollectOptions(policy, rates, dt.timedelta(days=opts["price_max_age_days"]), opts["in_doubt"],
                             offline=bool(opts["input_path"]), dry_run=opts["dry_run"])
    now = dt.datetime.now(dt.timezone.utc)
    try:
        state = load_state(opts["state"])
    except StateError as exc:
        raise click.ClickException(str(exc)) from None

    if opts["input_path"]:
        try:
            read_input(opts["input_path"], state.apps)  # a bad file stops before anything is sent
        except InputError as exc:
            raise click.UsageError(str(exc)) from None
        path = opts["input_path"]

        def harvest_of(current: Any) -> Any:
            return read_input(path, current.apps)
    else:
        if not shared.accounts:
            raise click.UsageError(
                f"{_config_source(ctx)}: no accounts to collect; add [[compliance.scan.accounts]] tables (id or "
                "role_arn, regions) to the --config file (metrics collect shares them), or pass --input FILE"
            )
        def harvest_of(current: Any) -> Any:
            return collect_aws(shared.accounts, current.apps, current.high_water, aws, now, policy)

    def prices(regions: list[str]) -> Any:
        return read_prices(None, regions, aws)

    pricing = opts["pricing"] if opts["pricing"] is not None else not opts["input_path"]
    report = run_collection(harvest_of, state, opts["state"], sender, options, aws, prices if pricing else None, now)
    if opts["fmt"] == "json":
        click.echo(json.dumps(to_dict(report), indent=2))
    else:
        from rich.console import Console

        print_table(report, Console())
    ctx.exit(report.exit_code)


@group.command(name="dashboard")
@click.option("--format", "fmt", type=click.Choice(["json", "terraform"]), default="json", show_default=True,
              help="json: the Datadog API documents; terraform: datadog_dashboard_json and datadog_monitor resources.")
@click.option("--apply", "apply_", is_flag=True,
              help="Create or update the dashboard and monitors in Datadog (keys from $DD_API_KEY and $DD_APP_KEY).")
@click.option("--title", default=None, help="Dashboard title (the dashboard is found by it when applying).")
@click.option("--notify", default="", help="Mentions added to every monitor message, e.g. '@pagerduty-data'.")
@click.option("--monitor-tag", "monitor_tags", multiple=True, help="Extra tag on every monitor (repeatable).")
@click.option("--failure-ratio", type=click.FloatRange(0, 1, min_open=True), default=0.2, show_default=True,
              help="Alert when this share of an application's job runs in an hour failed.")
@click.option("--queued-seconds", type=click.FloatRange(1), default=900.0, show_default=True,
              help="Alert when a job run was queued longer than this.")
@click.option("--pending-minutes", type=click.IntRange(5, 1440), default=30, show_default=True,
              help="Alert when job runs stay PENDING this long.")
@click.option("--capacity-ratio", type=click.FloatRange(0.1, 1), default=0.9, show_default=True,
              help="Alert when an application holds this share of its maximum vCPU or memory.")
@click.option("--quota-ratio", type=click.FloatRange(0.1, 1), default=0.8, show_default=True,
              help="Alert when an account uses this share of its vCPU quota in a region.")
@click.option("--datadog-site", envvar="DD_SITE", default="datadoghq.com", show_default=True)
@click.option("--datadog-url", envvar="EMRS_OBSERVE_DATADOG_URL", help="Datadog API base URL (overrides the site).")
@click.option("--datadog-ca-bundle", envvar="EMRS_OBSERVE_DATADOG_CA_BUNDLE", type=click.Path(dir_okay=False))
@click.pass_context
def dashboard_command(ctx: click.Context, /, **opts: Any) -> None:
    """Print (or --apply) the platform dashboard and its monitors; every query names a catalogued metric."""
    from emrs_observe.metrics.apikey import ApiKeyError, application_key, datadog_api_key
    from emrs_observe.metrics.dashboard import TITLE, Thresholds, check, dashboard, monitors, to_terraform

    _check_table(ctx, "metrics.dashboard")
    thresholds = Thresholds(opts["failure_ratio"], opts["queued_seconds"], opts["pending_minutes"],
                            opts["capacity_ratio"], opts["quota_ratio"], opts["notify"], tuple(opts["monitor_tags"]))
    board = dashboard(opts["title"] or TITLE)
    alerts = monitors(thresholds)
    if opts["apply_"]:  # apply() checks each definition as it sends it
        from emrs_observe.metrics.publish import apply

        try:
            api_key = datadog_api_key(None)
        except ApiKeyError as exc:
            raise click.UsageError(str(exc)) from None
        app_key = application_key()
        if not app_key:
            raise click.UsageError("--apply needs a Datadog application key in $DD_APP_KEY (or $DD_APPLICATION_KEY)")
        applied = apply(board, alerts, api_key, app_key, opts["datadog_url"], opts["datadog_site"],
                        opts["datadog_ca_bundle"])
        if applied.dashboard:
            click.echo(f"dashboard {applied.dashboard[0]}: {applied.dashboard[1]}")
        for action, monitor_id, name in applied.monitors:
            click.echo(f"monitor {action}: {monitor_id} {name}")
        for error in applied.errors:
            click.echo(f"error: {error}", err=True)
        ctx.exit(4 if applied.errors else 0)
    check(board, "dashboard")
    for doc in alerts:
        check(doc, "monitor")
    if opts["fmt"] == "terraform":
        click.echo(to_terraform(board, alerts), nl=False)
    else:
        click.echo(json.dumps({"dashboard": board, "monitors": alerts}, indent=2))
