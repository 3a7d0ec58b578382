"""The loupe (Space): the photo under review as large as the window allows, as in Lightroom.

It shares the grid's model and selection, so the filmstrip, the arrow keys and a mark move
the same current photo the grid shows; D, C, N, 1 to 9 (the named pets, as in the grid) and
Backspace label it here too, and the review's auto-advance applies. What it says of the photo
is what the preview pane says. Z switches between fitting the window and 100%.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QListView,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .delegate import MIN_THUMBNAIL, PhotoDelegate
from .grid import REVIEW_KEYS
from .plain_text import escaped
from .preview import DIALOG_IMAGE_SIDE, ImageLoader, ScaledImage, verdict
from .results_model import Role, Row

ACTUAL_SIDE = 16384  # 100%: the photo as it is (the core still refuses decompression bombs)
CLOSE_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)
ZOOM_KEYS = (Qt.Key.Key_Z,)
PET_KEYS = {getattr(Qt.Key, f"Key_{n}"): n - 1 for n in range(1, 10)}  # as the grid's 1 to 9


def describe(row: Row, threshold: float) -> str:
    """The file's name in bold, then the preview pane's verdict: one line of rich text."""
    return f"<b>{escaped(row.path.name)}</b> · {escaped(verdict(row, threshold))}"


class LoupeDialog(QDialog):
    def __init__(
        self,
        proxy: QSortFilterProxyModel,
        selection: QItemSelectionModel,
        strip_delegate: PhotoDelegate,
        mark: Callable[[str | None], None],
        step: Callable[[int], object],
        threshold: Callable[[], float],
        parent: QWidget | None = None,
        pets: Callable[[], list[str]] = list,
    ) -> None:
        """``pets``: the named pets' labels (``cat/Luna``) in the order of keys 1 to 9."""
        super().__init__(parent)
        self.setWindowTitle("DogCat Sorter")
        self.proxy, self.selection = proxy, selection
        self._mark, self._step, self._threshold = mark, step, threshold
        self._pets = pets
        self.path: Path | None = None
        self.zoomed = False

        self.image = ScaledImage(upscale=True)
        self.actual = QLabel()
        self.actual.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroller = QScrollArea()
        scroller.setWidget(self.actual)
        scroller.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.image)
        self.pages.addWidget(scroller)
        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        hint = QLabel(
            "D, C, N mark · 1 to 9 name your pets · ← → move · Z fits or shows 100% · "
            "Space or Esc closes"
        )
        hint.setEnabled(False)

        strip_delegate.thumbnail_size = MIN_THUMBNAIL
        self.strip = QListView()
        self.strip.setObjectName("filmstrip")
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setUniformItemSizes(True)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.strip.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.strip.setItemDelegate(strip_delegate)
        self.strip.setModel(proxy)
        self.strip.setSelectionModel(selection)
        cell: QSize = strip_delegate.cell_size(self.strip.fontMetrics())
        self.strip.setGridSize(cell + QSize(4, 4))
        self.strip.setFixedHeight(
            cell.height() + self.strip.horizontalScrollBar().sizeHint().height() + 12
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.strip)
        layout.addWidget(hint)

        self._loader = ImageLoader(DIALOG_IMAGE_SIDE, self)
        self._loader.loaded.connect(self._show_image)
        self._actual_loader = ImageLoader(ACTUAL_SIDE, self)
        self._actual_loader.loaded.connect(self._show_actual)
        selection.currentChanged.connect(self.refresh)
        proxy.dataChanged.connect(self.refresh)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.resize(int(screen.width() * 0.8), int(screen.height() * 0.85))
        else:
            self.resize(1000, 750)
        self.refresh()

    def current_row(self) -> Row | None:
        index = self.selection.currentIndex()
        return index.data(Role.ROW) if index.isValid() else None

    def refresh(self, *_args: object) -> None:
        """Show the current photo: its details always, its pixels when it changed."""
        row = self.current_row()
        if row is None:
            self.path = None
            self.info.setText("No photo left in this view.")
            self.image.set_image(None, "No photo left in this view.")
            return
        self.info.setText(describe(row, self._threshold()))
        self.strip.scrollTo(self.selection.currentIndex())
        if row.path == self.path:
            return
        self.path = row.path
        self.setWindowTitle(row.path.name)
        if row.result.prediction is None and not row.waiting:
            self._loader.cancel()
            self.image.set_image(None, f"This photo cannot be shown: {row.result.error}")
            self._set_zoom(False)
            return
        self.image.set_image(None, "Loading…")
        self._loader.request(row.path)
        if self.zoomed:
            self._actual_loader.request(row.path)

    def _show_image(self, path: Path, image: QImage | None) -> None:
        if path == self.path:
            self.image.set_image(image, "This photo cannot be shown (moved or unreadable).")

    def _show_actual(self, path: Path, image: QImage | None) -> None:
        if path == self.path and image is not None:
            self.actual.setPixmap(QPixmap.fromImage(image))
            self.actual.adjustSize()

    def _set_zoom(self, zoomed: bool) -> None:
        self.zoomed = zoomed
        self.pages.setCurrentIndex(1 if zoomed else 0)
        if zoomed and self.path is not None:
            self.actual.setText("Loading…")
            self._actual_loader.request(self.path)

    # Keys -----------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Plain keys are the loupe's: the window's own shortcuts must not act behind it."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.modifiers()
            in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = Qt.Key(event.key())
        if key in CLOSE_KEYS:
            self.accept()
        elif key in REVIEW_KEYS:
            self._mark(REVIEW_KEYS[key])
            self.refresh()
        elif key == Qt.Key.Key_Backspace:
            self._mark(None)
            self.refresh()
        elif key in PET_KEYS:
            pets = self._pets()
            if PET_KEYS[key] < len(pets):
                self._mark(pets[PET_KEYS[key]])
                self.refresh()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._step(-1 if key == Qt.Key.Key_Left else 1)
        elif key in ZOOM_KEYS:
            self._set_zoom(not self.zoomed)
        else:
            super().keyPressEvent(event)
