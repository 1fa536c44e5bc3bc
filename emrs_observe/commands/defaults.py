"""`emrs-observe defaults …`."""

from __future__ import annotations

import click


@click.group(name="defaults")
def group() -> None:
    """defaults commands."""
