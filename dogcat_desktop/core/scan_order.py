"""The order a scan takes photos in: the ones a person is looking at first, then the rest.

The window opens a folder of 10,000 photos at the top, but a person may scroll anywhere before
the scan gets there; what is on screen should be classified next. The window says which photos
are in view (``prefer``, from its thread) and the scanner asks for the next one (``take``, from
its own); every photo is taken exactly once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable


class ScanOrder:
    """Indices into a scan's list of photos, handed out once each; thread-safe."""

    def __init__(self, count: int) -> None:
        self._lock = threading.Lock()
        self._taken = bytearray(count)
        self._next = 0  # every index below this one is taken
        self._preferred: deque[int] = deque()

    def __len__(self) -> int:
        return len(self._taken)

    def prefer(self, indices: Iterable[int]) -> None:
        """Take these next, in the order given; replaces the previous wish (the view moved)."""
        count = len(self._taken)
        with self._lock:
            self._preferred = deque(i for i in indices if 0 <= i < count and not self._taken[i])

    def take(self) -> int | None:
        """The next index to scan, or None once every one has been taken."""
        with self._lock:
            while self._preferred:
                index = self._preferred.popleft()
                if not self._taken[index]:
                    self._taken[index] = 1
                    return index
            while self._next < len(self._taken) and self._taken[self._next]:
                self._next += 1
            if self._next == len(self._taken):
                return None
            self._taken[self._next] = 1
            return self._next
