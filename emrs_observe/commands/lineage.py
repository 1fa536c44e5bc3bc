"""`emrs-observe lineage …`."""

from __future__ import annotations

import click


@click.group(name="lineage")
def group() -> None:
    """lineage commands."""
