"""Keep the C allocator from handing large decode buffers back to the system after every photo.

glibc serves a large ``malloc`` with a fresh ``mmap`` (or trims the freed memory straight back)
and the next photo then page-faults it in again: a 1920x1440 WebP through Pillow took 7,600
page faults a photo (libwebp's canvas, its copy, the image), and a 12 MP HEIC 32,000. Faults
cost CPU (WebP 58 against 42 ms a photo, README) and take a lock the whole process shares, so
two decoding threads wait on each other. Raising the thresholds keeps freed buffers for the next
photo; what stays held is bounded by TRIM_THRESHOLD per allocator arena. Linux with glibc only:
elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Allocations below this come from the reusable heap (glibc caps a thread's heap at 64 MB, and
# falls back to mmap above that whatever this says, so a huge PNG is still given back at once).
MMAP_THRESHOLD = 1 << 30
# Free memory a heap keeps at its top before returning it: a few photos' worth of buffers.
TRIM_THRESHOLD = 64 << 20

_done: bool | None = None


def keep_decode_buffers() -> bool:
    """Set the thresholds once per process; returns whether they are in force."""
    global _done
    if _done is None:
        _done = _set_thresholds()
    return _done


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
