"""Reviewing the model's labels: the selection, the user's corrections and the previews."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QTimer
from PySide6.QtWidgets import QMenu

from ..core.corrections import FileVersion
from .commands import CorrectionCommand
from .preview import PreviewDialog

if TYPE_CHECKING:
    from .main_window import MainWindow


class ReviewController:
    """Keeps a photo under review in the grid and the preview pane in step with it."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._preview_timer = QTimer(window, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self.update_preview)

    def selected_source_rows(self) -> list[int]:
        """Selected rows in the model's numbering, current row first if nothing is selected."""
        grid = self.window.grid
        indexes = grid.selectionModel().selectedIndexes()
        if not indexes and grid.currentIndex().isValid():
            indexes = [grid.currentIndex()]
        rows = {self.window.proxy.mapToSource(index).row() for index in indexes}
        return sorted(row for row in rows if row >= 0)

    def mark(self, label: str | None) -> None:
        """Set (or with None, clear) the label of the selected photos, as one undoable step."""
        window = self.window
        changes = []
        for number in self.selected_source_rows():
            row = window.model.row(number)
            if row.result.prediction is None or row.correction == label:
                continue
            changes.append((row.version, row.correction, label))
        if not changes:
            if not self.selected_source_rows():
                window.statusBar().showMessage("Select one or more photos first.", 4000)
            return
        window.undo_stack.push(CorrectionCommand(window.apply_corrections, changes, label))

    def apply_corrections(self, changes: Sequence[tuple[FileVersion, str | None]]) -> None:
        """Show and remember corrections; the undo stack calls this both ways."""
        window = self.window
        if window.corrections is not None:
            try:
                window.corrections.set_many(changes)
            except Exception as exc:
                window.statusBar().showMessage(f"Your labels could not be saved: {exc}", 8000)
        window.model.set_corrections([(version.path, label) for version, label in changes])
        self.ensure_current()
        self.schedule_preview()

    def ensure_current(self, *_args: object) -> None:
        """Keep a photo selected after the filter removed the one under review."""
        grid, proxy = self.window.grid, self.window.proxy
        selection = grid.selectionModel()
        if proxy.rowCount() == 0:
            return
        current = grid.currentIndex()
        if not current.isValid():
            if self.window.scans.scanning:
                return
            current = proxy.index(0, 0)
            selection.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        if not selection.hasSelection():
            selection.select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def context_menu(self, position: QPoint) -> None:
        grid = self.window.grid
        index = grid.indexAt(position)
        if index.isValid() and not grid.selectionModel().isSelected(index):
            grid.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        menu = self.build_context_menu()
        menu.exec(grid.viewport().mapToGlobal(position))

    def build_context_menu(self) -> QMenu:
        window = self.window
        menu = QMenu(window)
        for action in window.action_mark.values():
            menu.addAction(action)
        menu.addAction(window.action_clear)
        menu.addSeparator()
        menu.addAction(window.action_large_preview)
        return menu

    def schedule_preview(self, *_args: object) -> None:
        """Update the pane once the event loop is free, not once per changed index."""
        self._preview_timer.start()

    def update_preview(self) -> None:
        window = self.window
        current = window.grid.currentIndex()
        if not current.isValid():
            window.preview.show_row(None)
            return
        row = window.model.row(window.proxy.mapToSource(current).row())
        selected = len(window.grid.selectionModel().selectedIndexes())
        window.preview.show_row(row, window.model.threshold, selected)

    def show_large_preview(self) -> None:
        window = self.window
        current = window.grid.currentIndex()
        if not current.isValid():
            return
        row = window.model.row(window.proxy.mapToSource(current).row())
        dialog = PreviewDialog(row.path, self.step, window)
        dialog.exec()

    def step(self, delta: int) -> Path | None:
        """Move the current photo by ``delta`` in the grid's order (for the large preview)."""
        window = self.window
        current = window.grid.currentIndex()
        target = (
            window.proxy.index(current.row() + delta, 0) if current.isValid() else QModelIndex()
        )
        if not target.isValid():
            return None
        window.grid.selectionModel().setCurrentIndex(
            target, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        return window.model.row(window.proxy.mapToSource(target).row()).path
