"""From file names to labels and thumbnails: listing a folder and the scan pipeline.

Each photo is decoded and run through the model on one thread of a pool, every thread with an
interpreter of its own (LiteRT and Pillow release the GIL while they work). Handing the model to
a second thread, or letting one interpreter split each photo over the cores while decoding
threads want them too, cost CPU in hand-offs and in threads spinning at the interpreter's
barriers (README, "one lane per core"). Results come out in the order the photos were taken:
input order, unless a ``ScanOrder`` puts the photos in view first. They carry everything the
CLI and the grid show; known files come from the cache without a decode.
"""

from __future__ import annotations

import os
import queue
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .allocator import keep_decode_buffers
from .cache import CachedResult, ScanCache
from .classifier import Classifier, ModelRunner, Prediction, to_prediction
from .errors import describe_os_error
from .imaging import DecodedImage, ImageReadError, decode, encode_thumbnail, is_image_name
from .labels import SORT_FOLDERS, Status
from .priority import lower_this_thread
from .scan_order import ScanOrder
from .stamp import FileStamp

STATE_DIR_NAME = ".dogcat-sorter"
# Interpreters a scanner keeps at most (about 22 MB each): one per pool thread on a small
# machine; on a large one, fewer, each with a share of the cores.
MAX_RUNNERS = 4


def default_workers() -> int:
    return max(2, os.cpu_count() or 2)


def runner_threads(workers: int) -> int:
    """Threads each of a scan's interpreters uses: the cores shared among them."""
    return max(1, (os.cpu_count() or 1) // min(workers, MAX_RUNNERS))


@dataclass(frozen=True)
class ScanResult:
    """One file's outcome: a prediction, or an error in words a person understands."""

    path: Path
    prediction: Prediction | None
    error: str | None
    thumbnail: bytes | None  # JPEG
    width: int = 0
    height: int = 0
    size: int = 0
    embedding: np.ndarray | None = None
    from_cache: bool = False
    # The version of the file that was classified, which a sort checks before moving it.
    stamp: FileStamp | None = None

    def status(self, threshold: float) -> Status:
        if self.prediction is None:
            return Status.ERROR
        return self.prediction.status(threshold)


def list_photos(folder: Path, recursive: bool = False) -> list[Path]:
    """Photos in a folder, sorted by name; hidden folders and the app's own output skipped.

    Recursion follows symbolic links to folders but never enters one folder twice, so a link
    loop ends. The walk keeps its own stack rather than recursing, so a tree thousands of
    folders deep cannot exhaust Python's; the order is the same depth-first, name-sorted one.
    """
    folder = Path(folder)
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    output_names = {name.lower() for name in SORT_FOLDERS.values()}

    def entries_of(directory: Path) -> Iterator[os.DirEntry[str]]:
        try:
            stat = directory.stat()
        except OSError:
            return iter(())
        if (stat.st_dev, stat.st_ino) in seen:
            return iter(())
        seen.add((stat.st_dev, stat.st_ino))
        try:
            return iter(sorted(os.scandir(directory), key=lambda e: e.name.lower()))
        except OSError:
            return iter(())

    stack = [(entries_of(folder), True)]
    while stack:
        entries, top = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            # A link that cannot be followed (a loop of links): listed as a photo so that it
            # gets a row with the reason, rather than silently going missing from the scan.
            is_dir = False
        if is_dir:
            if recursive and not (top and entry.name.lower() in output_names):
                stack.append((entries_of(Path(entry.path)), False))
        elif is_image_name(entry.name):
            found.append(Path(entry.path))
    return found


def expand_paths(paths: Iterable[Path], recursive: bool = False) -> list[Path]:
    """Command-line arguments to files: folders are listed, files named explicitly are kept
    whatever their type (so a non-image named on purpose gets an error row)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(list_photos(path, recursive))
        else:
            files.append(path)
    return files


@dataclass
class _Decoded:
    image: DecodedImage | None
    error: ImageReadError | None
    thumbnail: bytes | None
    size: int
    mtime_ns: int
    stamp: FileStamp | None = None
    outputs: dict[str, np.ndarray] | None = None  # the model's, for a decoded image


def _decode_file(path: Path) -> _Decoded:
    try:
        stat = path.stat()
    except OSError as exc:
        reason = describe_os_error(exc, side="file")
        return _Decoded(None, ImageReadError(reason, False), None, 0, 0)
    stamp = FileStamp.of(stat)
    try:
        image = decode(path)
    except ImageReadError as exc:
        return _Decoded(None, exc, None, stat.st_size, stat.st_mtime_ns, stamp)
    thumbnail = encode_thumbnail(image.thumbnail)
    return _Decoded(image, None, thumbnail, stat.st_size, stat.st_mtime_ns, stamp)


def _ordered(paths: Sequence[Path], order: ScanOrder) -> Iterator[Path]:
    """The paths as ``order`` hands them out, asked one at a time so a late wish still counts."""
    while (index := order.take()) is not None:
        yield paths[index]


class Scanner:
    """Runs the pipeline; one instance can scan many times and share its cache."""

    def __init__(
        self,
        classifier: Classifier,
        cache: ScanCache | None = None,
        batch_size: int = 16,
        workers: int | None = None,
        background: bool = False,
    ) -> None:
        self.classifier = classifier
        self.cache = cache
        self.batch_size = batch_size
        self.workers = workers or default_workers()
        # Interpreters for the pool threads, kept between scans. Made here, on the thread that
        # loads the model, never on the pool's: glibc gives each thread a malloc arena of 64 MB
        # heaps, and an interpreter made on a pool thread left too little room there for the
        # decode buffers, which then went back to the system after every photo (a WebP
        # page-faulted 1,300 times instead of a few and took 12% more CPU; README, "one lane
        # per core").
        self._runners: queue.SimpleQueue[ModelRunner] = queue.SimpleQueue()
        threads = runner_threads(self.workers)
        reused = classifier.main_runner.threads == threads  # made already: use it
        if reused:
            self._runners.put(classifier.main_runner)
        for _ in range(min(self.workers, MAX_RUNNERS) - reused):
            self._runners.put(classifier.runner(threads=threads))
        # In the GUI, decoding threads run at background priority (see core.priority).
        self._initializer = lower_this_thread if background else None
        # Every scan (window, CLI, benchmarks) decodes through here: keep the allocator from
        # page-faulting each photo's buffers in anew (see core.allocator).
        keep_decode_buffers()

    def scan(
        self,
        paths: Sequence[Path],
        cancel: Callable[[], bool] | None = None,
        order: ScanOrder | None = None,
    ) -> Generator[ScanResult, None, None]:
        """Yield one result per path, in input order or in the order ``order`` hands them out.

        Stops early (between batches) when cancelled."""
        window = self.batch_size * 3
        pending: deque[tuple[Path, Future[_Decoded] | ScanResult]] = deque()
        with ThreadPoolExecutor(
            self.workers, thread_name_prefix="decode", initializer=self._initializer
        ) as pool:
            upcoming = iter(paths) if order is None else _ordered(paths, order)
            exhausted = False
            while True:
                while not exhausted and len(pending) < window:
                    path = next(upcoming, None)
                    if path is None:
                        exhausted = True
                        break
                    cached = self._from_cache(path)
                    pending.append((path, cached or pool.submit(self._decode_and_run, path)))
                if not pending:
                    return
                if cancel and cancel():
                    for _, item in pending:
                        if isinstance(item, Future):
                            item.cancel()
                    return
                yield from self._next_batch(pending)

    def _decode_and_run(self, path: Path) -> _Decoded:
        """On a pool thread: one photo decoded and through the model."""
        decoded = _decode_file(path)
        if decoded.image is None:
            return decoded
        runner = self._runners.get()
        try:
            decoded.outputs = runner.run(decoded.image.pixels)
        finally:
            self._runners.put(runner)
        return decoded

    def _next_batch(
        self, pending: deque[tuple[Path, Future[_Decoded] | ScanResult]]
    ) -> list[ScanResult]:
        """Up to batch_size newly classified photos off the front (and any cache hits between)."""
        taken: list[tuple[Path, ScanResult | _Decoded]] = []
        decoded_count = 0
        while pending and decoded_count < self.batch_size:
            path, waiting = pending.popleft()
            item: ScanResult | _Decoded = (
                waiting.result() if isinstance(waiting, Future) else waiting
            )
            if isinstance(item, _Decoded) and item.image is not None:
                decoded_count += 1
            taken.append((path, item))
        results = []
        for path, item in taken:
            if isinstance(item, ScanResult):
                results.append(item)
                continue
            if item.image is None:
                result = ScanResult(
                    path, None, str(item.error), None, size=item.size, stamp=item.stamp
                )
                if item.error is not None and item.error.lasting:
                    self._store(path, item, result)
            else:
                assert item.outputs is not None  # every decoded image went through the model
                probabilities = item.outputs["probabilities"][0]
                embedding = item.outputs["embedding"][0].astype(np.float16)
                result = ScanResult(
                    path,
                    to_prediction(probabilities),
                    None,
                    item.thumbnail,
                    item.image.width,
                    item.image.height,
                    item.size,
                    embedding,
                    stamp=item.stamp,
                )
                self._store(path, item, result)
            results.append(result)
        return results

    def _from_cache(self, path: Path) -> ScanResult | None:
        if self.cache is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        hit = self.cache.get(path, stat.st_size, stat.st_mtime_ns)
        if hit is None:
            return None
        prediction = to_prediction(hit.probabilities) if hit.probabilities is not None else None
        return ScanResult(
            path,
            prediction,
            hit.error,
            hit.thumbnail,
            hit.width,
            hit.height,
            stat.st_size,
            hit.embedding,
            from_cache=True,
            stamp=FileStamp.of(stat),
        )

    def _store(self, path: Path, decoded: _Decoded, result: ScanResult) -> None:
        if self.cache is None:
            return
        probabilities = (
            np.array(result.prediction.probabilities, np.float32) if result.prediction else None
        )
        self.cache.put(
            path,
            decoded.size,
            decoded.mtime_ns,
            CachedResult(
                probabilities,
                result.embedding,
                result.thumbnail,
                result.width,
                result.height,
                result.error,
            ),
        )
