"""Which photos the grid shows, in what order and how large; remembered between sessions."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from . import settings as keys
from .delegate import MAX_THUMBNAIL, MIN_THUMBNAIL, PhotoDelegate
from .filter_model import ResultsFilter
from .grid import PhotoGrid

ZOOM_STEP = 16


class ViewController(QObject):
    """Changes the grid's filter, order and thumbnail size; the window's menus, boxes and
    slider follow through the signals."""

    filter_changed = Signal(str)
    order_changed = Signal(str)
    size_changed = Signal(int)

    def __init__(
        self,
        settings: QSettings,
        proxy: ResultsFilter,
        grid: PhotoGrid,
        delegate: PhotoDelegate,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.proxy = proxy
        self.grid = grid
        self.delegate = delegate
        self._size: int | None = None

    def set_filter(self, key: str) -> None:
        self.proxy.set_status_filter(key)
        self.filter_changed.emit(key)

    def set_order(self, key: str) -> None:
        self.proxy.set_sort_order(key)
        self.settings.setValue(keys.ORDER, key)
        self.order_changed.emit(key)

    def set_thumbnail_size(self, size: int) -> None:
        size = max(MIN_THUMBNAIL, min(MAX_THUMBNAIL, int(size)))
        if size == self._size:
            return
        self._size = size
        self.grid.set_thumbnail_size(size)
        self.settings.setValue(keys.THUMBNAIL_SIZE, size)
        self.size_changed.emit(size)

    def zoom(self, steps: int) -> None:
        self.set_thumbnail_size(self.delegate.thumbnail_size + steps * ZOOM_STEP)
