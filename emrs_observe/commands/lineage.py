"""`emrs-observe lineage run|show`: parse options, call the pipeline, print results."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from emrs_observe.datahub.sinks import Sink, SinkError, open_sink
from emrs_observe.lineage.engine import Edge, LineageError, WriteLineage
from emrs_observe.lineage.naming import DatasetNamer, NamingError, PathSpec, Warehouse
from emrs_observe.lineage.render import lineage_to_dict, lineage_to_dot
from emrs_observe.pipeline.checkpoint import CheckpointError
from emrs_observe.pipeline.forms import read_object, trace
from emrs_observe.pipeline.processor import RunOptions, RunSummary, run_lineage
from emrs_observe.spline.errors import LineageReadError
from emrs_observe.storage import StorageError, read_bytes

EXIT_OK = 0
EXIT_REJECTED = 3
EXIT_SINK_FAILED = 4
EXIT_SOURCE_FAILED = 5


@click.group(name="lineage")
def group() -> None:
    """Spline or OpenLineage lineage → column-level lineage → DataHub."""


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from None


F = TypeVar("F", bound=Callable[..., Any])


def _checked(parse: Callable[[str], object]) -> Callable[[click.Context, click.Parameter, tuple[str, ...]],
                                                           tuple[str, ...]]:
    """A bad path spec or warehouse is a usage error (exit 2) naming the value, before anything runs."""
    def check(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            try:
                parse(value)
            except NamingError as exc:
                raise click.BadParameter(str(exc)) from None
        return values
    return check


def naming_options(func: F) -> F:
    func = click.option("--path-spec", "path_specs", multiple=True, envvar="EMRS_OBSERVE_PATH_SPECS",
                        callback=_checked(PathSpec.parse),
                        help="Path spec such as s3://bucket/data/{table}/* naming tables (repeatable).")(func)
    func = click.option("--warehouse", "warehouses", multiple=True, envvar="EMRS_OBSERVE_WAREHOUSES",
                        callback=_checked(Warehouse.parse),
                        help="Catalog folder whose table folders are named as their tables: the Spark "
                             "warehouse (s3://bucket/warehouse, <wh>/<db>.db/<table>) or one database's "
                             "location (DB=s3://bucket/db). Makes a CTAS one dataset (repeatable).")(func)
    func = click.option("--strip-partitions", is_flag=True, envvar="EMRS_OBSERVE_STRIP_PARTITIONS",
                        help="Fold trailing key=value partition folders into their table, reads and writes.")(func)
    func = click.option("--catalog-platform", type=click.Choice(["glue", "hive"]), default="glue",
                        show_default=True, envvar="EMRS_OBSERVE_CATALOG_PLATFORM",
                        help="Platform of catalog tables.")(func)
    return func


@group.command(name="run")
@click.option("--source", required=True, envvar="EMRS_OBSERVE_SOURCE",
              help="Folder or s3://bucket/prefix/ holding lineage objects (Spline or OpenLineage).")
@click.option("--sink", required=True, envvar="EMRS_OBSERVE_SINK",
              help="file:PATH (DataHub metadata file) or datahub:URL (GMS; token from DATAHUB_GMS_TOKEN).")
@click.option("--state", envvar="EMRS_OBSERVE_STATE",
              help="Checkpoint file or s3:// object; without it every object is processed each run.")
@click.option("--dry-run", is_flag=True, help="Compute everything, send nothing, keep the checkpoint.")
@click.option("--env", default="PROD", show_default=True, envvar="EMRS_OBSERVE_ENV", help="DataHub environment.")
@click.option("--platform-instance", envvar="EMRS_OBSERVE_PLATFORM_INSTANCE", help="DataHub platform instance.")
@click.option("--since", callback=_parse_date, help="Ignore objects of days before this date (YYYY-MM-DD).")
@click.option("--lookback-days", type=click.IntRange(min=0), envvar="EMRS_OBSERVE_LOOKBACK_DAYS",
              help="Only consider the last N days of dt= partitions (keeps the checkpoint small).")
@click.option("--workers", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Objects read and processed in parallel.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Objects sent to the sink between checkpoint saves.")
@click.option("--include-indirect/--no-include-indirect", default=False, show_default=True,
              help="Also send indirect dependencies (filter, join, grouping, window, sort columns).")
@click.option("--format", "output_format", type=click.Choice(["auto", "text", "json"]), default="auto",
              show_default=True, help="Summary format; auto is a table on a terminal and JSON otherwise.")
@naming_options
def run_command(source: str, sink: str, state: str | None, dry_run: bool, env: str, platform_instance: str | None,
                since: date | None, lookback_days: int | None, workers: int, batch_size: int, include_indirect: bool,
                output_format: str, path_specs: tuple[str, ...], catalog_platform: str,
                warehouses: tuple[str, ...], strip_partitions: bool) -> None:
    """Process every new lineage object under SOURCE into SINK."""
    try:
        target = open_sink(sink, dry_run=dry_run)
    except SinkError as exc:
        raise click.UsageError(str(exc)) from None
    options = RunOptions(
        source=source, state=None if dry_run else state, env=env, platform_instance=platform_instance,
        since=since, lookback_days=lookback_days, workers=workers, batch_size=batch_size,
        include_indirect=include_indirect,
        path_specs=path_specs, catalog_platform=catalog_platform, warehouses=warehouses,
        strip_partitions=strip_partitions,
    )
    fmt = output_format if output_format != "auto" else ("text" if sys.stdout.isatty() else "json")
    try:
        if sys.stderr.isatty():
            summary = _run_with_progress(options, target)
        else:
            summary = run_lineage(options, target)
    except (CheckpointError, StorageError, NamingError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_SOURCE_FAILED)
    _print_summary(summary, fmt)
    if summary.sink_error:
        sys.exit(EXIT_SINK_FAILED)
    if summary.rejected or summary.unreadable:
        sys.exit(EXIT_REJECTED)


def _run_with_progress(options: RunOptions, target: Sink) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("lineage"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as progress:
        task = progress.add_task("objects", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run_lineage(options, target, update)


def _print_summary(summary: RunSummary, fmt: str) -> None:
    data = summary.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"lineage run: {summary.source} → {summary.sink}", show_header=False)
    for key, value in data["objects"].items():
        table.add_row(f"objects {key.replace('_', ' ')}", str(value))
    table.add_row("executions", str(summary.executions))
    table.add_row("column lineage edges", str(summary.lineage_edges))
    table.add_row("proposals", str(summary.proposals))
    console.print(table)
    for item in summary.rejected:
        console.print(f"[red]rejected[/red] {item['object']}: {item['reason']}", markup=True, highlight=False)
    for item in summary.unreadable:
        console.print(f"[red]unreadable[/red] {item['object']}: {item['reason']}", markup=True, highlight=False)
    if summary.sink_error:
        console.print(f"[red]sink failed[/red]: {summary.sink_error}", highlight=False)


@group.command(name="show")
@click.argument("path")
@click.option("--format", "output_format", type=click.Choice(["table", "dot", "json"]), default="table",
              show_default=True)
@naming_options
def show_command(path: str, output_format: str, path_specs: tuple[str, ...], catalog_platform: str,
                 warehouses: tuple[str, ...], strip_partitions: bool) -> None:
    """Print the column lineage of one lineage object (file or s3:// URI)."""
    try:
        result = read_object(path, read_bytes(path))
        namer = DatasetNamer(path_specs, catalog_platform, warehouses=warehouses, strip_partitions=strip_partitions)
    except (LineageReadError, StorageError, NamingError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_REJECTED)
    errors = list(result.errors)
    lineages = []
    for record in result.records:  # one plan that cannot be traced does not hide the others
        try:
            lineages.append(trace(record, namer))
        except (LineageError, NamingError) as exc:
            errors.append(str(exc))
    for error in errors:
        click.echo(f"error: {path}: {error}", err=True)
    if errors and not lineages:
        sys.exit(EXIT_REJECTED)
    openlineage = result.form.startswith(("openlineage", "emrs-observe-openlineage"))
    if not lineages:
        what = "no write" if openlineage else "execution events only, no plan"
        click.echo(f"{path}: holds {what} to show lineage for", err=True)
        sys.exit(EXIT_REJECTED)
    if output_format == "dot":
        click.echo(lineage_to_dot(lineages), nl=False)
    elif output_format == "json":
        click.echo(json.dumps([lineage_to_dict(lin) for lin in lineages], indent=2))
    else:
        _print_tables(lineages, "run" if openlineage else "plan")
    if errors:
        sys.exit(EXIT_REJECTED)


def _print_tables(lineages: list[WriteLineage], id_kind: str) -> None:
    """`id_kind` names what `plan_id` is: a Spline plan's id, or an OpenLineage run id."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for lineage in lineages:
        table = Table(title=f"{lineage.output}  ←  {lineage.write_operation} ({id_kind} {lineage.plan_id})")
        table.add_column("column")
        table.add_column("← upstream columns")
        table.add_column("transform")
        table.add_column("functions")
        for column in lineage.columns:
            upstream = [str(e.upstream) for e in column.edges] + [f"{c} (condition)" for c in column.conditional]
            transforms = [_edge_text(e) for e in column.edges] + ["CONDITIONAL"] * len(column.conditional)
            table.add_row(column.column, "\n".join(upstream) or "(no source column)", "\n".join(transforms),
                          ", ".join(column.functions))
        console.print(table)
        if lineage.guessed_operators:
            console.print("guessed: columns of " + ", ".join(lineage.guessed_operators) + " are traced to all of "
                          "their input columns (Spark does not say which feeds which)", highlight=False)
        if lineage.indirect:
            console.print("indirect: " + ", ".join(f"{d.column} [{d.kind.value}]" for d in lineage.indirect),
                          highlight=False)


def _edge_text(edge: Edge) -> str:
    flags = [f for f, on in (("masked", edge.masking), (f"confidence {edge.confidence:g}", edge.confidence < 1)) if on]
    return edge.transform.value + (f" ({', '.join(flags)})" if flags else "")
