"""Opening a folder and scanning it on a background thread.

The controller changes the session and says how the scan goes through its signals; the window
shows that in its status bar and grid.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from . import settings as keys
from .results_model import Row
from .session import Session
from .workers import ScanProgress, ScanStats, ScanThread, ScanWorker

# Placeholder rows added per turn of the event loop: in "least sure first" order each costs
# Python comparisons, and 100,000 at once held the window for seconds.
WAITING_CHUNK = 500


class ScanRun(QObject):
    """One scan's worker and thread. Forwards signals to its controller only while it is
    current, so results of a replaced scan that were already on their way are dropped."""

    def __init__(self, scans: ScanController, worker: ScanWorker) -> None:
        super().__init__(scans)
        self.scans = scans
        self.worker = worker
        worker.setParent(self)  # deleted with the run, on the GUI thread, once its thread is joined
        self.active = True
        self.worker_thread = ScanThread(worker, self)
        worker.found.connect(self._found)
        worker.listed.connect(self._listed)
        worker.results.connect(self._results)
        worker.progress.connect(self._progress)
        worker.error.connect(self._error)
        worker.finished.connect(self._finished)
        self.worker_thread.finished.connect(self._thread_done)
        self._unlisted: list[Path] = []  # found, not yet given a placeholder row
        self._add_timer = QTimer(self, singleShot=True, interval=0)
        self._add_timer.timeout.connect(self._add_waiting)

    def start(self) -> None:
        self.worker_thread.start()

    def stop(self, wait: bool) -> None:
        """Cancel; with ``wait`` also forget it, returning once its thread has ended."""
        self.worker.cancel()
        if wait:
            self.active = False
            self.worker_thread.wait()

    def _found(self, paths: list[Path]) -> None:
        if self.active:
            self._unlisted = paths[::-1]  # taken from the end, first photos first
            self._add_waiting()

    def _add_waiting(self) -> None:
        if not self.active:
            return
        chunk = self._unlisted[-WAITING_CHUNK:][::-1]
        del self._unlisted[-WAITING_CHUNK:]
        self.scans.session.results.add_waiting(chunk)
        if self._unlisted:
            self._add_timer.start()

    def _listed(self, total: int) -> None:
        if self.active:
            self.scans.on_listed(total)

    def _results(self, rows: list[Row]) -> None:
        if self.active:
            self.scans.session.results.append(rows)

    def _progress(self, progress: ScanProgress) -> None:
        if self.active:
            self.scans.progress.emit(progress)

    def _error(self, message: str) -> None:
        if self.active:
            self.scans.session.show_message(QMessageBox.Icon.Warning, "Scan stopped", message)

    def _finished(self, cancelled: bool, stats: ScanStats) -> None:
        if self.active:
            self.active = False
            self._unlisted = []
            self.scans.session.results.drop_waiting()
            self.scans.on_finished(self, cancelled, stats)

    def _thread_done(self) -> None:
        # ``finished`` comes just before the thread's last steps: join it before it is deleted.
        self.worker_thread.wait()
        self.scans.runs.discard(self)
        self.deleteLater()


class ScanController(QObject):
    """Opens folders and scans them, one scan shown at a time.

    A scan asked for before the model has loaded waits (``pending``) and starts once it has.
    """

    cleared = Signal()  # the rows of the previous scan are gone
    started = Signal()
    listed = Signal(int)  # photos found
    progress = Signal(object)  # ScanProgress
    stopping = Signal()
    finished = Signal(bool, object)  # cancelled, ScanStats
    placeholder = Signal(str)  # what the empty grid says
    recursive_changed = Signal(bool)

    def __init__(self, session: Session, dialog_parent: QWidget) -> None:
        super().__init__(session)
        self.session = session
        self.dialog_parent = dialog_parent
        self.current: ScanRun | None = None  # the scan whose results are shown
        self.runs: set[ScanRun] = set()  # every scan whose thread still runs
        self.scanning = False
        self.pending = False
        self.recursive = keys.read_bool(session.settings, keys.RECURSIVE, False)
        session.model_ready.connect(self.start_pending)
        session.model_failed.connect(lambda _message: self._set_state(self.scanning, False))

    # Folders --------------------------------------------------------------------------------------

    def open_folder_dialog(self) -> None:
        settings = self.session.settings
        start = str(self.session.folder or settings.value(keys.LAST_FOLDER, "") or Path.home())
        chosen = QFileDialog.getExistingDirectory(
            self.dialog_parent, "Open a Folder of Photos", start
        )
        if chosen:
            self.open_folder(Path(chosen))

    def reopen_last(self) -> None:
        """At start: the folder open last time, unless the person turned that off."""
        settings = self.session.settings
        last = settings.value(keys.LAST_FOLDER)
        if not last or not keys.read_bool(settings, keys.REOPEN_LAST, True):
            return
        folder = Path(str(last))
        if folder.is_dir():
            self.open_folder(folder)
        else:
            self.session.show_status(f"The last folder, {folder}, is no longer there.", 10000)

    def open_folder(self, folder: Path, recursive: bool | None = None) -> None:
        """Open and scan ``folder``; a photo opens its folder, anything else is explained."""
        folder = Path(folder).expanduser().absolute()
        if folder.is_file():
            folder = folder.parent
        if not folder.is_dir():
            reason = "does not exist" if not folder.exists() else "is not a folder"
            self.session.show_message(
                QMessageBox.Icon.Warning,
                "Folder not found",
                f"“{folder}” {reason}, so there is nothing to open. Choose a folder of photos "
                "with File › Open Folder, or drop one onto the window.",
            )
            return
        if recursive is not None:
            self.set_recursive(recursive, rescan=False)
        self.session.set_folder(folder)
        self.start()

    def set_recursive(self, recursive: bool, rescan: bool = True) -> None:
        """Include subfolders or not; remembered, and the open folder is scanned again."""
        if recursive == self.recursive:
            return
        self.recursive = recursive
        self.session.settings.setValue(keys.RECURSIVE, recursive)
        self.recursive_changed.emit(recursive)
        if rescan and self.session.folder is not None:
            self.start()

    # Scans ----------------------------------------------------------------------------------------

    def rescan(self) -> None:
        if self.session.folder is not None:
            self.start()

    def start(self) -> None:
        """Scan the open folder afresh, replacing any scan under way."""
        session = self.session
        if session.folder is None or session.closed:
            return
        self.stop(wait=True)
        session.results.clear()
        session.results.root = session.folder
        self.cleared.emit()
        if session.scanner is None:
            if session.model_error:
                session.show_message(QMessageBox.Icon.Critical, "Cannot scan", session.model_error)
                return
            self._set_state(False, True)
            self.placeholder.emit("Loading the model… the scan starts when it is ready.")
            session.show_status("Loading model… the scan starts when it is ready.")
            return
        self.placeholder.emit("Looking for photos…")
        worker = ScanWorker(session.scanner, session.folder, self.recursive, session.corrections)
        self.current = ScanRun(self, worker)
        self.runs.add(self.current)
        self._set_state(True, False)
        session.show_status("")
        self.started.emit()
        self.current.start()

    def start_pending(self) -> None:
        """Start the scan that waited for the model, if one did."""
        if self.pending:
            self._set_state(self.scanning, False)
            self.start()

    def cancel(self) -> None:
        """Stop the scan, keeping what it found; or drop the one waiting for the model."""
        if self.current is not None:
            self.current.stop(wait=False)
            self.stopping.emit()
        elif self.pending:
            self._set_state(self.scanning, False)

    def prefer(self, paths: list[Path]) -> None:
        """The photos in view, to be classified before the rest."""
        if self.current is not None:
            self.current.worker.prefer(paths)

    def stop(self, wait: bool) -> None:
        if self.current is not None:
            self.current.stop(wait=wait)
            self.current = None
        self._set_state(False, self.pending)

    def stop_all(self) -> None:
        """Stop every scan and wait for their threads, so none outlives the window."""
        self.stop(wait=True)
        for run in list(self.runs):
            run.stop(wait=True)

    def _set_state(self, scanning: bool, pending: bool) -> None:
        self.scanning, self.pending = scanning, pending
        self.session.set_scanning(scanning or pending)

    # The current scan -----------------------------------------------------------------------------

    def on_listed(self, total: int) -> None:
        self.listed.emit(total)
        if total == 0:
            hint = "\nTurn on “Include subfolders” to look inside folders."
            self.placeholder.emit("No photos in this folder." + ("" if self.recursive else hint))
        else:
            self.placeholder.emit("")

    def on_finished(self, run: ScanRun, cancelled: bool, stats: ScanStats) -> None:
        if run is self.current:
            self.current = None
        self._set_state(False, self.pending)
        seconds = f"{stats.seconds:.1f} s"
        cached = f", {stats.from_cache} from the cache" if stats.from_cache else ""
        if cancelled:
            message = f"Scan stopped: {stats.done} of {stats.total} photos scanned."
        else:
            message = f"Scanned {stats.done} photos in {seconds}{cached}."
        self.session.show_status(message, 10000)
        if cancelled and self.session.results.rowCount() == 0:
            self.placeholder.emit("Scan stopped. Press F5 to scan again.")
        self.session.refresh_journals()
        self.finished.emit(cancelled, stats)
