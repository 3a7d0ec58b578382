"""Sorting the photos into folders and undoing the last sort, each behind a progress dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog

from ..core import folder_lock
from ..core.errors import describe_os_error
from ..core.journal import JournalWriteError
from ..core.moves import SortPlan, SortReport, execute_plan, plan_sort
from ..core.transfer import MoveError
from ..core.undo import UndoReport, undo_last
from .sort_dialog import SortPreviewDialog, sort_report_text, undo_report_text

if TYPE_CHECKING:
    from .main_window import MainWindow


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
        return f"The disk reported a problem: {describe_os_error(exc)}."
    return f"An unexpected problem stopped the operation: {exc}"


class SortController:
    """Sorts the window's folder and undoes its last sort. The moves run as "files" tasks,
    which make the window busy; the folder is scanned again afterwards."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def build_plan(self) -> SortPlan:
        window = self.window
        assert window.folder is not None
        threshold = window.model.threshold
        items = [(row.path, row.status(threshold)) for row in window.model.rows()]
        stamps = {row.path: row.result.stamp for row in window.model.rows() if row.result.stamp}
        return plan_sort(window.folder, items, stamps)

    def confirm_sort(self, plan: SortPlan) -> bool:
        """Show the preview; tests replace ``SortPreviewDialog.exec`` to answer it."""
        dialog = SortPreviewDialog(plan, self.window)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def sort_into_folders(self) -> None:
        window = self.window
        if window.folder is None or window.scans.scanning or window.busy:
            return
        try:
            plan = window.build_plan()
        except OSError as exc:
            window.show_message(QMessageBox.Icon.Warning, "Cannot sort", describe_error(exc))
            window.sort_finished.emit(None)
            return
        if not plan.moves:
            window.show_message(
                QMessageBox.Icon.Information,
                "Nothing to sort",
                "No photo is labelled as a dog or a cat with enough confidence. Label the "
                "unsure ones with D or C first, or lower “Unsure below” in Preferences.",
            )
            window.sort_finished.emit(None)
            return
        if not window.confirm_sort(plan):
            window.sort_finished.emit(None)
            return
        window.scans.stop(wait=True)
        progress = self._progress_dialog("Moving photos…", len(plan.moves))
        task = window.run_task(
            lambda task: execute_plan(plan, progress=task.report, cancel=task.cancelled),
            lambda report: self._sort_done(report, progress),
            lambda exc: self._sort_failed(exc, progress),
            lambda done, total: progress.setValue(done),
        )
        task.setObjectName("files")
        progress.canceled.connect(task.cancel)
        window.update_actions()

    def undo_last_sort(self) -> None:
        window = self.window
        if window.folder is None or window.scans.scanning or window.busy:
            return
        folder = window.folder
        window.scans.stop(wait=True)
        progress = self._progress_dialog("Putting photos back…", 0)
        task = window.run_task(
            lambda _task: undo_last(folder),
            lambda report: self._undo_done(report, progress),
            lambda exc: self._undo_failed(exc, progress),
        )
        task.setObjectName("files")
        progress.setCancelButton(None)  # an undo half done is worse than one finished
        window.update_actions()

    def _progress_dialog(self, text: str, total: int) -> QProgressDialog:
        dialog = QProgressDialog(text, "Stop", 0, total, self.window)
        dialog.setWindowTitle("DogCat Sorter")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _sort_done(self, report: SortReport, progress: QProgressDialog) -> None:
        window = self.window
        progress.close()
        if window.corrections is not None:
            window.corrections.follow(report.moved_files)
        window.undo_stack.clear()
        title, text, details = sort_report_text(report)
        problems = bool(report.failures or report.error)
        window.show_message(
            QMessageBox.Icon.Warning if problems else QMessageBox.Icon.Information,
            title,
            text,
            details,
        )
        window.sort_finished.emit(report)
        window.start_scan()

    def _sort_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.window.show_message(
            QMessageBox.Icon.Warning, "The photos were not sorted", describe_error(exc)
        )
        self.window.sort_finished.emit(None)
        self.window.update_actions()

    def _undo_done(self, report: UndoReport, progress: QProgressDialog) -> None:
        window = self.window
        progress.close()
        if window.corrections is not None:
            window.corrections.follow(report.restored_files)
        title, text = undo_report_text(report)
        icon = QMessageBox.Icon.Information if report.complete else QMessageBox.Icon.Warning
        window.show_message(icon, title, text)
        window.undo_finished.emit(report)
        window.start_scan()

    def _undo_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.window.show_message(QMessageBox.Icon.Warning, "Undo did not run", describe_error(exc))
        self.window.undo_finished.emit(None)
        self.window.update_actions()
