"""Thumbnails decoded only when painted, with a bounded number kept as pixmaps.

Memory choice: rows do not keep their JPEG thumbnail bytes when a scan cache is open (about
15 KB each, so 150 MB for 10,000 photos); the provider reads them back from the cache by path
the first time a row is painted. Decoded pixmaps live in ``QPixmapCache`` at the size shown,
under a fixed budget, so scrolling through 10,000 photos never holds more than a few screens of
pixmaps. Without a cache the rows keep their bytes and the provider uses those.

Each paint of the grid decodes for at most ``FRAME_BUDGET_S`` while it scrolls; cells past it are
painted empty and filled by the next paint, so scrolling fast through 100,000 photos never holds
the event loop for a whole screenful of decodes (1-3 ms each while a scan keeps both cores
busy). Standing still, a paint may decode for ``SETTLED_BUDGET_S``: the first screenful of a
scan, classified at once, then shows in one or two paints instead of eight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap, QPixmapCache

PIXMAP_BUDGET_KB = 96 * 1024
FRAME_BUDGET_S = 0.010  # while the grid scrolls
SETTLED_BUDGET_S = 0.040  # while it stands still: a screenful that arrives at once shows sooner
CORNER_RADIUS = 6  # at 256 px; scaled with the thumbnail


def rounded(image: QImage, radius: float) -> QImage:
    """The image with transparent rounded corners, made once per cached pixmap so that painting
    a grid cell is a plain blit (an antialiased clip path per cell made scrolling and scanning
    stutter)."""
    out = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(out.rect()), radius, radius)
    painter.setClipPath(path)
    painter.drawImage(0, 0, image)
    painter.end()
    return out


ThumbnailSource = Callable[[Path], bytes | None]


class ThumbnailProvider:
    """Pixmaps by path and size; must be used from the GUI thread (QPixmap is GUI-only)."""

    def __init__(self, source: ThumbnailSource | None = None) -> None:
        self.source = source
        self.decoded = 0  # how many JPEG decodes happened (the cache's misses)
        self.deferred = 0  # thumbnails left for the next paint in this one
        self.put_off = False  # whether the last call returned None for that reason
        self._deadline: float | None = None
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_BUDGET_KB))

    def begin_frame(self, budget: float | None = None) -> None:
        """A paint starts: decodes from now on share ``budget`` seconds (a scrolling frame's)."""
        self._deadline = time.monotonic() + (FRAME_BUDGET_S if budget is None else budget)
        self.deferred = 0

    def end_frame(self) -> bool:
        """The paint is over; True when some thumbnails wait for the next one."""
        self._deadline = None
        return self.deferred > 0

    @staticmethod
    def _key(path: Path, size: int, kind: str) -> str:
        return f"dogcat{kind}:{size}:{path}"

    def pixmap(
        self, path: Path, size: int, data: bytes | None = None, kind: str = ""
    ) -> QPixmap | None:
        """The thumbnail scaled to fit ``size`` x ``size``; None when there is none. ``kind``
        keeps another picture of the photo (``"preview"``: its embedded one) apart."""
        key = self._key(path, size, kind)
        cached = QPixmap()
        self.put_off = False
        if QPixmapCache.find(key, cached):
            return cached
        if self._deadline is not None and time.monotonic() > self._deadline:
            self.deferred += 1
            self.put_off = True
            return None
        if data is None and self.source is not None:
            data = self.source(path)
        if not data:
            return None
        image = QImage.fromData(data)  # JPEG, as the cache stores it; the header says so
        if image.isNull():
            return None
        self.decoded += 1
        scaled = image.scaled(
            QSize(size, size),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pixmap = QPixmap.fromImage(rounded(scaled, CORNER_RADIUS * size / 256))
        QPixmapCache.insert(key, pixmap)
        return pixmap

    @staticmethod
    def clear() -> None:
        QPixmapCache.clear()
