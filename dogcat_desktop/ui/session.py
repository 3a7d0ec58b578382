"""One window's state apart from its widgets: folder, model, labels, threshold, results, busy.

Controllers receive the session and change it; the window observes its signals, as napari's Qt
widgets observe its ``ViewerModel``. So no controller needs the window, and every message a
flow has for the person goes out through one signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox

from ..core.classifier import DEFAULT_THRESHOLD
from ..core.corrections import CorrectionsDamagedError, CorrectionStore
from ..core.journal import list_journals
from ..core.pipeline import open_corrections
from ..core.scan import Scanner
from ..resources import model_dir
from . import settings as keys
from .results_model import ResultsModel
from .workers import Task, load_model


@dataclass(frozen=True)
class Message:
    """Something the person must read: a box in the window, a line on stderr without one."""

    icon: QMessageBox.Icon
    title: str
    text: str
    details: str = ""
    rich: bool = False  # the app's own markup (About); anything with names in it stays plain


class Session(QObject):
    message = Signal(object)  # Message
    status = Signal(str, int)  # status-bar text, and how long it stays in ms (0: until replaced)
    changed = Signal()  # folder, model, scanning, busy or undo history: what can be done now
    folder_changed = Signal(object)  # Path
    model_ready = Signal()
    model_failed = Signal(str)
    threshold_changed = Signal(float)
    labels_changed = Signal(list)  # [(FileVersion, label or None)]: the person set labels
    files_moved = Signal(list)  # [(old Path, new Path)]: a sort or an undo moved photos

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.folder: Path | None = None
        self.scanner: Scanner | None = None  # the model, once loaded
        self.model_error: str | None = None
        self.corrections: CorrectionStore | None = None
        # Why the labels a person set cannot be used; a sort asks before it goes on without them.
        self.corrections_error: str | None = None
        try:
            self.corrections = open_corrections()
        except CorrectionsDamagedError as exc:  # said once the window listens; labels stay off
            self.corrections_error = str(exc)
            text = f"{exc} Your labels are not shown or saved until that is fixed."
            QTimer.singleShot(
                0,
                lambda: self.show_message(QMessageBox.Icon.Warning, "Labels not available", text),
            )
        self.results = ResultsModel(self)
        self.undo_stack = QUndoStack(self)  # label changes
        self.scanning = False  # a scan runs, or waits for the model
        self.has_journal = False  # a sort of this folder can be undone
        self._tasks: set[Task] = set()
        self.closed = False  # the window closed: no new background work (see ``close``)
        self._user_threshold = keys.read_float(settings, keys.THRESHOLD)
        self.results.set_threshold(self._user_threshold or DEFAULT_THRESHOLD)

    # Messages -------------------------------------------------------------------------------------

    def show_message(
        self, icon: QMessageBox.Icon, title: str, text: str, details: str = "", rich: bool = False
    ) -> None:
        self.message.emit(Message(icon, title, text, details, rich))

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.status.emit(text, timeout_ms)

    # The model ------------------------------------------------------------------------------------

    def load_model(self, directory: Path | None = None) -> None:
        """Load the model (the bundled one by default) on a background thread;
        ``model_ready`` or ``model_failed`` follows."""
        directory = directory or model_dir()
        self.show_status("Loading model…")
        self.run_task(lambda _task: load_model(directory), self._model_loaded, self._model_failed)

    def _model_loaded(self, scanner: Scanner) -> None:
        self.scanner = scanner
        if self._user_threshold is None:
            self.results.set_threshold(scanner.classifier.threshold)
        self.show_status("Model ready", 3000)
        cache = scanner.cache
        if cache is not None and cache.notice:
            self.show_message(QMessageBox.Icon.Information, "Scan cache rebuilt", cache.notice)
        self.model_ready.emit()
        self.changed.emit()

    def _model_failed(self, exc: BaseException) -> None:
        self.model_error = f"The photo classifier could not be loaded: {exc}."
        self.show_status("The classifier could not be loaded; scanning is off.")
        self.changed.emit()
        self.model_failed.emit(self.model_error)
        self.show_message(
            QMessageBox.Icon.Critical,
            "Classifier not available",
            self.model_error + "\n\nReinstalling DogCat Sorter should fix this.",
        )

    # Threshold ------------------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        return self.results.threshold

    @property
    def model_threshold(self) -> float:
        """The model card's 'unsure below', or the default before the model is loaded."""
        return self.scanner.classifier.threshold if self.scanner else DEFAULT_THRESHOLD

    def set_threshold(self, threshold: float) -> None:
        """Change 'unsure below'; the model's own value is stored as 'no preference'."""
        if abs(threshold - self.model_threshold) < 1e-9:
            self._user_threshold = None
            self.settings.remove(keys.THRESHOLD)
        else:
            self._user_threshold = threshold
            self.settings.setValue(keys.THRESHOLD, threshold)
        self.results.set_threshold(threshold)
        self.threshold_changed.emit(threshold)

    # Folder ---------------------------------------------------------------------------------------

    def set_folder(self, folder: Path) -> None:
        """Open ``folder``: label changes of another folder can no longer be undone."""
        if folder != self.folder:
            self.undo_stack.clear()
        self.folder = folder
        keys.remember_folder(self.settings, str(folder))
        self.refresh_journals()
        self.folder_changed.emit(folder)

    def refresh_journals(self) -> None:
        """Whether a sort of this folder can be undone (read on folder changes, not per batch)."""
        try:
            self.has_journal = self.folder is not None and bool(list_journals(self.folder))
        except OSError:
            self.has_journal = False
        self.changed.emit()

    def set_scanning(self, scanning: bool) -> None:
        if scanning != self.scanning:
            self.scanning = scanning
            self.changed.emit()

    # Background tasks -----------------------------------------------------------------------------

    def run_task(
        self,
        fn: Callable[[Task], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None = None,
        moves_files: bool = False,
    ) -> Task:
        """Run ``fn`` on its own thread; ``moves_files`` makes the session busy until it ends."""
        task = Task(fn, self)
        if moves_files:
            task.setObjectName("files")
        task.succeeded.connect(done)
        task.failed.connect(failed)
        if progress is not None:
            task.progressed.connect(progress)
        task.finished.connect(lambda: self._task_done(task))
        if self.closed:  # never started: a thread running when its window is deleted aborts
            return task
        self._tasks.add(task)
        task.start()
        self.changed.emit()
        return task

    def _task_done(self, task: Task) -> None:
        self._tasks.discard(task)
        task.wait()  # ``finished`` comes just before the thread's last steps: join it first
        task.deleteLater()
        self.changed.emit()

    @property
    def busy(self) -> bool:
        """A sort or undo is running (model loading does not count)."""
        return any(task.objectName() == "files" for task in self._tasks)

    def close(self) -> None:
        """The window closes: join the running tasks and start none after them (a result
        still on its way, such as a refit's, would otherwise start one the window outlives)."""
        self.closed = True
        self.wait_for_tasks()

    def wait_for_tasks(self) -> None:
        for task in list(self._tasks):
            task.wait()
