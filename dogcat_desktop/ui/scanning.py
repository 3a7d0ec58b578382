"""Scanning the open folder on a background thread, with its progress in the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QMessageBox

from ..core.progress import format_duration
from . import settings as keys
from .results_model import Row
from .workers import ScanProgress, ScanStats, ScanWorker

if TYPE_CHECKING:
    from .main_window import MainWindow


class ScanSession(QObject):
    """One scan's worker and thread. Forwards signals to its controller only while it is
    current, so results of a replaced scan that were already on their way are dropped."""

    def __init__(self, scans: ScanController, worker: ScanWorker) -> None:
        super().__init__(scans.window)
        self.scans = scans
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
            self.scans.on_listed(total)

    def _results(self, rows: list) -> None:
        if self.active:
            self.scans.on_results(rows)

    def _progress(self, progress: object) -> None:
        if self.active:
            self.scans.on_progress(progress)

    def _error(self, message: str) -> None:
        if self.active:
            self.scans.on_error(message)

    def _finished(self, cancelled: bool, stats: object) -> None:
        if self.active:
            self.active = False
            self.scans.on_finished(self, cancelled, stats)

    def _thread_done(self) -> None:
        self.scans.sessions.discard(self)
        self.deleteLater()


class ScanController:
    """Starts and stops the window's scans and shows how far the current one has got.

    A scan asked for before the model has loaded waits (``pending``) and starts once it has.
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.session: ScanSession | None = None  # the scan whose results are shown
        self.sessions: set[ScanSession] = set()  # every scan whose thread still runs
        self.scanning = False
        self.pending = False

    def start(self) -> None:
        """Scan the window's folder afresh, replacing any scan under way."""
        window = self.window
        if window.folder is None:
            return
        self.stop(wait=True)
        window.model.clear()
        window.thumbnails.clear()
        window.preview.show_row(None)
        if window.loaded is None:
            if window.model_error:
                window.show_message(QMessageBox.Icon.Critical, "Cannot scan", window.model_error)
                return
            self.pending = True
            window.grid.set_placeholder("Loading the model… the scan starts when it is ready.")
            window.statusBar().showMessage("Loading model… the scan starts when it is ready.")
            window.update_actions()
            return
        window.grid.set_placeholder("Looking for photos…")
        worker = ScanWorker(
            window.loaded,
            window.folder,
            window.action_recursive.isChecked(),
            window.corrections,
        )
        self.session = ScanSession(self, worker)
        self.sessions.add(self.session)
        self.scanning = True
        self.show_progress(True)
        window.progress_bar.setRange(0, 0)
        window.progress_label.setText("Looking for photos…")
        window.statusBar().clearMessage()
        window.update_actions()
        window.scan_started.emit()
        self.session.start()

    def start_pending(self) -> None:
        """Start the scan that waited for the model, if one did."""
        if self.pending:
            self.pending = False
            self.start()

    def cancel(self) -> None:
        """Stop the scan, keeping what it found; or drop the one waiting for the model."""
        if self.session is not None:
            self.session.stop(wait=False)
            self.window.progress_label.setText("Stopping…")
        elif self.pending:
            self.pending = False
            self.window.update_actions()

    def stop(self, wait: bool) -> None:
        if self.session is not None:
            self.session.stop(wait=wait)
            self.session = None
        self.scanning = False

    def stop_all(self) -> None:
        """Stop every scan and wait for their threads, so none outlives the window."""
        self.stop(wait=True)
        for session in list(self.sessions):
            session.stop(wait=True)

    def recursive_changed(self, checked: bool) -> None:
        self.window.settings.setValue(keys.RECURSIVE, checked)
        if self.window.folder is not None:
            self.start()

    def show_progress(self, visible: bool) -> None:
        window = self.window
        for widget in (window.progress_bar, window.progress_label, window.cancel_button):
            widget.setVisible(visible)

    # The current session's signals ----------------------------------------------------------------

    def on_listed(self, total: int) -> None:
        window = self.window
        window.progress_bar.setRange(0, max(total, 1))
        window.progress_bar.setValue(0)
        window.progress_label.setText(f"0/{total}")
        if total == 0:
            recursive = window.action_recursive.isChecked()
            window.grid.set_placeholder(
                "No photos in this folder."
                + ("" if recursive else "\nTurn on “Include subfolders” to look inside folders.")
            )
        else:
            window.grid.set_placeholder("")

    def on_results(self, rows: list[Row]) -> None:
        self.window.model.append(rows)

    def on_progress(self, progress: ScanProgress) -> None:
        self.window.progress_bar.setValue(progress.done)
        speed = f"{progress.per_second:.1f} photos/s" if progress.per_second else "… photos/s"
        self.window.progress_label.setText(
            f"{progress.done}/{progress.total} · {speed} · "
            f"{format_duration(progress.seconds_left)} left"
        )
        self.window.scan_progress.emit(progress)

    def on_error(self, message: str) -> None:
        self.window.show_message(QMessageBox.Icon.Warning, "Scan stopped", message)

    def on_finished(self, session: ScanSession, cancelled: bool, stats: ScanStats) -> None:
        window = self.window
        if session is self.session:
            self.session = None
        self.scanning = False
        self.show_progress(False)
        seconds = f"{stats.seconds:.1f} s"
        cached = f", {stats.from_cache} from the cache" if stats.from_cache else ""
        if cancelled:
            message = f"Scan stopped: {stats.done} of {stats.total} photos scanned."
        else:
            message = f"Scanned {stats.done} photos in {seconds}{cached}."
        window.statusBar().showMessage(message, 10000)
        if cancelled and window.model.rowCount() == 0:
            window.grid.set_placeholder("Scan stopped. Press F5 to scan again.")
        window.update_counts()
        window.refresh_journals()
        window.review.ensure_current()
        window.scan_finished.emit(cancelled, stats)
