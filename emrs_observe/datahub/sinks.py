"""Where proposals go: a DataHub metadata file (`file:PATH`) or a GMS over REST (`datahub:URL`).

The file is the format `datahub ingest` reads with its file source, written by acryl-datahub's
own `write_metadata_file`; the REST sink is acryl-datahub's `DatahubRestEmitter`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from emrs_observe.datahub.mcps import Proposal

TOKEN_ENV = "DATAHUB_GMS_TOKEN"


class SinkError(Exception):
    """The sink did not accept the proposals; the message names the sink, never a token."""


class Sink(Protocol):
    description: str

    def emit(self, proposals: Sequence[Proposal]) -> None: ...

    def flush(self) -> None:
        """Makes everything emitted so far durable; raises SinkError when it cannot."""

    def close(self) -> None: ...


class FileSink:
    """Buffers proposals and writes them, with what the file already held, on `flush`."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = f"file:{path}"
        self._pending: list[Proposal] = []

    def emit(self, proposals: Sequence[Proposal]) -> None:
        self._pending.extend(proposals)

    def flush(self) -> None:
        if not self._pending:
            return
        from datahub.ingestion.sink.file import write_metadata_file

        existing = self._existing()
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_metadata_file(tmp, [*existing, *self._pending])
            os.replace(tmp, self.path)
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._pending.clear()

    def _existing(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        try:
            records = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SinkError(f"{self.path} exists but is not a DataHub metadata file: {exc}") from None
        if not isinstance(records, list):
            raise SinkError(f"{self.path} exists but is not a DataHub metadata file (not a JSON array)")
        return records

    def close(self) -> None:
        self.flush()


class RestSink:
    def __init__(self, url: str, token: str | None = None, timeout_s: float = 30.0) -> None:
        from datahub.emitter.rest_emitter import DatahubRestEmitter

        self.url = url.rstrip("/")
        self.description = f"datahub:{self.url}"
        self._emitter = DatahubRestEmitter(
            gms_server=self.url,
            token=token,
            timeout_sec=timeout_s,
            retry_max_times=3,
            openapi_ingestion=False,
        )

    def emit(self, proposals: Sequence[Proposal]) -> None:
        if not proposals:
            return
        try:
            self._emitter.emit_mcps(list(proposals))
        except Exception as exc:  # the emitter raises requests', urllib3's and its own errors alike
            raise SinkError(f"DataHub at {self.url} did not accept {len(proposals)} proposals: "
                            f"{_describe(exc)}") from None

    def flush(self) -> None:
        self._emitter.flush()

    def close(self) -> None:
        self._emitter.close()


def _describe(exc: Exception) -> str:
    # OperationalError carries the server's message in `info`; other errors their own text.
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        return str(info.get("message") or info.get("status") or exc.__class__.__name__)[:300]
    return f"{exc.__class__.__name__}: {str(exc)[:300]}"


def open_sink(spec: str, dry_run: bool = False) -> Sink:
    """`file:PATH`, `datahub:URL` (or a bare http(s) URL); the token comes from DATAHUB_GMS_TOKEN only."""
    if dry_run:
        return NullSink(spec)
    if spec.startswith("file:"):
        path = spec[len("file:"):]
        if not path:
            raise SinkError("sink file: needs a path, e.g. file:lineage-mcps.json")
        return FileSink(path)
    url = spec[len("datahub:"):] if spec.startswith("datahub:") else spec
    if not url.startswith(("http://", "https://")):
        raise SinkError(f"sink {spec!r} is neither file:PATH nor datahub:http(s)://host:port")
    return RestSink(url, token=os.environ.get(TOKEN_ENV) or None)


class NullSink:
    """--dry-run: everything is computed and counted, nothing is sent."""

    def __init__(self, spec: str) -> None:
        self.description = f"dry-run ({spec})"

    def emit(self, proposals: Sequence[Proposal]) -> None:
        return None

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None
