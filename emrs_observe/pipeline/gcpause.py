"""Pausing Python's cyclic garbage collector while a big plan is parsed and traced.

A 100 MB plan becomes millions of small objects, none of them in a reference cycle (they are freed
by reference counting alone); the collector still rescans them again and again as they are made,
which more than doubles the time of the parse and the engine (benchmarks/lineage_large_plan.py).
The collector is process-wide and the processor runs objects on several threads, so pauses are
counted: it runs again when the last big object is done.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Below this the collector's cost is noise, and small objects must never keep it off for long.
BIG_OBJECT_BYTES = 4 * 1024 * 1024

_lock = threading.Lock()
_paused = 0
_was_enabled = True


@contextmanager
def collector_paused_for(size: int) -> Iterator[None]:
    global _paused, _was_enabled
    if size < BIG_OBJECT_BYTES:
        yield
        return
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
