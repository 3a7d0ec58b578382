"""Embedded previews for the photos in view that wait to be classified.

A phone's HEIC takes half a second to decode and a camera's 12 MP JPEG tens of milliseconds, but
both carry a small copy of the photo that reads in about a millisecond. While a scan works
through a folder, the grid shows that copy in place of the grey "Classifying…" card, so the
first screenful has pictures at once. It is only a placeholder: the label, the confidence and
the thumbnail kept afterwards all come from the photo itself (``core.imaging.decode``).

Previews are read on one thread of their own, newest request first (the cells painted last are
the ones in view), and kept for a bounded number of photos.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from dogcat_desktop.core.imaging import embedded_preview, encode_thumbnail

KEEP = 2000  # previews kept (JPEG bytes, about 5 KB each)
QUEUE = 200  # requests waiting at most: a fast scroll leaves the oldest behind
REPAINT_MS = 30  # previews that arrive together are shown in one repaint


class EmbeddedPreviews(QObject):
    """Previews by path, read in the background on request; ``arrived`` asks for a repaint."""

    arrived = Signal()
    _found = Signal(object, object)  # path, JPEG bytes or None; from the reading thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._known: OrderedDict[Path, bytes | None] = OrderedDict()
        self._wanted: deque[Path] = deque()
        self._asked: set[Path] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._repaint = QTimer(self, singleShot=True, interval=REPAINT_MS)
        self._repaint.timeout.connect(self.arrived)
        self._found.connect(self._store)

    def get(self, path: Path) -> bytes | None:
        """The preview's JPEG bytes, or None (none yet, or none at all); asks for it once."""
        if path in self._known:
            return self._known[path]
        with self._lock:
            if path not in self._asked and not self._stopped:
                if len(self._wanted) >= QUEUE:  # scrolled past: asked again if seen again
                    self._asked.discard(self._wanted.popleft())
                self._asked.add(path)
                self._wanted.append(path)
                self._wake.set()
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._run, name="previews", daemon=True)
            self._thread.start()
        return None

    def clear(self) -> None:
        """Forget every preview and request (another folder was opened)."""
        with self._lock:
            self._wanted.clear()
            self._asked.clear()
        self._known.clear()

    def stop(self) -> None:
        """No more reading; the thread ends after the preview it reads (at most milliseconds)."""
        with self._lock:
            self._stopped = True
            self._wanted.clear()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                if self._stopped:
                    return
                if not self._wanted:
                    self._wake.clear()
                    continue
                path = self._wanted.pop()  # the newest: painted last, so in view now
            try:
                preview = embedded_preview(path)
                data = None if preview is None else encode_thumbnail(preview)
            except Exception:  # a placeholder is never worth a stopped thread
                data = None  # (embedded_preview answers None for a damaged file; the fuzz test)
            self._found.emit(path, data)

    def _store(self, path: Path, data: bytes | None) -> None:
        with self._lock:
            if path not in self._asked:  # cleared meanwhile: another folder
                return
        self._known[path] = data
        while len(self._known) > KEEP:
            forgotten, _ = self._known.popitem(last=False)
            with self._lock:
                self._asked.discard(forgotten)
        if data is not None:
            self._repaint.start()
