"""Work that must not freeze the window: loading the model, scanning, sorting, undoing.

Each runs on its own thread and talks to the window only through queued signals, so the event
loop stays free; results travel in batches so 10,000 rows do not mean 10,000 repaints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from ..core.corrections import CorrectionStore
from ..core.errors import describe_os_error
from ..core.pipeline import Reviewed, attach_corrections, open_scanner
from ..core.priority import lower_this_thread
from ..core.progress import Rate
from ..core.scan import Scanner, list_photos
from ..core.scan_order import ScanOrder
from .results_model import Row, slim

BATCH_ROWS = 32
BATCH_SECONDS = 0.05


def load_model(model_dir: Path) -> Scanner:
    """The window's scanner, on a background thread lowered first, so the model runtime's
    worker threads, which it starts here, inherit background priority."""
    lower_this_thread()
    return open_scanner(model_dir, background=True)


@dataclass(frozen=True)
class ScanProgress:
    done: int
    total: int
    per_second: float
    seconds_left: float | None


@dataclass(frozen=True)
class ScanStats:
    folder: Path
    total: int  # photos found
    done: int  # results delivered
    from_cache: int
    errors: int
    seconds: float
    cancelled: bool = False


class ScanWorker(QObject):
    """Scans one folder when ``run()`` is called on a ``ScanThread``. ``cancel()`` and
    ``prefer()`` may be called from any thread."""

    found = Signal(list)  # list[Path]: every photo, before the first result
    listed = Signal(int)  # how many
    results = Signal(list)  # list[Row], in scan order: the photos in view first
    progress = Signal(object)  # ScanProgress
    finished = Signal(bool, object)  # cancelled, ScanStats
    error = Signal(str)

    def __init__(
        self,
        scanner: Scanner,
        folder: Path,
        recursive: bool,
        corrections: CorrectionStore | None = None,
    ) -> None:
        super().__init__()
        self.scanner = scanner
        self.folder = Path(folder)
        self.recursive = recursive
        self.corrections = corrections
        self._cancel = threading.Event()
        self._order_lock = threading.Lock()
        self._order: ScanOrder | None = None
        self._numbers: dict[Path, int] = {}
        self._wish: list[Path] = []

    def cancel(self) -> None:
        self._cancel.set()

    def prefer(self, paths: list[Path]) -> None:
        """Classify these next (the photos in view); any thread, before or during the scan."""
        with self._order_lock:
            self._wish = list(paths)
            if self._order is not None:
                numbers = self._numbers
                self._order.prefer(numbers[p] for p in self._wish if p in numbers)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        lower_this_thread()  # the model runs on this thread too: the window goes first
        started = time.monotonic()
        done = from_cache = errors = 0
        total = 0
        try:
            paths = list_photos(self.folder, self.recursive)
            total = len(paths)
            order = ScanOrder(total)
            with self._order_lock:
                self._numbers = {path: number for number, path in enumerate(paths)}
                self._order = order
            self.prefer(self._wish)
            self.found.emit(paths)
            self.listed.emit(total)
            rate = Rate(total)
            batch: list[Row] = []
            last_emit = time.monotonic()
            keep_thumbnails = self.scanner.cache is None
            results = self.scanner.scan(paths, cancel=self._cancel.is_set, order=order)
            try:
                for item in attach_corrections(results, self.corrections):
                    if self._cancel.is_set():
                        # Drain the batch already computed; the scanner stops before the next.
                        continue
                    result = item.result
                    batch.append(self._row(item, keep_thumbnails))
                    done += 1
                    from_cache += result.from_cache
                    errors += result.prediction is None
                    rate.update(done)
                    now = time.monotonic()
                    if len(batch) >= BATCH_ROWS or now - last_emit >= BATCH_SECONDS:
                        self._emit(batch, rate)
                        batch, last_emit = [], now
            finally:
                results.close()
            if batch and not self._cancel.is_set():
                self._emit(batch, rate)
            elif batch:
                done -= len(batch)
        except Exception as exc:  # shown to the person as a message, never a traceback
            self.error.emit(describe_scan_error(exc, self.folder))
        cancelled = self._cancel.is_set() and done < total
        stats = ScanStats(
            self.folder, total, done, from_cache, errors, time.monotonic() - started, cancelled
        )
        self.finished.emit(cancelled, stats)

    def _emit(self, batch: list[Row], rate: Rate) -> None:
        self.results.emit(batch)
        self.progress.emit(ScanProgress(rate.done, rate.total, rate.per_second, rate.seconds_left))

    @staticmethod
    def _row(item: Reviewed, keep_thumbnail: bool) -> Row:
        return Row(slim(item.result, keep_thumbnail), item.version.mtime_ns, item.correction)


class ScanThread(QThread):
    """Runs one ``ScanWorker`` with no event loop of its own.

    The worker is never moved here: it stays a GUI-thread object whose signals reach the window
    queued, as a ``Task``'s do. So nothing is posted to, or deleted on, the scan thread. (Deleting
    the worker there with ``deleteLater`` as the thread ended raced with the GUI thread deleting
    its owner, and crashed in ``~QObject`` now and then.) Join it (``wait()``) before deleting it.
    """

    def __init__(self, worker: ScanWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setObjectName("scan")

    def run(self) -> None:
        self.worker.run()


def describe_scan_error(exc: BaseException, folder: Path) -> str:
    if isinstance(exc, PermissionError):
        return f"You do not have permission to read the folder “{folder}”."
    if isinstance(exc, FileNotFoundError):
        return f"The folder “{folder}” no longer exists."
    if isinstance(exc, OSError):
        return f"The folder “{folder}” could not be read ({describe_os_error(exc)})."
    return f"The scan stopped because of an unexpected problem: {exc}"


class Task(QThread):
    """One call on a background thread, for short jobs (load the model, sort, undo).

    ``fn`` receives the task so it can report progress and see a cancel request.
    """

    succeeded = Signal(object)
    failed = Signal(object)  # the exception, turned into words by the window
    progressed = Signal(int, int)

    def __init__(self, fn: Callable[[Task], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)

    def run(self) -> None:
        try:
            result = self._fn(self)
        except Exception as exc:
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
