"""The GUI under load, in its own process: memory with a big grid, event-loop lateness while
scanning. Prints one JSON line. Used by ``benchmarks/run.py``.

    python benchmarks/gui_probe.py FOLDER [--stall-folder FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would include the parent's)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--stall-folder", type=Path)
    args = parser.parse_args()

    import tempfile

    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    scratch = Path(tempfile.mkdtemp(prefix="dogcat-gui-probe-"))
    os.environ["DOGCAT_SORTER_CACHE_DIR"] = str(scratch / "cache")
    os.environ["DOGCAT_SORTER_DATA_DIR"] = str(scratch / "data")
    QCoreApplication.setOrganizationName("DogCat Sorter Benchmarks")
    app = QApplication(sys.argv[:1])
    from dogcat_desktop.ui.main_window import MainWindow

    window = MainWindow(interactive=False)
    window.resize(1280, 800)
    window.show()
    figures: dict = {}

    def scan(folder: Path) -> float:
        done = {"finished": False}
        window.scans.finished.connect(lambda *_: done.__setitem__("finished", True))
        started = time.perf_counter()
        window.scans.open_folder(folder, recursive=False)
        while not done["finished"]:
            app.processEvents()
            time.sleep(0.001)
        return time.perf_counter() - started

    if args.stall_folder:
        # A 5 ms timer that measures its own lateness while the window scans.
        late: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        expected = {"at": 0}
        timer = QTimer()
        timer.setInterval(5)

        def tick() -> None:
            now = clock.elapsed()
            if expected["at"]:
                late.append(max(0, now - expected["at"]))
            expected["at"] = now + 5

        timer.timeout.connect(tick)
        timer.start()
        seconds = scan(args.stall_folder)
        timer.stop()
        figures.update(
            stall_photos=window.session.results.rowCount(),
            stall_scan_s=seconds,
            stall_p99_ms=percentile(late, 0.99),
            stall_max_ms=max(late, default=0.0),
        )

    seconds = scan(args.folder)
    # Scroll through the whole grid so thumbnails are really painted, as a user would.
    bar = window.grid.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep())):
        bar.setValue(value)
        window.grid.viewport().grab()
        app.processEvents()
    figures.update(
        rows=window.session.results.rowCount(),
        scan_s=seconds,
        peak_rss_mb=peak_rss_mb(),
    )
    print(json.dumps(figures), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
