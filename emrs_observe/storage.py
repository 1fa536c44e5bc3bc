"""One small I/O layer over local folders and S3 (`s3://`, `s3a://`, `s3n://`).

Used for lineage sources and for state files (checkpoints, scanner memory). boto3 picks up the
standard AWS_* environment, including AWS_ENDPOINT_URL, so tests point it at a moto server.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

S3_SCHEMES = ("s3", "s3a", "s3n")


class StorageError(Exception):
    """An object could not be listed, read or written; the message names it and why."""


@dataclass(frozen=True)
class ObjectRef:
    """One object under a source: `uri` to read it, `key` relative to the source root."""

    uri: str
    key: str
    size: int
    modified: float = 0.0


def is_s3(uri: str) -> bool:
    return urlparse(uri).scheme in S3_SCHEMES


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme not in S3_SCHEMES or not parsed.netloc:
        raise StorageError(f"{uri!r} is not an s3://bucket/key URI")
    return parsed.netloc, parsed.path.lstrip("/")


@cache
def s3_client() -> Any:
    import boto3
    from botocore.config import Config

    # Parallel readers share one client (boto3 clients are thread-safe); widen its pool to match.
    return boto3.client("s3", config=Config(max_pool_connections=32, retries={"mode": "standard"}))


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(parsed.path)
    return Path(uri)


def list_objects(root: str, start_after: str | None = None) -> Iterator[ObjectRef]:
    """Every object below `root` (a folder, a single file, or an S3 prefix), in key order.

    `start_after` (a key relative to `root`) skips every key that sorts before or at it; on S3 the
    listing itself starts there, so old date partitions cost nothing.
    """
    if is_s3(root):
        yield from _list_s3(root, start_after)
        return
    base = _local_path(root)
    if base.is_file():
        stat = base.stat()
        yield ObjectRef(str(base), base.name, stat.st_size, stat.st_mtime)
        return
    if not base.is_dir():
        raise StorageError(f"source {root} does not exist")
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        key = path.relative_to(base).as_posix()
        if start_after is not None and key <= start_after:
            continue
        stat = path.stat()
        yield ObjectRef(str(path), key, stat.st_size, stat.st_mtime)


def first_key(root: str) -> str | None:
    """The first key below `root` (relative), cheaply: one request on S3, one directory read locally."""
    if is_s3(root):
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, prefix = split_s3(root)
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        try:
            page = s3_client().list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list {root}: {exc}") from None
        contents = page.get("Contents") or []
        return str(contents[0]["Key"])[len(prefix):] if contents else None
    base = _local_path(root)
    if not base.is_dir():
        return None
    names = sorted(p.name for p in base.iterdir())
    return names[0] if names else None


def _list_s3(root: str, start_after: str | None) -> Iterator[ObjectRef]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_s3(root)
    scheme = urlparse(root).scheme
    paginator = s3_client().get_paginator("list_objects_v2")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if start_after:
        kwargs["StartAfter"] = prefix + start_after
    try:
        for page in paginator.paginate(**kwargs):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                relative = key[len(prefix) :].lstrip("/") if prefix else key
                modified = item.get("LastModified")
                yield ObjectRef(f"{scheme}://{bucket}/{key}", relative, int(item.get("Size", 0)),
                                modified.timestamp() if modified else 0.0)
    except (ClientError, BotoCoreError) as exc:
        raise StorageError(f"cannot list {root}: {exc}") from None


def read_bytes(uri: str) -> bytes:
    data = _read(uri, missing_ok=False)
    assert data is not None
    return data


def read_optional(uri: str) -> bytes | None:
    """The object's bytes, or None when it does not exist yet (first run of a checkpoint)."""
    return _read(uri, missing_ok=True)


def _read(uri: str, missing_ok: bool) -> bytes | None:
    if is_s3(uri):
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = split_s3(uri)
        try:
            body: bytes = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
            return body
        except ClientError as exc:
            if missing_ok and exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"cannot read {uri}: {exc}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot read {uri}: {exc}") from None
    try:
        return _local_path(uri).read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise StorageError(f"cannot read {uri}: no such file") from None
    except OSError as exc:
        raise StorageError(f"cannot read {uri}: {exc.strerror or exc}") from None


def write_bytes(uri: str, data: bytes) -> None:
    """Writes atomically: a reader sees the old object or the new one, never half of one."""
    from botocore.exceptions import BotoCoreError, ClientError

    if is_s3(uri):
        bucket, key = split_s3(uri)
        try:
            s3_client().put_object(Bucket=bucket, Key=key, Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot write {uri}: {exc}") from None
        return
    path = _local_path(uri)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {uri}: {exc.strerror or exc}") from None
