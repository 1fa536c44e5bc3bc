"""Which source objects are done. Kept as a JSON document on local disk or S3.

A set of keys rather than a high-water mark, so an object that arrives late, with a key that
sorts before ones already processed, is still picked up. Keys in `dt=YYYY-MM-DD` partitions older
than the look-back window are dropped, which keeps the document small on busy prefixes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from emrs_observe.storage import read_optional, write_bytes

STATE_VERSION = 1
_DT = re.compile(r"(?:^|/)dt=(\d{4}-\d{2}-\d{2})(?:/|$)")


class CheckpointError(Exception):
    """The checkpoint document exists but cannot be used; the message names it."""


def partition_date(key: str) -> date | None:
    match = _DT.search(key)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


@dataclass
class Checkpoint:
    uri: str | None
    source: str
    processed: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def load(cls, uri: str | None, source: str) -> Checkpoint:
        if uri is None:
            return cls(None, source)
        raw = read_optional(uri)
        if raw is None:
            return cls(uri, source)
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CheckpointError(f"checkpoint {uri} is not valid JSON ({exc.msg} at line {exc.lineno}); "
                                  "move it away to start over") from None
        if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
            raise CheckpointError(f"checkpoint {uri} is not an emrs-observe lineage checkpoint (version "
                                  f"{STATE_VERSION})")
        if doc.get("source") != source:
            raise CheckpointError(f"checkpoint {uri} belongs to source {doc.get('source')!r}, not {source!r}")
        return cls(uri, source, dict(doc.get("processed") or {}), dict(doc.get("rejected") or {}))

    def is_done(self, key: str, size: int) -> bool:
        if self.processed.get(key) == size:
            return True
        rejected = self.rejected.get(key)
        return rejected is not None and rejected.get("size") == size

    def mark_processed(self, key: str, size: int) -> None:
        self.processed[key] = size
        self.rejected.pop(key, None)

    def mark_rejected(self, key: str, size: int, reason: str) -> None:
        self.rejected[key] = {"size": size, "reason": reason}
        self.processed.pop(key, None)

    def prune_before(self, cutoff: date) -> None:
        for table in (self.processed, self.rejected):
            for key in [k for k in table if (d := partition_date(k)) is not None and d < cutoff]:
                del table[key]

    def save(self) -> None:
        if self.uri is None:
            return
        doc = {"version": STATE_VERSION, "source": self.source,
               "processed": self.processed, "rejected": self.rejected}
        write_bytes(self.uri, json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())
