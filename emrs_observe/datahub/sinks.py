"""Where proposals go: a DataHub metadata file (`file:PATH`) or a GMS over REST (`datahub:URL`).

The file is the format `datahub ingest` reads with its file source, written by acryl-datahub's
own `write_metadata_file`; the REST sink is acryl-datahub's `DatahubRestEmitter`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

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
    """Appends each flushed batch to a DataHub metadata file, in place: a flush costs its batch, not the file.

    The file stays the JSON array `datahub ingest`'s file source reads. A batch is serialised by
    acryl-datahub's own `write_metadata_file` (to a scratch file beside the target), and its records
    replace the target's closing `]`. Before touching the target, the offset where the batch starts
    is written to `.<name>.pending`; a flush that failed or a process killed mid-write leaves that
    marker, and the next flush first cuts the file back to the offset, so the half-written batch is
    gone (the checkpoint did not move, so the batch is sent again).
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = f"file:{path}"
        self._pending: list[Proposal] = []
        self._marker = self.path.with_name(f".{self.path.name}.pending")
        self._scratch = self.path.with_name(f".{self.path.name}.batch")

    def emit(self, proposals: Sequence[Proposal]) -> None:
        self._pending.extend(proposals)

    def flush(self) -> None:
        if not self._pending:
            return
        from datahub.ingestion.sink.file import write_metadata_file

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._roll_back_unfinished_batch()
            write_metadata_file(self._scratch, self._pending)
            records = _array_body(self._scratch.read_bytes(), self._scratch)
            self._append(records)
            self._scratch.unlink()
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._pending.clear()

    def _append(self, records: bytes) -> None:
        with open(self.path, "r+b" if self.path.exists() else "w+b") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            start, empty = (0, True) if size == 0 else _array_end(f, size, self.path)
            self._marker.write_text(str(start), encoding="utf-8")
            f.seek(start)
            f.truncate()
            if start == 0:
                f.write(b"[\n" + records + b"\n]")
            else:
                f.write((b"\n" if empty else b",\n") + records + b"\n]")
            f.flush()
            os.fsync(f.fileno())
        self._marker.unlink()

    def _roll_back_unfinished_batch(self) -> None:
        if not self._marker.exists():
            return
        start = int(self._marker.read_text(encoding="utf-8") or 0)
        if start == 0:
            self.path.unlink(missing_ok=True)
        else:
            with open(self.path, "r+b") as f:
                f.truncate(start)
                f.seek(start)
                f.write(b"]")
        self._marker.unlink()

    def close(self) -> None:
        self.flush()


def _array_body(data: bytes, where: Path) -> bytes:
    """The records of a JSON array as write_metadata_file writes it: what lies between `[` and `]`."""
    text = data.strip()
    if not (text.startswith(b"[") and text.endswith(b"]")):
        raise SinkError(f"{where}: acryl-datahub wrote something that is not a JSON array")
    return text[1:-1].strip(b"\r\n")


def _array_end(f: BinaryIO, size: int, where: Path) -> tuple[int, bool]:
    """Offset of the closing `]` of the JSON array in `f`, and whether the array is empty."""
    f.seek(0)
    head = f.read(64).lstrip()
    tail_from = max(0, size - 4096)
    f.seek(tail_from)
    tail = f.read()
    stripped = tail.rstrip()
    if not head.startswith(b"[") or not stripped.endswith(b"]"):
        raise SinkError(f"{where} exists but is not a DataHub metadata file (not a JSON array); "
                        "move it away or name another file")
    empty = tail_from == 0 and re.fullmatch(rb"\s*\[\s*\]\s*", tail) is not None
    return tail_from + len(stripped) - 1, empty


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
