"""The main window: open a folder, review the model's labels, sort, undo.

The window owns the state and the widgets and wires them together; each flow lives in its own
module: actions, window_chrome, counts, scanning, review, sorting and export.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
)

from ..core.classifier import DEFAULT_THRESHOLD
from ..core.corrections import CorrectionsDamagedError, CorrectionStore, FileVersion
from ..core.journal import list_journals
from ..core.moves import SortPlan
from ..core.pipeline import open_corrections
from ..core.scan import Scanner
from ..resources import model_dir
from . import export
from . import settings as keys
from .actions import build_actions, shortcut_rows
from .counts import counts_text, show_counts
from .delegate import DEFAULT_THUMBNAIL, MAX_THUMBNAIL, MIN_THUMBNAIL, PhotoDelegate
from .dialogs import PreferencesDialog, ShortcutsDialog, about_text
from .export import EXPORT_COLUMNS, write_results_csv
from .filter_model import FILTERS, SORT_ORDERS, ResultsFilter
from .grid import PhotoGrid
from .preview import PreviewPane
from .results_model import ResultsModel
from .review import ReviewController
from .scanning import ScanController, ScanSession
from .sorting import SortController, describe_error
from .thumbnails import ThumbnailProvider
from .window_chrome import build_empty_page, build_menus, build_status_bar, build_toolbar
from .workers import Task, load_model

__all__ = ["EXPORT_COLUMNS", "MainWindow", "ScanSession", "counts_text", "describe_error"]


class MainWindow(QMainWindow):
    model_ready = Signal()
    model_failed = Signal(str)
    scan_started = Signal()
    scan_progress = Signal(object)  # ScanProgress
    scan_finished = Signal(bool, object)  # cancelled, ScanStats
    sort_finished = Signal(object)  # SortReport, or None when it failed or was declined
    undo_finished = Signal(object)  # UndoReport or None

    def __init__(self, interactive: bool = True, load: bool = True) -> None:
        super().__init__()
        self.interactive = interactive
        self.messages: list[tuple[str, str]] = []  # (title, text) of every message shown
        self.settings = keys.app_settings()
        self.loaded: Scanner | None = None
        self.model_error: str | None = None
        self.folder: Path | None = None
        self._has_journal = False
        self._tasks: set[Task] = set()
        self._user_threshold = keys.read_float(self.settings, keys.THRESHOLD)
        self.scans = ScanController(self)
        self.review = ReviewController(self)
        self.sorting = SortController(self)

        self.corrections: CorrectionStore | None = None
        try:
            self.corrections = open_corrections()
        except CorrectionsDamagedError as exc:  # said once the window is up; labels stay off
            text = f"{exc} Your labels are not shown or saved until that is fixed."
            warning = QMessageBox.Icon.Warning
            QTimer.singleShot(0, lambda: self.show_message(warning, "Labels not available", text))

        self.setWindowTitle("DogCat Sorter")
        self.setAcceptDrops(True)
        self.resize(1180, 760)
        self.undo_stack = QUndoStack(self)
        self.thumbnails = ThumbnailProvider()
        self.model = ResultsModel(self)
        self.model.set_threshold(self._user_threshold or DEFAULT_THRESHOLD)
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.delegate = PhotoDelegate(self.thumbnails, self)
        self.grid = PhotoGrid(self.delegate)
        self.grid.setModel(self.proxy)
        self.grid.correction_requested.connect(self.mark)
        self.grid.preview_requested.connect(self.show_large_preview)
        self.grid.customContextMenuRequested.connect(self.review.context_menu)
        self.grid.selectionModel().currentChanged.connect(self.review.schedule_preview)
        self.grid.selectionModel().selectionChanged.connect(self.review.schedule_preview)

        self.stack = QStackedWidget()
        self.stack.addWidget(build_empty_page(self))
        self.stack.addWidget(self.grid)
        self.setCentralWidget(self.stack)

        self.preview = PreviewPane()
        self.preview.mark_requested.connect(self.mark)
        self.preview_dock = QDockWidget("Preview", self)
        self.preview_dock.setObjectName("previewDock")
        self.preview_dock.setWidget(self.preview)
        self.preview_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.preview_dock.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.preview_dock)

        build_actions(self)
        build_menus(self)
        build_toolbar(self)
        build_status_bar(self)
        self._restore_settings()

        self._counts_timer = QTimer(self, singleShot=True, interval=150)
        self._counts_timer.timeout.connect(self.update_counts)
        self.model.rowsInserted.connect(self._schedule_counts)
        self.model.modelReset.connect(self._schedule_counts)
        self.model.dataChanged.connect(self._schedule_counts)
        self.proxy.rowsInserted.connect(self.review.ensure_current)
        self.update_actions()
        self.update_counts()
        if load:
            self.start_model_load()

    def _restore_settings(self) -> None:
        geometry = self.settings.value(keys.GEOMETRY)
        if geometry:
            self.restoreGeometry(geometry)
        state = self.settings.value(keys.WINDOW_STATE)
        if state:
            self.restoreState(state)
        size = keys.read_int(self.settings, keys.THUMBNAIL_SIZE, DEFAULT_THUMBNAIL)
        self.size_slider.setValue(max(MIN_THUMBNAIL, min(MAX_THUMBNAIL, size)))
        self.set_thumbnail_size(self.size_slider.value())
        self.action_recursive.blockSignals(True)
        self.action_recursive.setChecked(keys.read_bool(self.settings, keys.RECURSIVE, False))
        self.action_recursive.blockSignals(False)
        self.recursive_box.setChecked(self.action_recursive.isChecked())
        order = str(self.settings.value(keys.ORDER, "name"))
        self.set_order(order if order in SORT_ORDERS else "name")
        self.set_filter("all")

    # Model loading --------------------------------------------------------------------------------

    def start_model_load(self) -> None:
        self.statusBar().showMessage("Loading model…")
        directory = model_dir()
        self.run_task(lambda _task: load_model(directory), self._model_loaded, self._model_failed)

    def _model_loaded(self, loaded: Scanner) -> None:
        self.loaded = loaded
        if loaded.cache is not None:
            self.thumbnails.source = loaded.cache.thumbnail
        if self._user_threshold is None:
            self.model.set_threshold(loaded.classifier.threshold)
        self.statusBar().showMessage("Model ready", 3000)
        self.model_ready.emit()
        self.scans.start_pending()
        self.update_actions()

    def _model_failed(self, exc: BaseException) -> None:
        self.model_error = f"The photo classifier could not be loaded: {exc}."
        self.statusBar().showMessage("The classifier could not be loaded; scanning is off.")
        self.scans.pending = False
        self.update_actions()
        self.model_failed.emit(self.model_error)
        self.show_message(
            QMessageBox.Icon.Critical,
            "Classifier not available",
            self.model_error + "\n\nReinstalling DogCat Sorter should fix this.",
        )

    # Tasks ----------------------------------------------------------------------------------------

    def run_task(
        self,
        fn: Callable[[Task], object],
        done: Callable[[object], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None = None,
    ) -> Task:
        task = Task(fn, self)
        task.succeeded.connect(done)
        task.failed.connect(failed)
        if progress is not None:
            task.progressed.connect(progress)
        task.finished.connect(lambda: self._task_done(task))
        self._tasks.add(task)
        task.start()
        return task

    def _task_done(self, task: Task) -> None:
        self._tasks.discard(task)
        task.deleteLater()
        self.update_actions()

    @property
    def busy(self) -> bool:
        """A sort or undo is running (model loading does not count)."""
        return any(task.objectName() == "files" for task in self._tasks)

    # Folders and scanning (scanning.py) -----------------------------------------------------------

    def open_folder_dialog(self) -> None:
        start = str(self.folder or self.settings.value(keys.LAST_FOLDER, "") or Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Open a Folder of Photos", start)
        if chosen:
            self.open_folder(Path(chosen))

    def open_folder(self, folder: Path, recursive: bool | None = None) -> None:
        folder = Path(folder).expanduser().absolute()
        if not folder.is_dir():
            self.show_message(
                QMessageBox.Icon.Warning,
                "Folder not found",
                f"“{folder}” is not a folder or no longer exists.",
            )
            return
        if recursive is not None and recursive != self.action_recursive.isChecked():
            self.action_recursive.blockSignals(True)
            self.action_recursive.setChecked(recursive)
            self.action_recursive.blockSignals(False)
            self.recursive_box.setChecked(recursive)
            self.settings.setValue(keys.RECURSIVE, recursive)
        if folder != self.folder:
            self.undo_stack.clear()
        self.folder = folder
        self.refresh_journals()
        keys.remember_folder(self.settings, str(folder))
        self.setWindowTitle(f"{folder.name or folder} — DogCat Sorter")
        self.stack.setCurrentWidget(self.grid)
        self.start_scan()

    def rescan(self) -> None:
        if self.folder is not None:
            self.start_scan()

    def start_scan(self) -> None:
        self.scans.start()

    def cancel_scan(self) -> None:
        self.scans.cancel()

    @property
    def session(self) -> ScanSession | None:
        """The scan whose results are shown, while it runs."""
        return self.scans.session

    # Review (review.py) ---------------------------------------------------------------------------

    def selected_source_rows(self) -> list[int]:
        return self.review.selected_source_rows()

    def mark(self, label: str | None) -> None:
        self.review.mark(label)

    def apply_corrections(self, changes: Sequence[tuple[FileVersion, str | None]]) -> None:
        self.review.apply_corrections(changes)

    def build_context_menu(self) -> QMenu:
        return self.review.build_context_menu()

    def show_large_preview(self) -> None:
        self.review.show_large_preview()

    # What the grid shows --------------------------------------------------------------------------

    def set_filter(self, key: str) -> None:
        self.proxy.set_status_filter(key)
        for name, action in self.action_filter.items():
            action.setChecked(name == key)
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData(key)))
        self.review.ensure_current()
        self._update_placeholder()

    def set_order(self, key: str) -> None:
        self.proxy.set_sort_order(key)
        for name, action in self.action_order.items():
            action.setChecked(name == key)
        self.order_box.setCurrentIndex(max(0, self.order_box.findData(key)))
        self.settings.setValue(keys.ORDER, key)

    def set_thumbnail_size(self, size: int) -> None:
        size = max(MIN_THUMBNAIL, min(MAX_THUMBNAIL, int(size)))
        if self.size_slider.value() != size:
            self.size_slider.setValue(size)  # comes back here through valueChanged
            return
        self.grid.set_thumbnail_size(size)
        self.settings.setValue(keys.THUMBNAIL_SIZE, size)

    def set_threshold(self, threshold: float) -> None:
        """Change 'unsure below'; the model's own value is stored as 'no preference'."""
        model_value = self.loaded.classifier.threshold if self.loaded else DEFAULT_THRESHOLD
        if abs(threshold - model_value) < 1e-9:
            self._user_threshold = None
            self.settings.remove(keys.THRESHOLD)
        else:
            self._user_threshold = threshold
            self.settings.setValue(keys.THRESHOLD, threshold)
        self.model.set_threshold(threshold)
        self.review.schedule_preview()

    def _schedule_counts(self, *_args: object) -> None:
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def update_counts(self) -> None:
        show_counts(self)
        self._update_placeholder()
        self.update_actions()

    def _update_placeholder(self) -> None:
        if self.model.rowCount() and not self.proxy.rowCount():
            self.grid.set_placeholder(
                f"No photos to show under “{FILTERS[self.proxy.status_filter]}”."
            )
        elif self.model.rowCount():
            self.grid.set_placeholder("")

    def update_actions(self) -> None:
        scanning = self.scans.scanning or self.scans.pending
        busy = self.busy
        has_folder = self.folder is not None
        has_rows = self.model.rowCount() > 0
        self.action_open.setEnabled(not busy)
        self.recent_menu.setEnabled(not busy)
        self.action_rescan.setEnabled(has_folder and not busy and self.model_error is None)
        self.action_cancel.setEnabled(scanning)
        self.action_export.setEnabled(has_rows)
        self.action_sort.setEnabled(has_rows and not scanning and not busy)
        self.action_undo_sort.setEnabled(
            has_folder and not scanning and not busy and self._has_journal
        )

    def refresh_journals(self) -> None:
        """Whether a sort of this folder can be undone (read on folder changes, not per batch)."""
        try:
            self._has_journal = self.folder is not None and bool(list_journals(self.folder))
        except OSError:
            self._has_journal = False
        self.update_actions()

    # Sorting (sorting.py) -------------------------------------------------------------------------

    def build_plan(self) -> SortPlan:
        return self.sorting.build_plan()

    def confirm_sort(self, plan: SortPlan) -> bool:
        return self.sorting.confirm_sort(plan)

    def sort_into_folders(self) -> None:
        self.sorting.sort_into_folders()

    def undo_last_sort(self) -> None:
        self.sorting.undo_last_sort()

    # Export, help, preferences --------------------------------------------------------------------

    def export_results(self) -> None:
        export.export_results(self)

    def export_csv(self, path: Path) -> None:
        write_results_csv(self.model, path)

    def shortcut_list(self) -> list[tuple[str, str]]:
        return shortcut_rows(self)

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_list(), self).exec()

    def show_about(self) -> None:
        card = self.loaded.classifier.card.raw if self.loaded else None
        self.show_message(QMessageBox.Icon.Information, "About DogCat Sorter", about_text(card))

    def show_preferences(self) -> None:
        model_value = self.loaded.classifier.threshold if self.loaded else DEFAULT_THRESHOLD
        dialog = PreferencesDialog(self.model.threshold, model_value, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_threshold(dialog.threshold)

    # Messages -------------------------------------------------------------------------------------

    def show_message(
        self, icon: QMessageBox.Icon, title: str, text: str, details: str = ""
    ) -> None:
        """Every message goes through here: a box when interactive, stderr otherwise."""
        self.messages.append((title, text))
        if not self.interactive:
            print(f"{title}: {text}", file=sys.stderr)
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        if details:
            box.setDetailedText(details)
        box.exec()

    # Window events --------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._dropped_folder(event) is not None and not self.busy:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        folder = self._dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            self.open_folder(folder)

    @staticmethod
    def _dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.is_dir():
                    return path
                if path.is_file():
                    return path.parent
        return None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.busy:
            self.show_message(
                QMessageBox.Icon.Information,
                "Please wait",
                "Photos are being moved. The window can be closed once that has finished.",
            )
            event.ignore()
            return
        self.scans.stop_all()
        self.settings.setValue(keys.GEOMETRY, self.saveGeometry())
        self.settings.setValue(keys.WINDOW_STATE, self.saveState())
        self.settings.sync()
        for task in list(self._tasks):
            task.wait()
        super().closeEvent(event)
