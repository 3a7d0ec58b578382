"""Scan threads run at background priority so the window stays responsive."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from dogcat_desktop.core.priority import BACKGROUND_NICE, lower_this_thread

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice")


def niceness_in_thread(work) -> tuple[int, int]:
    """(nice of a thread after ``work``, nice of a thread that thread starts afterwards)."""
    seen: dict[str, int] = {}

    def child() -> None:
        seen["child"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def parent() -> None:
        work()
        seen["parent"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        started = threading.Thread(target=child)
        started.start()
        started.join()

    thread = threading.Thread(target=parent)
    thread.start()
    thread.join()
    return seen["parent"], seen["child"]


def test_lowered_thread_and_the_threads_it_starts():
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert niceness_in_thread(lambda: None) == (base, base)
    assert niceness_in_thread(lower_this_thread) == (
        max(base, BACKGROUND_NICE),
        max(base, BACKGROUND_NICE),
    )
    # The calling thread (the window's, in the app) keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
