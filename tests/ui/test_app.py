"""The program as a whole: command line, start-up time, self-test, painting."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSize
from support import child_env

from dogcat_desktop.app import build_parser
from dogcat_desktop.core.paths import user_data_dir
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.main_window import MainWindow

SINGLETONS = (("None", None), ("True", True), ("False", False))


def test_window_shows_before_the_model_is_loaded(qtbot):
    started = time.monotonic()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert time.monotonic() - started < 2.0
    if window.session.scanner is None:
        assert window.statusBar().currentMessage() == "Loading model…"
    qtbot.waitUntil(lambda: window.session.scanner is not None, timeout=60_000)
    assert window.stack.currentIndex() == 0  # the empty state, with its Open button
    assert window.empty_page.button.isVisible()


def test_command_line():
    args = build_parser().parse_args(["/photos", "--recursive"])
    assert args.path == Path("/photos") and args.recursive and args.self_test is None
    assert build_parser().parse_args(["--self-test", "x"]).self_test == Path("x")


def test_self_test_prints_counts(photo_folder):
    env = child_env(QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "dogcat_desktop", "--self-test", str(photo_folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"dog=(\d+) cat=(\d+) other=(\d+) unsure=(\d+) error=(\d+)", line)
    assert match, line
    counts = [int(n) for n in match.groups()]
    assert sum(counts) == 31 and counts[-1] == 1


def test_grid_paints_every_state(window, scan, photo_folder):
    scan(window, photo_folder)
    window.grid.selectionModel().select(
        window.proxy.index(0, 0), window.grid.selectionModel().SelectionFlag.Select
    )
    window.review.mark("cat")
    for size in (96, 256):
        window.view.set_thumbnail_size(size)
        window.resize(QSize(900, 700))
        image = window.grid.grab().toImage()
        assert not image.isNull()
    assert window.thumbnails.decoded > 0


def test_pyside_does_not_leak_none_or_bools(window, scan, rescan, photo_folder):
    """PySide6 6.12.0 drops a reference to None/True/False on many calls, which aborts Python
    before 3.12 after a few minutes of use; pyproject.toml excludes it. This catches a build
    with that defect: the counts must not fall while the UI works."""
    scan(window, photo_folder)
    before = {name: sys.getrefcount(value) for name, value in SINGLETONS}
    for _ in range(3):
        rescan(window)
        for size in (96, 160):
            window.view.set_thumbnail_size(size)
            window.grid.grab()
        window.view.set_filter("unsure")
        window.view.set_filter("all")
    for name, value in SINGLETONS:
        leaked = before[name] - sys.getrefcount(value)
        assert leaked < 50, f"{name} lost {leaked} references"


def test_missing_model_is_explained(qtbot, tmp_path, monkeypatch, photo_folder):
    monkeypatch.setenv("DOGCAT_SORTER_MODEL_DIR", str(tmp_path / "no-model"))
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.session.model_failed, timeout=30_000):
        window.show()
    assert "could not be loaded" in window.messages[-1][1]
    window.scans.open_folder(photo_folder)
    assert window.messages[-1][0] == "Cannot scan"
    assert not window.window_actions[Action.RESCAN].isEnabled()


def test_damaged_labels_are_reported_and_left_alone(qtbot):
    """A person's labels are never skipped without a word: the window says why they are off."""
    store = user_data_dir() / "corrections.sqlite3"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"this is not a database" * 50)
    window = MainWindow(load=False)
    qtbot.addWidget(window)

    qtbot.waitUntil(lambda: bool(window.messages), timeout=5000)
    title, text = window.messages[-1]
    assert title == "Labels not available" and str(store) in text
    assert window.session.corrections is None
    assert store.read_bytes() == b"this is not a database" * 50
