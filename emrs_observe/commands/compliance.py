"""`emrs-observe compliance …`."""

from __future__ import annotations

import click


@click.group(name="compliance")
def group() -> None:
    """compliance commands."""
