"""Errors raised while reading Spline output."""

from __future__ import annotations


class LineageReadError(Exception):
    """A source object is not readable lineage; `str()` names the object and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
