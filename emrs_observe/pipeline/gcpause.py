"""Pausing Python's cyclic garbage collector while a plan is parsed, traced and turned into proposals.

A plan becomes many small objects, none of them in a reference cycle (they are freed by reference
counting alone); the collector still rescans them again and again as they are made. On a 100 MB
plan that more than doubled the parse and the engine (benchmarks/lineage_large_plan.py); on plans
of tens to hundreds of KB it was a fifth of the time of read + engine + proposals
(benchmarks/lineage_throughput.py); on plans of a few KB it is noise, so they are not paused.

The collector is process-wide and the processor runs objects on several threads, so pauses are
counted: it runs again when the last paused object is done, and then looks once at what was made
meanwhile, so that cost is paid by the object that caused it. Workers that keep overlapping could
keep it off for good, and other threads (boto3, urllib3, exceptions with tracebacks) do make cycles:
after MAX_OFF_SECONDS off in a row, the next object to start a pause first runs a full collection.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Below this the collector's cost is noise (measured on the captured corpus, 5 KB plans).
BIG_OBJECT_BYTES = 32 * 1024
MAX_OFF_SECONDS = 1.0

_lock = threading.Lock()
_paused = 0
_was_enabled = True
_off_since = 0.0


@contextmanager
def collector_paused_for(size: int) -> Iterator[None]:
    global _paused, _was_enabled, _off_since
    if size < BIG_OBJECT_BYTES:
        yield
        return
    overdue = False
    with _lock:
        now = time.monotonic()
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
            _off_since = now
        elif _was_enabled and now - _off_since > MAX_OFF_SECONDS:
            overdue, _off_since = True, now
        _paused += 1
    if overdue:
        gc.collect()
    resumed = False
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
                resumed = True
        if resumed:
            gc.collect(0)
