"""Background priority for the threads that scan, so the window always gets the CPU first.

On two cores a scan keeps both busy (decoding and the model); at equal priority the event loop
then waits its turn and the grid stutters. On Linux a thread lowered here passes its priority on
to the threads it starts, which is how the model runtime's own worker threads are lowered too:
the model is created on a lowered thread. Windows and macOS lower the calling thread only.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

BACKGROUND_NICE = 10
_WINDOWS_BELOW_NORMAL = -1  # THREAD_PRIORITY_BELOW_NORMAL
_MAC_QOS_UTILITY = 0x11  # QOS_CLASS_UTILITY: long-running work the user is waiting on


def lower_this_thread() -> bool:
    """Give the calling thread background priority; returns whether that was possible."""
    try:
        if sys.platform.startswith("linux"):
            thread = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, max(current, BACKGROUND_NICE))
            return True
        if sys.platform == "win32":
            kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
            return bool(kernel.SetThreadPriority(kernel.GetCurrentThread(), _WINDOWS_BELOW_NORMAL))
        if sys.platform == "darwin":
            system = ctypes.CDLL("/usr/lib/libSystem.B.dylib")
            return system.pthread_set_qos_class_self_np(_MAC_QOS_UTILITY, 0) == 0
    except (OSError, AttributeError):
        return False
    return False
