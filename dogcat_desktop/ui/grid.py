"""The photo grid: a list view laid out as icons, with review keys handled where focus is."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from . import thumbnails
from .delegate import PhotoDelegate
from .results_model import Role
from .style import MARKABLE, STYLES

SCROLL_SETTLE_S = 0.25  # after the last scroll step, the grid counts as standing still

REVIEW_KEYS: dict[Qt.Key, str] = {Qt.Key[f"Key_{STYLES[s].key}"]: s.value for s in MARKABLE}


class PhotoGrid(QListView):
    """Uniform cells laid out in batches, so 10,000 rows appear without a pause.

    D, C and N are also window actions; handling them here as well keeps them working when
    the shortcut system does not see the key (a window that is not active, as in tests).
    """

    correction_requested = Signal(str)
    preview_requested = Signal()

    def __init__(self, delegate: PhotoDelegate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo_delegate = delegate
        self.setItemDelegate(delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(256)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSpacing(4)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.placeholder = ""
        self._finish_paint = QTimer(self, singleShot=True, interval=0)
        self._finish_paint.timeout.connect(self.viewport().update)
        self._scrolled_at = 0.0
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.set_thumbnail_size(delegate.thumbnail_size)

    def set_thumbnail_size(self, size: int) -> None:
        self.photo_delegate.thumbnail_size = size
        cell: QSize = self.photo_delegate.cell_size(self.fontMetrics())
        self.setGridSize(cell + QSize(self.spacing(), self.spacing()))
        self.verticalScrollBar().setSingleStep(max(20, cell.height() // 4))
        self.scheduleDelayedItemsLayout()
        self.viewport().update()

    def set_placeholder(self, text: str) -> None:
        """Shown in the middle of the grid while it has no rows."""
        self.placeholder = text
        self.viewport().update()

    def waiting_in_view(self) -> list[Path]:
        """The photos in the viewport that are not classified yet, in reading order."""
        model = self.model()
        if model is None:
            return []
        cell, bottom = self.gridSize(), self.viewport().rect().bottom()
        first = 0
        for y in (1, self.spacing() + 2, cell.height() // 2):  # the top row may be cut
            index = self.indexAt(QPoint(cell.width() // 2, y))
            if index.isValid():
                first = index.row()
                break
        paths = []
        for number in range(first, model.rowCount()):
            index = model.index(number, 0)
            rect = self.visualRect(index)
            if not rect.isValid() or rect.top() > bottom:  # below, or not laid out yet
                break
            row = index.data(Role.ROW)
            if row is not None and row.waiting:
                paths.append(row.path)
        return paths

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        key = Qt.Key(event.key())
        if plain and key in REVIEW_KEYS:
            self.correction_requested.emit(REVIEW_KEYS[key])
            event.accept()
            return
        if plain and event.key() == Qt.Key.Key_Space:
            self.preview_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:  # noqa: N802
        """Letters are review keys here, not 'jump to the file starting with'."""

    def _scrolled(self) -> None:
        self._scrolled_at = time.monotonic()

    def paint_budget(self) -> float:
        """Seconds a paint may spend decoding thumbnails: little while the grid scrolls."""
        if time.monotonic() - self._scrolled_at < SCROLL_SETTLE_S:
            return thumbnails.FRAME_BUDGET_S
        return thumbnails.SETTLED_BUDGET_S

    def paintEvent(self, event) -> None:  # noqa: N802
        provider = self.photo_delegate.thumbnails
        provider.begin_frame(self.paint_budget())
        try:
            super().paintEvent(event)
        finally:
            if provider.end_frame():  # some decodes were put off: paint again when idle
                self._finish_paint.start()
        model = self.model()
        if self.placeholder and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            painter.setFont(font)
            painter.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            painter.end()
