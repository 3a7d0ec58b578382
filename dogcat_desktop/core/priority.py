"""Background priority for the threads that scan, so the window always gets the CPU first.

On two cores a scan keeps both busy (decoding and the model); at equal priority the event loop
then waits its turn and the grid stutters. A thread lowered here passes its priority on to the
threads it starts, which is how the model runtime's own worker threads are lowered too: the
model is created on a lowered thread. Linux only (per-thread nice values); elsewhere a no-op.
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10


def lower_this_thread() -> bool:
    """Give the calling thread background priority; returns whether that was possible."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, max(current, BACKGROUND_NICE))
    except OSError:
        return False
    return True
