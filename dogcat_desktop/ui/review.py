"""Reviewing the model's labels: the selection, the person's corrections and the previews."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, QPoint, QTimer

from ..core.corrections import FileVersion
from . import settings as keys
from .commands import CorrectionCommand
from .delegate import PhotoDelegate
from .filter_model import ResultsFilter
from .grid import PhotoGrid
from .loupe import LoupeDialog
from .preview import PreviewPane
from .session import Session


class ReviewController(QObject):
    """Keeps a photo under review in the grid, and the preview pane in step with it."""

    def __init__(
        self, session: Session, grid: PhotoGrid, proxy: ResultsFilter, preview: PreviewPane
    ) -> None:
        super().__init__(session)
        self.session = session
        self.grid = grid
        self.proxy = proxy
        self.preview = preview
        # The named pets' labels in the order of keys 1 to 9 (the window sets it).
        self.pet_labels: Callable[[], list[str]] = list
        self._preview_timer = QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self.update_preview)
        grid.correction_requested.connect(self.mark)
        grid.preview_requested.connect(self.show_large_preview)
        grid.selectionModel().currentChanged.connect(self.schedule_preview)
        grid.selectionModel().selectionChanged.connect(self.schedule_preview)
        preview.mark_requested.connect(self.mark)
        proxy.rowsInserted.connect(self.ensure_current)
        session.threshold_changed.connect(self.schedule_preview)

    def selected_source_rows(self) -> list[int]:
        """Selected rows in the model's numbering, current row first if nothing is selected."""
        indexes = self.grid.selectionModel().selectedIndexes()
        if not indexes and self.grid.currentIndex().isValid():
            indexes = [self.grid.currentIndex()]
        rows = {self.proxy.results_row(index) for index in indexes}
        return sorted(row for row in rows if row >= 0)

    @property
    def auto_advance(self) -> bool:
        return keys.read_bool(self.session.settings, keys.AUTO_ADVANCE, True)

    def set_auto_advance(self, on: bool) -> None:
        """Move on to the next photo after each mark (remembered), as Lightroom's option does."""
        self.session.settings.setValue(keys.AUTO_ADVANCE, bool(on))

    def mark(self, label: str | None) -> None:
        """Set (or with None, clear) the label of the selected photos, as one undoable step.

        Then the next photo in the view becomes current: always with auto-advance, and
        without it whenever the marked photos left the view (a filter), so the next key
        never falls on a photo the person did not look at.
        """
        results = self.session.results
        marked = [results.row(number) for number in self.selected_source_rows()]
        changes = [
            (row.version, row.correction, label)
            for row in marked
            if row.result.prediction is not None and row.correction != label
        ]
        if not marked:
            self.session.show_status("Select one or more photos first.", 4000)
            return
        following = self._photo_after_selection()
        if changes:
            self.session.undo_stack.push(CorrectionCommand(self.apply_corrections, changes, label))
        still_shown = any(self._proxy_index(row.path).isValid() for row in marked)
        if following is not None and (self.auto_advance or not still_shown):
            self.select_path(following)

    def _photo_after_selection(self) -> Path | None:
        """The first unselected photo after the selection in the view's order (else the last
        one before it): where review goes on after a mark."""
        selection = self.grid.selectionModel()
        rows = {index.row() for index in selection.selectedIndexes()}
        current = self.grid.currentIndex()
        if current.isValid():
            rows.add(current.row())
        if not rows:
            return None
        count = self.proxy.rowCount()
        candidates = [*range(max(rows) + 1, count), *range(min(rows) - 1, -1, -1)]
        for number in candidates:
            if number not in rows:
                return self._path_at(self.proxy.index(number, 0))
        return None

    def _path_at(self, index: QModelIndex) -> Path:
        return self.session.results.row(self.proxy.results_row(index)).path

    def _proxy_index(self, path: Path) -> QModelIndex:
        number = self.session.results.row_for_path(path)
        if number is None:
            return QModelIndex()
        return self.proxy.index_for_row(number)

    def select_path(self, path: Path) -> bool:
        """Make this photo the current and only selected one, scrolled into view."""
        index = self._proxy_index(path)
        if not index.isValid():
            return False
        self.grid.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.grid.scrollTo(index)
        return True

    def apply_corrections(self, changes: Sequence[tuple[FileVersion, str | None]]) -> None:
        """Show and remember corrections; the undo stack calls this both ways."""
        session = self.session
        if session.corrections is not None:
            try:
                session.corrections.set_many(changes)
            except Exception as exc:
                session.show_status(f"Your labels could not be saved: {exc}", 8000)
        session.results.set_corrections([(version.path, label) for version, label in changes])
        session.labels_changed.emit(list(changes))
        self.ensure_current()
        self.schedule_preview()

    def ensure_current(self, *_args: object) -> None:
        """Keep a photo selected after the filter removed the one under review."""
        selection = self.grid.selectionModel()
        if self.proxy.rowCount() == 0:
            return
        current = self.grid.currentIndex()
        if not current.isValid():
            if self.session.scanning:
                return
            current = self.proxy.index(0, 0)
            selection.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        if not selection.hasSelection():
            selection.select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def select_at(self, position: QPoint) -> None:
        """Before a context menu: the photo clicked joins the selection, or replaces it."""
        index = self.grid.indexAt(position)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def schedule_preview(self, *_args: object) -> None:
        """Update the pane once the event loop is free, not once per changed index."""
        self._preview_timer.start()

    def update_preview(self) -> None:
        current = self.grid.currentIndex()
        if not current.isValid():
            self.preview.show_row(None)
            return
        results = self.session.results
        row = results.row(self.proxy.results_row(current))
        selected = len(self.grid.selectionModel().selectedIndexes())
        self.preview.show_row(row, results.threshold, selected, results.folder_of(row))

    def current_path(self) -> Path | None:
        current = self.grid.currentIndex()
        return self._path_at(current) if current.isValid() else None

    def hand_over(self, open_it: Callable[[Path], bool], what: str) -> None:
        """Give the current photo to the desktop (its folder, its default app), or say why not."""
        path = self.current_path()
        if path is None:
            self.session.show_status("Select a photo first.", 4000)
        elif not path.exists():
            self.session.show_status(f"{path.name} is no longer there (moved or deleted).", 6000)
        elif not open_it(path):
            self.session.show_status(f"The desktop could not {what} for {path.name}.", 6000)

    def show_large_preview(self) -> None:
        current = self.grid.currentIndex()
        if not current.isValid():
            return
        LoupeDialog(
            self.proxy,
            self.grid.selectionModel(),
            PhotoDelegate(self.grid.photo_delegate.thumbnails),
            self.mark,
            self.step,
            lambda: self.session.threshold,
            self.grid.window(),
            self.pet_labels,
        ).exec()
        self.grid.scrollTo(self.grid.currentIndex())

    def step(self, delta: int) -> Path | None:
        """Move the current photo by ``delta`` in the grid's order (for the large preview)."""
        current = self.grid.currentIndex()
        target = self.proxy.index(current.row() + delta, 0) if current.isValid() else QModelIndex()
        if not target.isValid():
            return None
        self.grid.selectionModel().setCurrentIndex(
            target, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        return self.session.results.row(self.proxy.results_row(target)).path
