"""`emrs-observe defaults …`: a thin shell over `emrs_observe.defaults`."""

from __future__ import annotations

import json

import click

from emrs_observe.defaults import contract
from emrs_observe.defaults.formats import FORMATS, render
from emrs_observe.defaults.releases import UnsupportedReleaseError, all_releases
from emrs_observe.defaults.render import RenderError, RenderRequest, parse_tags, render_notes, render_properties


@click.group(name="defaults")
def group() -> None:
    """The compliant spark-defaults for an EMR release."""


@group.command(name="render")
@click.option("--release-label", required=True, help="e.g. emr-7.2.0")
@click.option("--plugin-jar", required=True, help="s3://…/emrs-observe-plugin-<version>.jar")
@click.option("--lineage-location", required=True, help="s3://bucket/prefix/ for the lineage objects")
@click.option("--vault-addr", required=True, help="https://vault.example.com:8200")
@click.option("--vault-role", help="Vault role to log in as (required for aws and approle).")
@click.option("--vault-auth-method", type=click.Choice(contract.VAULT_AUTH_METHODS), default="aws", show_default=True)
@click.option("--vault-namespace")
@click.option("--vault-kv-mount", default="secret", show_default=True)
@click.option("--vault-secret-path", default="emrs-observe/datadog", show_default=True)
@click.option("--vault-secret-field", default="api_key", show_default=True)
@click.option("--datadog-site", default="datadoghq.com", show_default=True)
@click.option("--tags", "tags", multiple=True, help="key=value, repeatable (team=data).")
@click.option(
    "--fail-on-error/--no-fail-on-error",
    default=False,
    show_default=True,
    help="Let an observability failure fail the Spark job.",
)
@click.option(
    "--lineage-agent",
    type=click.Choice(contract.LINEAGE_AGENTS),
    help="What captures lineage: spline (Spark 3 default) or openlineage (Spark 4, and on request on Spark 3).",
)
@click.option(
    "--spline-version",
    help=f"Spline bundle version (default: the --spline-jar file name's, else {contract.DEFAULT_SPLINE_VERSION}).",
)
@click.option("--spline-jar", help="s3:// location of the staged Spline bundle jar (or its folder, ending in /).")
@click.option(
    "--spline-from-maven",
    is_flag=True,
    help="Use spark.jars.packages instead (the application must reach Maven Central).",
)
@click.option(
    "--openlineage-jar",
    help="s3:// location of the staged openlineage-spark_<scala>-<version>.jar (or its folder, ending in /).",
)
@click.option(
    "--openlineage-version",
    help="OpenLineage version (default: the --openlineage-jar file name's, else "
    f"{contract.DEFAULT_OPENLINEAGE_VERSION}).",
)
@click.option(
    "--aws-region",
    help="The application's region: AWS Glue's lineage transport needs it where EMR registers it (emr-spark-8.2.0+).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
def render_command(
    release_label: str,
    plugin_jar: str,
    lineage_location: str,
    vault_addr: str,
    vault_role: str | None,
    vault_auth_method: str,
    vault_namespace: str | None,
    vault_kv_mount: str,
    vault_secret_path: str,
    vault_secret_field: str,
    datadog_site: str,
    tags: tuple[str, ...],
    fail_on_error: bool,
    lineage_agent: str | None,
    spline_version: str | None,
    spline_jar: str | None,
    spline_from_maven: bool,
    openlineage_jar: str | None,
    openlineage_version: str | None,
    aws_region: str | None,
    fmt: str,
) -> None:
    """Print the spark-defaults classification (JSON for the API, Terraform, or properties)."""
    try:
        request = RenderRequest(
            release_label=release_label,
            plugin_jar=plugin_jar,
            lineage_location=lineage_location,
            vault_addr=vault_addr,
            vault_role=vault_role,
            vault_auth_method=vault_auth_method,
            vault_namespace=vault_namespace,
            vault_kv_mount=vault_kv_mount,
            vault_secret_path=vault_secret_path,
            vault_secret_field=vault_secret_field,
            datadog_site=datadog_site,
            tags=parse_tags(tags),
            fail_on_error=fail_on_error,
            spline_version=spline_version,
            spline_jar=spline_jar,
            spline_from_maven=spline_from_maven,
            lineage_agent=lineage_agent,
            openlineage_jar=openlineage_jar,
            openlineage_version=openlineage_version,
            aws_region=aws_region,
        )
        props = render_properties(request)
        notes = render_notes(request)
    except (RenderError, UnsupportedReleaseError) as exc:
        raise click.UsageError(str(exc)) from None
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(render(props, fmt, notes), nl=False)


render_command.name = "render"


@group.command(name="releases")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def releases(fmt: str) -> None:
    """The EMR release table: Spark, Scala, Java per label, whether it is supported, where it was read."""
    rows = list(all_releases().values())
    if fmt == "json":
        doc = [
            {
                "release_label": r.label,
                "spark": r.spark,
                "scala": r.scala,
                "java": r.java,
                "unsupported": r.unsupported,
                "lineage": r.default_lineage_agent,
                "aws_lineage_transport": r.aws_lineage_transport,
                "sources": list(r.sources) + list(r.aws_lineage_sources),
            }
            for r in rows
        ]
        click.echo(json.dumps(doc, indent=2))
        return
    for row in rows:
        note = f"unsupported: {row.unsupported}" if row.unsupported else "supported"
        if not row.unsupported:
            note += f" (lineage: {row.default_lineage_agent}"
            if row.aws_lineage:
                note += f", beside AWS's own OpenLineage listener ({row.aws_lineage_transport})"
            note += ")"
        click.echo(f"{row.label:16} spark {row.spark:6} scala {row.scala:8} java {row.java:3} {note}")
