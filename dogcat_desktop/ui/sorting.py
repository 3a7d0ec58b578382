"""Sorting the photos into folders and undoing the last sort, each behind a progress dialog."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog, QWidget

from ..core import folder_lock
from ..core.confine import resolve_folder
from ..core.errors import describe_os_error
from ..core.journal import JournalWriteError, list_journals, moved_files, read_journal
from ..core.moves import SortPlan, SortReport, execute_plan, plan_sort
from ..core.review import ALREADY_SORTED, ReviewStatus
from ..core.transfer import MoveError
from ..core.undo import UndoReport, undo_last
from . import settings as keys
from .commands import SortCommand
from .last_sort import LastSortDialog
from .scanning import ScanController
from .session import Session
from .sort_dialog import REPLAN, SortPreviewDialog, sort_report_text, undo_report_text


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


def nothing_to_sort_text(plan: SortPlan) -> str:
    """Why a sort has nothing to move, with the one hint that applies."""
    reasons = plan.staying_by_reason
    unsure = reasons.get(str(ReviewStatus.UNSURE), 0)
    if unsure:
        photos = "1 photo is" if unsure == 1 else f"{unsure} photos are"
        return (
            f"No photo is labelled as a dog or a cat with enough confidence; {photos} unsure. "
            "Label them with D or C first, or lower “Unsure below” in Preferences."
        )
    if reasons.get(ALREADY_SORTED):
        return "Every dog and cat is already in its folder; the other photos stay where they are."
    return "No photo here is labelled as a dog or a cat."


class SortController(QObject):
    """Sorts the open folder and undoes its last sort. The moves run as tasks that make the
    session busy; the scan stops first and the folder is scanned again afterwards."""

    sort_finished = Signal(object)  # SortReport, or None when it failed or was declined
    undo_finished = Signal(object)  # UndoReport, or None when it did not run

    def __init__(self, session: Session, scans: ScanController, dialog_parent: QWidget) -> None:
        super().__init__(session)
        self.session = session
        self.scans = scans
        self.dialog_parent = dialog_parent

    def build_plan(self) -> SortPlan:
        session = self.session
        assert session.folder is not None
        threshold = session.threshold
        rows = session.results.rows()
        items = [(row.path, row.sort_status(threshold)) for row in rows]
        stamps = {row.path: row.result.stamp for row in rows if row.result.stamp}
        return plan_sort(session.folder, items, stamps, per_subfolder=self.per_subfolder)

    @property
    def per_subfolder(self) -> bool:
        """Each subfolder gets its own dogs/ and cats/ (remembered), else one pair at the top."""
        return keys.read_bool(self.session.settings, keys.PER_SUBFOLDER, False)

    def confirm_sort(self, plan: SortPlan) -> SortPlan | None:
        """Show the preview; the plan to carry out, or None. Choosing where subfolders' photos
        go plans again and shows the new plan. Tests replace ``SortPreviewDialog.exec``."""
        while True:
            dialog = SortPreviewDialog(plan, self.dialog_parent, self.per_subfolder)
            answer = dialog.exec()
            if answer != REPLAN:
                return plan if answer == QDialog.DialogCode.Accepted else None
            self.session.settings.setValue(keys.PER_SUBFOLDER, dialog.per_subfolder)
            plan = self.build_plan()

    def confirm_without_corrections(self, reason: str) -> bool:
        """Ask before a sort that would ignore the labels a person set by hand; No is the
        default, and a box closed without an answer counts as No."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Sort without your labels?",
            f"{reason}\n\nA sort now would move the photos by the model's labels alone, so a "
            "photo you marked could go to the wrong folder.",
            QMessageBox.StandardButton.NoButton,
            self.dialog_parent,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the reason may name a file
        go_on = box.addButton("Sort by the Model's Labels", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.exec()
        return box.clickedButton() is go_on

    def sort_into_folders(self) -> None:
        session = self.session
        if session.folder is None or session.scanning or session.busy:
            return
        if session.corrections_error is not None and not self.confirm_without_corrections(
            session.corrections_error
        ):
            session.show_status("Not sorted: your labels could not be read.", 8000)
            self.sort_finished.emit(None)
            return
        try:
            plan = self.build_plan()
        except OSError as exc:
            session.show_message(QMessageBox.Icon.Warning, "Cannot sort", describe_error(exc))
            self.sort_finished.emit(None)
            return
        if not plan.moves:
            session.show_message(
                QMessageBox.Icon.Information, "Nothing to sort", nothing_to_sort_text(plan)
            )
            self.sort_finished.emit(None)
            return
        # A refused destination (a link, a file) stops the whole sort, as on the command line:
        # the preview says why and offers no way to go on.
        confirmed = self.confirm_sort(plan)
        if confirmed is None or confirmed.refused:
            self.sort_finished.emit(None)
            return
        plan = confirmed
        self.scans.stop(wait=True)
        progress = self._progress_dialog("Moving photos…", len(plan.moves))
        task = session.run_task(
            lambda task: execute_plan(plan, progress=task.report, cancel=task.cancelled),
            lambda report: self._sort_done(report, progress),
            lambda exc: self._sort_failed(exc, progress),
            lambda done, total: progress.setValue(done),
            moves_files=True,
        )
        progress.canceled.connect(task.cancel)

    def undo_last_sort(self) -> None:
        """Put the photos of the folder's last sort back; a scan under way stops first."""
        session = self.session
        if session.folder is None:
            return
        if session.busy:
            session.show_status("Photos are being moved; undo once that has finished.", 6000)
            return
        folder = session.folder
        self.scans.stop(wait=True)
        progress = self._progress_dialog("Putting photos back…", 0)
        progress.setCancelButton(None)  # an undo half done is worse than one finished
        session.run_task(
            lambda _task: undo_last(folder),
            lambda report: self._undo_done(report, progress),
            lambda exc: self._undo_failed(exc, progress),
            moves_files=True,
        )

    def show_last_sort(self) -> None:
        """What the newest sort of the folder moved, and where; Undo is one click from it."""
        session = self.session
        folder = session.folder
        if folder is None:
            return
        try:
            infos = list_journals(folder)
            info = infos[0] if infos else None
            journal = read_journal(info.path, folder) if info and info.problem is None else None
        except OSError as exc:
            session.show_message(QMessageBox.Icon.Warning, "Last Sort", describe_error(exc))
            return
        if info is None:
            session.show_message(
                QMessageBox.Icon.Information,
                "Last Sort",
                "There is no sort of this folder to show (none yet, or it was undone).",
            )
            return
        if journal is None or info.problem is not None:
            session.show_message(
                QMessageBox.Icon.Warning, "Last Sort", f"It cannot be shown: {info.problem}."
            )
            return
        moves = moved_files(journal)
        dialog = LastSortDialog(resolve_folder(folder), info.started, moves, self.dialog_parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.undo_last_sort()

    def _progress_dialog(self, text: str, total: int) -> QProgressDialog:
        dialog = QProgressDialog(text, "Stop", 0, total, self.dialog_parent)
        dialog.setWindowTitle("DogCat Sorter")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _sort_done(self, report: SortReport, progress: QProgressDialog) -> None:
        session = self.session
        progress.close()
        if session.corrections is not None:
            session.corrections.follow(report.moved_files)
        # Label changes named the photos where they were; from here Ctrl+Z undoes the sort.
        session.files_moved.emit(report.moved_files)
        session.undo_stack.clear()
        if report.moved:
            session.undo_stack.push(SortCommand(self.undo_last_sort, report.moved))
        title, text, details = sort_report_text(report)
        problems = bool(report.failures or report.error)
        session.show_message(
            QMessageBox.Icon.Warning if problems else QMessageBox.Icon.Information,
            title,
            text,
            details,
        )
        self.sort_finished.emit(report)
        self.scans.start()

    def _sort_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.session.show_message(
            QMessageBox.Icon.Warning, "The photos were not sorted", describe_error(exc)
        )
        self.sort_finished.emit(None)

    def _undo_done(self, report: UndoReport, progress: QProgressDialog) -> None:
        session = self.session
        progress.close()
        if session.corrections is not None:
            session.corrections.follow(report.restored_files)
        session.undo_stack.clear()  # its commands named the photos where the sort put them
        session.files_moved.emit(report.restored_files)
        title, text = undo_report_text(report)
        icon = QMessageBox.Icon.Information if report.complete else QMessageBox.Icon.Warning
        session.show_message(icon, title, text)
        self.undo_finished.emit(report)
        self.scans.start()

    def _undo_failed(self, exc: BaseException, progress: QProgressDialog) -> None:
        progress.close()
        self.session.show_message(QMessageBox.Icon.Warning, "Undo did not run", describe_error(exc))
        self.undo_finished.emit(None)
