"""``dogcat-sorter``: the desktop app.

The window appears at once; the model loads on a background thread, and a folder given on the
command line is scanned as soon as it is ready. ``--self-test FOLDER`` scans a folder, prints
the counts per label and exits, so a packaged build can be checked end to end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# numpy's threaded BLAS stalls a busy two-core machine for the personal layer's small fits
# (see README, "Learning from your labels"); set before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from . import __version__

if TYPE_CHECKING:
    from .ui.main_window import MainWindow

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dogcat-sorter",
        description="Sort a folder of photos into dogs and cats, with a preview before and an "
        "undo after.",
    )
    parser.add_argument(
        "path", nargs="?", type=Path, metavar="PATH", help="a folder of photos to open and scan"
    )
    parser.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    parser.add_argument(
        "--self-test",
        type=Path,
        metavar="FOLDER",
        help="scan FOLDER, print the counts per label and exit",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # For benchmarks/startup.py: print the wall-clock time once the window is on screen, then quit.
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    return parser


def open_at_start(window: MainWindow, path: Path | None, recursive: bool) -> None:
    """The folder named on the command line, else the last one; a path that cannot be opened
    is explained in the window, which stays open."""
    if path is None:
        window.scans.reopen_last()
    else:
        window.scans.open_folder(path, recursive=recursive or None)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test is not None and not args.self_test.is_dir():
        print(f"dogcat-sorter: {args.self_test} is not a folder", file=sys.stderr)
        return EXIT_USAGE

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .core.review import ReviewStatus
    from .resources import resources_dir
    from .ui.main_window import MainWindow
    from .ui.settings import APPLICATION, ORGANIZATION

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("DogCat Sorter")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("dogcat-sorter")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "dogcat-sorter.svg")))

    self_test = args.self_test is not None
    window = MainWindow(interactive=not self_test)
    window.show()
    if args.quit_when_shown:

        def shown() -> None:
            app.processEvents()
            print(f"shown {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
        return app.exec()
    if self_test:
        window.scans.open_folder(args.self_test, recursive=args.recursive or None)
    else:
        open_at_start(window, args.path, args.recursive)
        return app.exec()

    outcome = {"code": EXIT_FAILED}

    def report(cancelled: bool, _stats: object) -> None:
        counts = window.session.results.counts()
        print(" ".join(f"{status}={counts.get(status, 0)}" for status in ReviewStatus))
        outcome["code"] = EXIT_FAILED if cancelled else EXIT_OK
        window.close()
        app.quit()

    def failed(message: str) -> None:
        print(f"dogcat-sorter: {message}", file=sys.stderr)
        window.close()
        app.quit()

    window.scans.finished.connect(report)
    window.session.model_failed.connect(failed)
    app.exec()
    return outcome["code"]


if __name__ == "__main__":
    sys.exit(main())
