"""The `emrs-observe` command line: parses arguments and calls the packages; no logic here."""

from __future__ import annotations

import click

from emrs_observe import __version__
from emrs_observe.config import ConfigError, load_config


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="emrs-observe")
@click.option(
    "--config",
    "config_path",
    envvar="EMRS_OBSERVE_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML file whose [lineage.run], [compliance.scan], [metrics.collect], … tables give option defaults.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Observability for Spark on Amazon EMR Serverless."""
    if config_path:
        try:
            ctx.default_map = load_config(config_path)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None


def _register() -> None:
    # Imported here so each command group lives in its own module and `main` stays the only entry.
    from emrs_observe.commands import compliance, defaults, lineage, metrics

    main.add_command(lineage.group)
    main.add_command(compliance.group)
    main.add_command(defaults.group)
    main.add_command(metrics.group)


_register()
