"""The main window: open a folder, review the model's labels, sort, undo."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import folder_lock
from ..core.classifier import DEFAULT_THRESHOLD
from ..core.corrections import FILE_NAME as CORRECTIONS_FILE_NAME
from ..core.corrections import CorrectionStore, FileVersion
from ..core.journal import JournalWriteError, UndoReport, list_journals, undo_last
from ..core.moves import MoveError, SortPlan, SortReport, execute_plan, plan_sort
from ..core.paths import user_data_dir
from ..core.progress import format_duration
from ..core.report import COLUMNS, RowWriter, row_for
from ..resources import model_dir
from . import settings as keys
from .commands import CorrectionCommand
from .delegate import DEFAULT_THUMBNAIL, MAX_THUMBNAIL, MIN_THUMBNAIL, PhotoDelegate
from .dialogs import PreferencesDialog, ShortcutsDialog, about_text
from .filter_model import FILTERS, SORT_ORDERS, ResultsFilter
from .grid import PhotoGrid
from .preview import PreviewDialog, PreviewPane
from .results_model import STATUSES, ResultsModel, Row
from .sort_dialog import SortPreviewDialog, sort_report_text, undo_report_text
from .thumbnails import ThumbnailProvider
from .workers import LoadedModel, ScanProgress, ScanStats, ScanWorker, Task, load_model

EXPORT_COLUMNS = (*COLUMNS, "corrected_by_user")
COUNT_WORDS = {
    "dog": ("dog", "dogs"),
    "cat": ("cat", "cats"),
    "other": ("neither", "neither"),
    "unsure": ("unsure", "unsure"),
    "error": ("error", "errors"),
}


def counts_text(counts: Counter[str]) -> str:
    parts = []
    for status in STATUSES:
        count = counts.get(status, 0)
        singular, plural = COUNT_WORDS[status]
        parts.append(f"{count} {singular if count == 1 else plural}")
    return " · ".join(parts)


def describe_error(exc: BaseException) -> str:
    """Any failure of a sort or undo in words; never a traceback."""
    if isinstance(exc, folder_lock.LockError):
        return str(exc)
    if isinstance(exc, JournalWriteError):
        return f"Nothing was moved: {exc}."
    if isinstance(exc, MoveError):
        return exc.reason
    if isinstance(exc, PermissionError):
        return "Permission denied: the folder is read-only or belongs to another user."
    if isinstance(exc, FileNotFoundError):
        return "The folder or a photo in it no longer exists (moved, renamed or disconnected)."
    if isinstance(exc, OSError):
        return f"The disk reported a problem: {exc.strerror or exc}."
    return f"An unexpected problem stopped the operation: {exc}"


class ScanSession(QObject):
    """One scan's worker and thread. Forwards signals to the window only while it is current,
    so results of a replaced scan that were already on their way are dropped."""

    def __init__(self, window: MainWindow, worker: ScanWorker) -> None:
        super().__init__(window)
        self.window = window
        self.worker = worker
        self.active = True
        self.thread = QThread(self)
        self.thread.setObjectName("scan")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.listed.connect(self._listed)
        worker.results.connect(self._results)
        worker.progress.connect(self._progress)
        worker.error.connect(self._error)
        worker.finished.connect(self._finished)
        worker.finished.connect(self.thread.quit)
        self.thread.finished.connect(worker.deleteLater)
        self.thread.finished.connect(self._thread_done)

    def start(self) -> None:
        self.thread.start()

    def stop(self, wait: bool) -> None:
        """Cancel; with ``wait`` also forget it, returning once its thread has ended."""
        self.worker.cancel()
        if wait:
            self.active = False
            self.thread.quit()
            self.thread.wait()

    def _listed(self, total: int) -> None:
        if self.active:
            self.window._on_scan_listed(total)

    def _results(self, rows: list) -> None:
        if self.active:
            self.window._on_scan_results(rows)

    def _progress(self, progress: object) -> None:
        if self.active:
            self.window._on_scan_progress(progress)

    def _error(self, message: str) -> None:
        if self.active:
            self.window._on_scan_error(message)

    def _finished(self, cancelled: bool, stats: object) -> None:
        if self.active:
            self.active = False
            self.window._on_scan_finished(self, cancelled, stats)

    def _thread_done(self) -> None:
        self.window._sessions.discard(self)
        self.deleteLater()


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
        self.loaded: LoadedModel | None = None
        self.model_error: str | None = None
        self.folder: Path | None = None
        self.session: ScanSession | None = None  # the scan whose results are shown
        self._sessions: set[ScanSession] = set()  # every scan whose thread still runs
        self._pending_scan = False
        self._scanning = False
        self._has_journal = False
        self._tasks: set[Task] = set()
        self._user_threshold = keys.read_float(self.settings, keys.THRESHOLD)

        self.corrections: CorrectionStore | None
        try:
            self.corrections = CorrectionStore(user_data_dir() / CORRECTIONS_FILE_NAME)
        except Exception:
            self.corrections = None

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
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.grid.selectionModel().currentChanged.connect(self._schedule_preview)
        self.grid.selectionModel().selectionChanged.connect(self._schedule_preview)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._empty_page())
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

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._restore_settings()

        self._counts_timer = QTimer(self, singleShot=True, interval=150)
        self._counts_timer.timeout.connect(self._update_counts)
        self._preview_timer = QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self._update_preview)
        self.model.rowsInserted.connect(self._schedule_counts)
        self.model.modelReset.connect(self._schedule_counts)
        self.model.dataChanged.connect(self._schedule_counts)
        self.proxy.rowsInserted.connect(self._ensure_current)
        self._update_actions()
        self._update_counts()
        if load:
            self.start_model_load()

    # Construction ---------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[..., object] | None = None,
        shortcut: QKeySequence | str | Sequence[QKeySequence | str] | None = None,
        icon: QStyle.StandardPixmap | None = None,
        tip: str = "",
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.action_open = self._action(
            "&Open Folder…",
            self.open_folder_dialog,
            QKeySequence.StandardKey.Open,
            sp.SP_DirOpenIcon,
            "Choose a folder of photos to scan",
        )
        self.action_rescan = self._action(
            "&Re-scan",
            self.rescan,
            "F5",
            sp.SP_BrowserReload,
            "Scan the folder again (known photos come from the cache)",
        )
        self.action_cancel = self._action(
            "&Stop Scan",
            self.cancel_scan,
            Qt.Key.Key_Escape,
            sp.SP_BrowserStop,
            "Stop scanning; the photos scanned so far stay",
        )
        self.action_recursive = self._action(
            "Include &Subfolders",
            None,
            tip="Also scan the folders inside the folder",
            checkable=True,
        )
        self.action_recursive.toggled.connect(self._recursive_changed)
        self.action_export = self._action(
            "&Export Results…",
            self.export_results,
            "Ctrl+E",
            tip="Save the labels as a CSV file",
        )
        self.action_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.action_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.action_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.action_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.action_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.action_undo)
        self.addAction(self.action_redo)

        self.action_mark: dict[str, QAction] = {}
        for label, text, key in (
            ("dog", "Mark as &Dog", "D"),
            ("cat", "Mark as &Cat", "C"),
            ("other", "Mark as &Neither", "N"),
        ):
            action = self._action(text, lambda value=label: self.mark(value), key)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.action_mark[label] = action
        self.action_clear = self._action(
            "Use &Model's Label",
            lambda: self.mark(None),
            Qt.Key.Key_Backspace,
            tip="Forget your label for the selected photos",
        )
        self.action_clear.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action_large_preview = self._action(
            "&Large Preview",
            self.show_large_preview,
            Qt.Key.Key_Space,
        )
        self.action_large_preview.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for action in (*self.action_mark.values(), self.action_clear, self.action_large_preview):
            self.grid.addAction(action)
            self.preview.addAction(action)
        self.action_preferences = self._action(
            "&Preferences…",
            self.show_preferences,
            QKeySequence.StandardKey.Preferences,
        )
        if self.action_preferences.shortcut().isEmpty():
            self.action_preferences.setShortcut(QKeySequence("Ctrl+,"))

        self.action_sort = self._action(
            "&Sort into Folders…",
            self.sort_into_folders,
            "Ctrl+M",
            sp.SP_DialogApplyButton,
            "Move dogs into dogs/ and cats into cats/, after a preview",
        )
        self.action_undo_sort = self._action(
            "&Undo Last Sort",
            self.undo_last_sort,
            "Ctrl+Shift+M",
            sp.SP_ArrowBack,
            "Put the photos of the last sort back where they were",
        )
        self.action_zoom_in = self._action(
            "&Larger Thumbnails",
            lambda: self.set_thumbnail_size(self.delegate.thumbnail_size + 16),
            QKeySequence.StandardKey.ZoomIn,
        )
        self.action_zoom_out = self._action(
            "&Smaller Thumbnails",
            lambda: self.set_thumbnail_size(self.delegate.thumbnail_size - 16),
            QKeySequence.StandardKey.ZoomOut,
        )
        self.action_filter: dict[str, QAction] = {}
        for number, (key, text) in enumerate(FILTERS.items(), start=1):
            action = self._action(
                text, lambda value=key: self.set_filter(value), f"Ctrl+{number}", checkable=True
            )
            self.action_filter[key] = action
        self.action_order: dict[str, QAction] = {}
        for key, text in SORT_ORDERS.items():
            self.action_order[key] = self._action(
                text, lambda value=key: self.set_order(value), checkable=True
            )
        self.action_shortcuts = self._action(
            "&Keyboard Shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents
        )
        self.action_about = self._action("&About DogCat Sorter", self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.action_open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.action_rescan)
        file_menu.addAction(self.action_cancel)
        file_menu.addAction(self.action_recursive)
        file_menu.addSeparator()
        file_menu.addAction(self.action_export)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)

        edit = bar.addMenu("&Edit")
        edit.addAction(self.action_undo)
        edit.addAction(self.action_redo)
        edit.addSeparator()
        for action in self.action_mark.values():
            edit.addAction(action)
        edit.addAction(self.action_clear)
        edit.addSeparator()
        edit.addAction(self.action_preferences)

        view = bar.addMenu("&View")
        show = view.addMenu("&Show")
        for action in self.action_filter.values():
            show.addAction(action)
        order = view.addMenu("&Order By")
        for action in self.action_order.values():
            order.addAction(action)
        view.addSeparator()
        view.addAction(self.action_zoom_in)
        view.addAction(self.action_zoom_out)
        view.addSeparator()
        view.addAction(self.action_large_preview)
        toggle = self.preview_dock.toggleViewAction()
        toggle.setText("Preview &Pane")
        toggle.setShortcut(QKeySequence("F3"))
        view.addAction(toggle)

        sort = bar.addMenu("&Sort")
        sort.addAction(self.action_sort)
        sort.addAction(self.action_undo_sort)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.action_shortcuts)
        help_menu.addAction(self.action_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        bar.addAction(self.action_open)
        bar.addAction(self.action_rescan)
        bar.addAction(self.action_cancel)
        self.recursive_box = QCheckBox("Include subfolders")
        self.recursive_box.setToolTip(self.action_recursive.toolTip())
        self.recursive_box.toggled.connect(self.action_recursive.setChecked)
        self.action_recursive.toggled.connect(self.recursive_box.setChecked)
        bar.addWidget(self._spaced(self.recursive_box))
        bar.addSeparator()

        self.filter_box = QComboBox()
        self.filter_box.setToolTip("Which photos to show (Ctrl+1 … Ctrl+6)")
        self.filter_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for key, text in FILTERS.items():
            self.filter_box.addItem(text, key)
        self.filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filter_box.activated.connect(
            lambda index: self.set_filter(self.filter_box.itemData(index))
        )
        bar.addWidget(self._spaced(QLabel("Show:")))
        bar.addWidget(self.filter_box)
        self.order_box = QComboBox()
        self.order_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for key, text in SORT_ORDERS.items():
            self.order_box.addItem(text, key)
        self.order_box.activated.connect(
            lambda index: self.set_order(self.order_box.itemData(index))
        )
        bar.addWidget(self._spaced(QLabel("Order:")))
        bar.addWidget(self.order_box)
        bar.addSeparator()

        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_THUMBNAIL, MAX_THUMBNAIL)
        self.size_slider.setSingleStep(16)
        self.size_slider.setPageStep(32)
        self.size_slider.setFixedWidth(110)
        self.size_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.size_slider.setToolTip("Thumbnail size (Ctrl+plus / Ctrl+minus)")
        self.size_slider.valueChanged.connect(self.set_thumbnail_size)
        bar.addWidget(self._spaced(QLabel("Size:")))
        bar.addWidget(self.size_slider)

        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.action_undo_sort)
        bar.addAction(self.action_sort)
        sort_button = bar.widgetForAction(self.action_sort)
        if isinstance(sort_button, QToolButton):
            font = sort_button.font()
            font.setBold(True)
            sort_button.setFont(font)
        self.toolbar = bar

    @staticmethod
    def _spaced(widget: QWidget) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(8, 0, 4, 0)
        layout.addWidget(widget)
        return holder

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.counts_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(180)
        self.progress_bar.setTextVisible(False)
        self.progress_label = QLabel()
        sample = "88888/88888 · 888.8 photos/s · 88:88 left"
        self.progress_label.setMinimumWidth(
            self.progress_label.fontMetrics().horizontalAdvance(sample)
        )
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop scanning (Esc)")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.cancel_scan)
        status.addPermanentWidget(self.progress_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.counts_label)
        self._show_progress(False)

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        title = QLabel("Open a folder of photos to start")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "DogCat Sorter finds the dogs and cats among your photos and moves them into "
            "<b>dogs</b> and <b>cats</b> folders. Nothing moves until you confirm, and every "
            "sort can be undone."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(min(520, text.fontMetrics().horizontalAdvance("x" * 80)))
        button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "Open Folder…"
        )
        button.setMinimumHeight(36)
        button.clicked.connect(self.open_folder_dialog)
        self.empty_button = button
        hint = QLabel("or drop a folder onto this window")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setEnabled(False)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(hint)
        layout.addStretch(3)
        return page

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

    def _model_loaded(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        if loaded.cache is not None:
            self.thumbnails.source = loaded.cache.thumbnail
        if self._user_threshold is None:
            self.model.set_threshold(loaded.classifier.threshold)
        self.statusBar().showMessage("Model ready", 3000)
        self.model_ready.emit()
        if self._pending_scan:
            self._pending_scan = False
            self.start_scan()
        self._update_actions()

    def _model_failed(self, exc: BaseException) -> None:
        self.model_error = f"The photo classifier could not be loaded: {exc}."
        self.statusBar().showMessage("The classifier could not be loaded; scanning is off.")
        self._pending_scan = False
        self._update_actions()
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
        self._update_actions()

    @property
    def busy(self) -> bool:
        """A sort or undo is running (model loading does not count)."""
        return any(task.objectName() == "files" for task in self._tasks)

    # Folders and scanning -------------------------------------------------------------------------

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
        self._refresh_journals()
        keys.remember_folder(self.settings, str(folder))
        self.setWindowTitle(f"{folder.name or folder} — DogCat Sorter")
        self.stack.setCurrentWidget(self.grid)
        self.start_scan()

    def rescan(self) -> None:
        if self.folder is not None:
            self.start_scan()

    def start_scan(self) -> None:
        if self.folder is None:
            return
        self._stop_session(wait=True)
        self.model.clear()
        self.thumbnails.clear()
        self.preview.show_row(None)
        if self.loaded is None:
            if self.model_error:
                self.show_message(QMessageBox.Icon.Critical, "Cannot scan", self.model_error)
                return
            self._pending_scan = True
            self.grid.set_placeholder("Loading the model… the scan starts when it is ready.")
            self.statusBar().showMessage("Loading model… the scan starts when it is ready.")
            self._update_actions()
            return
        self.grid.set_placeholder("Looking for photos…")
        worker = ScanWorker(
            self.loaded.scanner, self.folder, self.action_recursive.isChecked(), self.corrections
        )
        self.session = ScanSession(self, worker)
        self._sessions.add(self.session)
        self._scanning = True
        self._show_progress(True)
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("Looking for photos…")
        self.statusBar().clearMessage()
        self._update_actions()
        self.scan_started.emit()
        self.session.start()

    def cancel_scan(self) -> None:
        if self.session is not None:
            self.session.stop(wait=False)
            self.progress_label.setText("Stopping…")
        elif self._pending_scan:
            self._pending_scan = False
            self._update_actions()

    def _stop_session(self, wait: bool) -> None:
        if self.session is not None:
            self.session.stop(wait=wait)
            self.session = None
        self._scanning = False

    def _on_scan_listed(self, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"0/{total}")
        if total == 0:
            recursive = self.action_recursive.isChecked()
            self.grid.set_placeholder(
                "No photos in this folder."
                + ("" if recursive else "\nTurn on “Include subfolders” to look inside folders.")
            )
        else:
            self.grid.set_placeholder("")

    def _on_scan_results(self, rows: list[Row]) -> None:
        self.model.append(rows)

    def _on_scan_progress(self, progress: ScanProgress) -> None:
        self.progress_bar.setValue(progress.done)
        speed = f"{progress.per_second:.1f} photos/s" if progress.per_second else "… photos/s"
        self.progress_label.setText(
            f"{progress.done}/{progress.total} · {speed} · "
            f"{format_duration(progress.seconds_left)} left"
        )
        self.scan_progress.emit(progress)

    def _on_scan_error(self, message: str) -> None:
        self.show_message(QMessageBox.Icon.Warning, "Scan stopped", message)

    def _on_scan_finished(self, session: ScanSession, cancelled: bool, stats: ScanStats) -> None:
        if session is self.session:
            self.session = None
        self._scanning = False
        self._show_progress(False)
        seconds = f"{stats.seconds:.1f} s"
        cached = f", {stats.from_cache} from the cache" if stats.from_cache else ""
        if cancelled:
            message = f"Scan stopped: {stats.done} of {stats.total} photos scanned."
        else:
            message = f"Scanned {stats.done} photos in {seconds}{cached}."
        self.statusBar().showMessage(message, 10000)
        if cancelled and self.model.rowCount() == 0:
            self.grid.set_placeholder("Scan stopped. Press F5 to scan again.")
        self._update_counts()
        self._refresh_journals()
        self._ensure_current()
        self.scan_finished.emit(cancelled, stats)

    def _show_progress(self, visible: bool) -> None:
        for widget in (self.progress_bar, self.progress_label, self.cancel_button):
            widget.setVisible(visible)

    def _recursive_changed(self, checked: bool) -> None:
        self.settings.setValue(keys.RECURSIVE, checked)
        if self.folder is not None:
            self.start_scan()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = keys.read_list(self.settings, keys.RECENT_FOLDERS)
        for folder in recent:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, path=folder: self.open_folder(Path(path)))
        if not recent:
            self.recent_menu.addAction("No recent folders").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Menu").triggered.connect(
                lambda: self.settings.setValue(keys.RECENT_FOLDERS, [])
            )

    # Review ---------------------------------------------------------------------------------------

    def selected_source_rows(self) -> list[int]:
        """Selected rows in the model's numbering, current row first if nothing is selected."""
        indexes = self.grid.selectionModel().selectedIndexes()
        if not indexes and self.grid.currentIndex().isValid():
            indexes = [self.grid.currentIndex()]
        rows = {self.proxy.mapToSource(index).row() for index in indexes}
        return sorted(row for row in rows if row >= 0)

    def mark(self, label: str | None) -> None:
        """Set (or with None, clear) the label of the selected photos, as one undoable step."""
        changes = []
        for number in self.selected_source_rows():
            row = self.model.row(number)
            if row.result.prediction is None or row.correction == label:
                continue
            changes.append((row.version, row.correction, label))
        if not changes:
            if not self.selected_source_rows():
                self.statusBar().showMessage("Select one or more photos first.", 4000)
            return
        self.undo_stack.push(CorrectionCommand(self.apply_corrections, changes, label))

    def apply_corrections(self, changes: Sequence[tuple[FileVersion, str | None]]) -> None:
        """Show and remember corrections; the undo stack calls this both ways."""
        if self.corrections is not None:
            try:
                self.corrections.set_many(changes)
            except Exception as exc:
                self.statusBar().showMessage(f"Your labels could not be saved: {exc}", 8000)
        self.model.set_corrections([(version.path, label) for version, label in changes])
        self._ensure_current()
        self._schedule_preview()

    def _ensure_current(self, *_args: object) -> None:
        """Keep a photo selected after the filter removed the one under review."""
        selection = self.grid.selectionModel()
        if self.proxy.rowCount() == 0:
            return
        current = self.grid.currentIndex()
        if not current.isValid():
            if self._scanning:
                return
            current = self.proxy.index(0, 0)
            selection.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        if not selection.hasSelection():
            selection.select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _context_menu(self, position) -> None:
        index = self.grid.indexAt(position)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        menu = self.build_context_menu()
        menu.exec(self.grid.viewport().mapToGlobal(position))

    def build_context_menu(self) -> QMenu:
        menu = QMenu(self)
        for action in self.action_mark.values():
            menu.addAction(action)
        menu.addAction(self.action_clear)
        menu.addSeparator()
        menu.addAction(self.action_large_preview)
        return menu

    def _schedule_preview(self, *_args: object) -> None:
        self._preview_timer.start()

    def _update_preview(self) -> None:
        current = self.grid.currentIndex()
        if not current.isValid():
            self.preview.show_row(None)
            return
        row = self.model.row(self.proxy.mapToSource(current).row())
        selected = len(self.grid.selectionModel().selectedIndexes())
        self.preview.show_row(row, self.model.threshold, selected)

    def show_large_preview(self) -> None:
        current = self.grid.currentIndex()
        if not current.isValid():
            return
        row = self.model.row(self.proxy.mapToSource(current).row())
        dialog = PreviewDialog(row.path, self._step, self)
        dialog.exec()

    def _step(self, delta: int) -> Path | None:
        """Move the current photo by ``delta`` in the grid's order (for the large preview)."""
        current = self.grid.currentIndex()
        target = self.proxy.index(current.row() + delta, 0) if current.isValid() else QModelIndex()
        if not target.isValid():
            return None
        self.grid.selectionModel().setCurrentIndex(
            target, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        return self.model.row(self.proxy.mapToSource(target).row()).path

    def set_filter(self, key: str) -> None:
        self.proxy.set_status_filter(key)
        for name, action in self.action_filter.items():
            action.setChecked(name == key)
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData(key)))
        self._ensure_current()
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
        self._schedule_preview()

    def _schedule_counts(self, *_args: object) -> None:
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _update_counts(self) -> None:
        counts = self.model.counts()
        self.counts_label.setText(counts_text(counts) if self.model.rowCount() else "")
        total = self.model.rowCount()
        for index in range(self.filter_box.count()):
            key = self.filter_box.itemData(index)
            number = total if key == "all" else counts.get(key, 0)
            self.filter_box.setItemText(index, f"{FILTERS[key]} ({number})")
        self._update_placeholder()
        self._update_actions()

    def _update_placeholder(self) -> None:
        if self.model.rowCount() and not self.proxy.rowCount():
            self.grid.set_placeholder(
                f"No photos to show under “{FILTERS[self.proxy.status_filter]}”."
            )
        elif self.model.rowCount():
            self.grid.set_placeholder("")

    def _update_actions(self) -> None:
        scanning = self._scanning or self._pending_scan
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

    def _refresh_journals(self) -> None:
        """Whether a sort of this folder can be undone (read on folder changes, not per batch)."""
        try:
            self._has_journal = self.folder is not None and bool(list_journals(self.folder))
        except OSError:
            self._has_journal = False
        self._update_actions()

    # Sorting --------------------------------------------------------------------------------------

    def sort_label(self, row: Row) -> str | None:
        """What the sort does with a row: dogs and cats move; unsure ones only once labelled."""
        status = row.status(self.model.threshold)
        return status if status in ("dog", "cat", "other") else None

    def build_plan(self) -> SortPlan:
        assert self.folder is not None
        items = [(row.path, self.sort_label(row)) for row in self.model.rows()]
        return plan_sort(self.folder, items)

    def confirm_sort(self, plan: SortPlan) -> bool:
        """Show the preview; tests replace ``SortPreviewDialog.exec`` to answer it."""
        counts = self.model.counts()
        staying = {key: counts.get(key, 0) for key in ("other", "unsure", "error")}
        dialog = SortPreviewDialog(plan, staying, self)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def sort_into_folders(self) -> None:
        if self.folder is None or self._scanning or self.busy:
            return
        try:
            plan = self.build_plan()
        except OSError as exc:
            self.show_message(QMessageBox.Icon.Warning, "Cannot sort", describe_error(exc))
            self.sort_finished.emit(None)
            return
        if not plan.moves:
            self.show_message(
                QMessageBox.Icon.Information,
                "Nothing to sort",
                "No photo is labelled as a dog or a cat with enough confidence. Label the "
                "unsure ones with D or C first, or lower “Unsure below” in Preferences.",
            )
            self.sort_finished.emit(None)
            return
        if not self.confirm_sort(plan):
            self.sort_finished.emit(None)
            return
        self._stop_session(wait=True)
        progress = self._progress_dialog("Moving photos…", len(plan.moves))
        task = self.run_task(
            lambda task: execute_plan(plan, progress=task.report, cancel=task.cancelled),
            lambda report: self._sort_done(report, progress),
            lambda exc: self._sort_failed(exc, progress),
            lambda done, total: progress.setValue(done),
        )
        task.setObjectName("files")
        progress.canceled.connect(task.cancel)
        self._update_actions()

    def _progress_dialog(self, text: str, total: int) -> QProgressDialog:
        dialog = QProgressDialog(text, "Stop", 0, total, self)
        dialog.setWindowTitle("DogCat Sorter")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _sort_done(self, report: SortReport, progress: QProgressDialog) -> None:
        progress.close()
        if self.corrections is not None:
            for source, destination in report.moved_files:
                self.corrections.rename(source, destination)
        self.undo_stack.clear()
        title, text, details = sort_report_text(report)
        problems = bool(report.failures or report.error)
        self.show_message(
            QMessageBox.Icon.Warning if problems else QMessageBox.Icon.Information,
            title,
            text,
            details,
        )
        self.sort_finished.emit(report)
        self.start_scan()

    def _sort_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.show_message(
            QMessageBox.Icon.Warning, "The photos were not sorted", describe_error(exc)
        )
        self.sort_finished.emit(None)
        self._update_actions()

    def undo_last_sort(self) -> None:
        if self.folder is None or self._scanning or self.busy:
            return
        folder = self.folder
        self._stop_session(wait=True)
        progress = self._progress_dialog("Putting photos back…", 0)
        task = self.run_task(
            lambda _task: undo_last(folder),
            lambda report: self._undo_done(report, progress),
            lambda exc: self._undo_failed(exc, progress),
        )
        task.setObjectName("files")
        progress.setCancelButton(None)  # an undo half done is worse than one finished
        self._update_actions()

    def _undo_done(self, report: UndoReport, progress: QProgressDialog) -> None:
        progress.close()
        if self.corrections is not None:
            for was, placed in report.restored_files:
                self.corrections.rename(was, placed)
        title, text = undo_report_text(report)
        icon = QMessageBox.Icon.Information if report.complete else QMessageBox.Icon.Warning
        self.show_message(icon, title, text)
        self.undo_finished.emit(report)
        self.start_scan()

    def _undo_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.show_message(QMessageBox.Icon.Warning, "Undo did not run", describe_error(exc))
        self.undo_finished.emit(None)
        self._update_actions()

    # Export, help, preferences --------------------------------------------------------------------

    def export_results(self) -> None:
        start = str((self.folder or Path.home()) / "dogcat-results.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export Results", start, "CSV files (*.csv)")
        if not path:
            return
        try:
            self.export_csv(Path(path))
        except OSError as exc:
            self.show_message(
                QMessageBox.Icon.Warning,
                "Export failed",
                f"The file could not be written: {exc.strerror or exc}.",
            )
            return
        self.statusBar().showMessage(f"Saved {self.model.rowCount()} rows to {path}", 6000)

    def export_csv(self, path: Path) -> None:
        """Every row with the columns of the command-line tool, plus who set the label.

        A file name that is not valid UTF-8 is written as its original bytes.
        """
        threshold = self.model.threshold
        with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as stream:
            writer = RowWriter(stream, "csv", EXPORT_COLUMNS)
            for row in self.model.rows():
                values = row_for(row.result, threshold, label=row.correction)
                values["corrected_by_user"] = "yes" if row.correction else "no"
                writer.write(values)
            writer.close()

    def shortcut_list(self) -> list[tuple[str, str]]:
        entries = [
            (self.action_mark["dog"], "Mark the selected photos as Dog"),
            (self.action_mark["cat"], "Mark the selected photos as Cat"),
            (self.action_mark["other"], "Mark the selected photos as Neither"),
            (self.action_clear, "Forget your label (use the model's)"),
            (self.action_large_preview, "Show the photo large (Space or Esc closes it)"),
            (self.action_undo, "Undo the last label change"),
            (self.action_redo, "Redo"),
            (self.action_open, "Open a folder"),
            (self.action_rescan, "Scan the folder again"),
            (self.action_cancel, "Stop the scan"),
            (self.action_sort, "Sort into dogs/ and cats/ (with a preview first)"),
            (self.action_undo_sort, "Undo the last sort"),
            (self.action_zoom_in, "Larger thumbnails"),
            (self.action_zoom_out, "Smaller thumbnails"),
            (self.preview_dock.toggleViewAction(), "Show or hide the preview pane"),
            (self.action_export, "Export the results as CSV"),
        ]
        rows = [
            ("Arrow keys", "Move between photos"),
            ("Shift+arrows, Ctrl+A", "Select several photos"),
        ]
        for action, text in entries:
            sequences = [
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
            ]
            rows.append((", ".join(s for s in sequences if s), text))
        rows.append(("Ctrl+1 … Ctrl+6", "Show all, dogs, cats, neither, unsure, errors"))
        return rows

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
        self._stop_session(wait=True)
        for session in list(self._sessions):
            session.stop(wait=True)
        self.settings.setValue(keys.GEOMETRY, self.saveGeometry())
        self.settings.setValue(keys.WINDOW_STATE, self.saveState())
        self.settings.sync()
        for task in list(self._tasks):
            task.wait()
        super().closeEvent(event)
