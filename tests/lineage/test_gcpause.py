"""Big plans are parsed with the cyclic collector paused, and it always runs again afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from emrs_observe.pipeline.gcpause import BIG_OBJECT_BYTES, collector_paused_for


def test_paused_only_for_big_objects_and_back_on_after_the_last_one() -> None:
    assert gc.isenabled()
    with collector_paused_for(BIG_OBJECT_BYTES - 1):
        assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def other_worker() -> None:
        with collector_paused_for(BIG_OBJECT_BYTES):
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert inside.wait(10)
    with collector_paused_for(BIG_OBJECT_BYTES):
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other worker's big object is still being traced
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_an_error_inside_still_turns_the_collector_back_on() -> None:
    with pytest.raises(ValueError), collector_paused_for(BIG_OBJECT_BYTES):
        raise ValueError("a plan that could not be traced")
    assert gc.isenabled()
