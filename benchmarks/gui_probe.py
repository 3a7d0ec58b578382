"""The GUI under load, in its own process. Prints one JSON line; used by ``benchmarks/run.py``.

    python benchmarks/gui_probe.py FOLDER [--stall-folder F] [--first-folder F] [--cache-dir D]

In this order, in one window of 1280x800:
- first screenful (``--first-folder``, photos not in the cache): time from opening the folder to
  the first thumbnail painted, to every cell in view showing a classified photo, and to a usable
  grid (a row for every photo, so any of them can be scrolled to); then the scan is cancelled;
- responsiveness while scanning (``--stall-folder``): a 5 ms timer measures its own lateness;
- ``FOLDER``, classified beforehand into ``--cache-dir`` (as a folder opened a second time):
  the grid holding every photo, scrolled end to end one page per frame with the 5 ms timer
  running, then this process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAME_MS = 16  # one scroll step per frame, as a fast continuous scroll


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would include the parent's)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


class Lateness:
    """A 5 ms timer that records how late each of its ticks is: the event loop's stalls."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.late: list[float] = []
        self._clock = QElapsedTimer()
        self._expected = 0
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

    def __enter__(self) -> Lateness:
        self._clock.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = self._clock.elapsed()
        if self._expected:
            self.late.append(max(0, now - self._expected))
        self._expected = now + 5

    def figures(self, prefix: str) -> dict:
        return {
            f"{prefix}_p99_ms": percentile(self.late, 0.99),
            f"{prefix}_max_ms": max(self.late, default=0.0),
        }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--stall-folder", type=Path)
    parser.add_argument("--first-folder", type=Path)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    scratch = Path(tempfile.mkdtemp(prefix="dogcat-gui-probe-"))
    os.environ["DOGCAT_SORTER_CACHE_DIR"] = str(args.cache_dir or scratch / "cache")
    os.environ["DOGCAT_SORTER_DATA_DIR"] = str(scratch / "data")
    QCoreApplication.setOrganizationName("DogCat Sorter Benchmarks")
    app = QApplication(sys.argv[:1])
    from dogcat_desktop.ui.main_window import MainWindow

    window = MainWindow(interactive=False)
    window.resize(1280, 800)
    window.show()
    figures: dict = {}

    def run_until(done: Callable[[], bool]) -> None:
        while not done():
            app.processEvents()
            time.sleep(0.001)

    run_until(lambda: window.session.scanner is not None)  # the model loads at start-up

    def scan(folder: Path) -> float:
        state = {"finished": False}
        window.scans.finished.connect(lambda *_: state.__setitem__("finished", True))
        started = time.perf_counter()
        window.scans.open_folder(folder, recursive=False)
        run_until(lambda: state["finished"])
        return time.perf_counter() - started

    if args.first_folder:
        figures.update(first_screenful(app, window, args.first_folder))

    if args.stall_folder:
        with Lateness() as lateness:
            seconds = scan(args.stall_folder)
        figures.update(
            stall_photos=window.session.results.rowCount(),
            stall_scan_s=seconds,
            **lateness.figures("stall"),
        )

    seconds = scan(args.folder)
    decoded_before = window.thumbnails.decoded
    scroll_s, lateness = scroll_end_to_end(app, window)
    figures.update(
        rows=window.session.results.rowCount(),
        scan_s=seconds,
        scroll_s=scroll_s,
        # Thumbnails decoded on the way: a page is up for one frame, so some are skipped.
        scroll_thumbnails=window.thumbnails.decoded - decoded_before,
        **lateness.figures("scroll"),
        peak_rss_mb=peak_rss_mb(),
    )
    print(json.dumps(figures), flush=True)
    window.close()
    return 0


def visible_rows(window) -> list:
    """The rows whose cells are in the grid's viewport now."""
    from PySide6.QtCore import QPoint

    grid, proxy = window.grid, window.proxy
    viewport = grid.viewport().rect()
    first = grid.indexAt(QPoint(grid.spacing() + 1, grid.spacing() + 1))
    rows = []
    number = max(0, first.row())
    while number < proxy.rowCount():
        index = proxy.index(number, 0)
        rect = grid.visualRect(index)
        if rect.top() > viewport.bottom():
            break
        if rect.intersects(viewport):
            rows.append(proxy.results_row(index))
        number += 1
    return rows


def screen_capacity(window) -> int:
    """How many cells the viewport shows when the grid is full."""
    cell = window.grid.gridSize()
    viewport = window.grid.viewport().rect()
    columns = max(1, viewport.width() // max(1, cell.width()))
    rows = -(-viewport.height() // max(1, cell.height()))
    return columns * rows


def first_screenful(app, window, folder: Path) -> dict:
    """Open ``folder`` and time what a person sees; then cancel the scan."""
    total = {"photos": None}
    window.scans.listed.connect(lambda count: total.__setitem__("photos", count))
    results = window.session.results
    painted_before = window.thumbnails.decoded
    started = time.perf_counter()
    window.scans.open_folder(folder, recursive=False)
    marks: dict[str, float] = {}
    wanted = ("first_thumbnails_s", "first_screenful_s", "grid_usable_s")
    while not all(key in marks for key in wanted):
        app.processEvents()
        now = time.perf_counter() - started
        painted = window.thumbnails.decoded - painted_before
        if painted and "first_thumbnails_s" not in marks:
            marks["first_thumbnails_s"] = now
        if total["photos"] and results.rowCount() == total["photos"]:
            marks.setdefault("grid_usable_s", now)
        rows = visible_rows(window) if painted else []
        full = len(rows) >= min(screen_capacity(window), total["photos"] or 0)
        classified = [r for r in rows if _classified(results.row(r))]
        if rows and full and len(classified) == len(rows) and painted >= len(rows):
            marks.setdefault("first_screenful_s", now)
            marks.setdefault("first_screenful_photos", len(rows))
        if now > 300:
            break
        time.sleep(0.001)
    window.scans.cancel()
    while window.session.scanning:
        app.processEvents()
        time.sleep(0.001)
    return {"first_photos": total["photos"], **marks}


def _classified(row) -> bool:
    result = row.result
    return result.prediction is not None or result.error is not None


def scroll_end_to_end(app, window) -> tuple[float, Lateness]:
    """One page down per frame from top to bottom, every cell painted, the 5 ms timer running."""
    from PySide6.QtCore import QEventLoop, QTimer

    bar = window.grid.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    loop = QEventLoop()

    def step() -> None:
        if bar.value() >= bar.maximum():
            loop.quit()
            return
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        window.grid.viewport().repaint()  # paint now, as a visible window would this frame

    stepper = QTimer()
    stepper.setInterval(FRAME_MS)
    stepper.timeout.connect(step)
    started = time.perf_counter()
    with Lateness() as lateness:
        stepper.start()
        loop.exec()
        stepper.stop()
    return time.perf_counter() - started, lateness


if __name__ == "__main__":
    sys.exit(main())
