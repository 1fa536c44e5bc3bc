"""Big plans are parsed with the cyclic collector paused, and it always runs again afterwards."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emrs_observe.pipeline.gcpause import BIG_OBJECT_BYTES, MAX_OFF_SECONDS, collector_paused_for


@contextmanager
def _another_worker_in_a_pause() -> Iterator[None]:
    """Another worker thread inside a pause for the whole block; it leaves its pause at the end."""
    inside = threading.Event()
    release = threading.Event()

    def other_worker() -> None:
        with collector_paused_for(BIG_OBJECT_BYTES):
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert inside.wait(10)
    try:
        yield
    finally:
        release.set()
        worker.join(10)


def test_paused_only_for_big_objects_and_back_on_after_the_last_one() -> None:
    assert gc.isenabled()
    with collector_paused_for(BIG_OBJECT_BYTES - 1):
        assert gc.isenabled()
    with _another_worker_in_a_pause():
        with collector_paused_for(BIG_OBJECT_BYTES):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other worker's big object is still being traced
    assert gc.isenabled()


def test_an_error_inside_still_turns_the_collector_back_on() -> None:
    with pytest.raises(ValueError), collector_paused_for(BIG_OBJECT_BYTES):
        raise ValueError("a plan that could not be traced")
    assert gc.isenabled()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_workers_that_keep_overlapping_do_not_keep_the_collector_off() -> None:
    """Cyclic garbage made meanwhile (by any thread) is collected once the collector has been off
    for MAX_OFF_SECONDS, even if the paused objects never stop overlapping."""
    with _another_worker_in_a_pause():
        garbage = _Cycle()
        alive = weakref.ref(garbage)
        del garbage
        with collector_paused_for(BIG_OBJECT_BYTES):  # within the limit: nothing collected yet
            assert alive() is not None
        time.sleep(MAX_OFF_SECONDS + 0.2)
        with collector_paused_for(BIG_OBJECT_BYTES):
            assert alive() is None
            assert not gc.isenabled()
    assert gc.isenabled()
