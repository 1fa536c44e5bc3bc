"""The optional TOML configuration file.

Its tables mirror the command tree (`[lineage.run]`, `[compliance.scan]`, …) and become click's
`default_map`, so the precedence is the usual one: flag, then environment variable, then file,
then built-in default.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ConfigError(Exception):
    """The configuration file is missing or not valid TOML; the message names the file."""


def load_config(path: str | Path) -> dict[str, Any]:
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    return _normalise(data)


def _normalise(table: dict[str, Any]) -> dict[str, Any]:
    """TOML keys use dashes or underscores; click's default_map wants parameter names."""
    return {key.replace("-", "_"): _normalise(v) if isinstance(v, dict) else v for key, v in table.items()}
