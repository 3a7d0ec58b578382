"""The program as a whole: command line, start-up time, self-test, painting."""

from __future__ import annotations

import gc
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

    def use() -> None:
        rescan(window)
        for size in (96, 160):
            window.view.set_thumbnail_size(size)
            window.grid.grab()
        window.view.set_filter("unsure")
        window.view.set_filter("all")

    # Counted once what earlier tests left behind is collected and the window has settled: a
    # test before this one in the same process can leave objects holding True or False, whose
    # collection mid-loop looked like a leak (run alone it passed, after test_app's others not).
    use()
    gc.collect()
    before = {name: sys.getrefcount(value) for name, value in SINGLETONS}
    for _ in range(3):
        use()
    gc.collect()
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


def test_a_bad_path_at_start_opens_the_window_with_a_message(window, tmp_path):
    from dogcat_desktop.app import open_at_start

    open_at_start(window, tmp_path / "no such folder", recursive=False)
    title, text = window.messages[-1]
    assert title == "Folder not found" and "does not exist" in text
    assert window.isVisible() and window.session.folder is None
    assert window.stack.currentIndex() == 0  # the empty page, with its Open button


def test_a_photo_at_start_opens_its_folder(window, qtbot, photo_folder):
    from dogcat_desktop.app import open_at_start

    with qtbot.waitSignal(window.scans.finished, timeout=60_000):
        open_at_start(window, photo_folder / "cat.2000.jpg", recursive=False)
    assert window.session.folder == photo_folder


def test_the_last_folder_reopens_on_start_unless_turned_off(window, scan, photo_folder, qtbot):
    from dogcat_desktop.app import open_at_start
    from dogcat_desktop.ui import settings as keys

    scan(window, photo_folder)
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.scans.finished, timeout=60_000):
        open_at_start(again, None, recursive=False)
    assert again.session.folder == photo_folder and again.session.results.rowCount() == 31
    again.close()

    again.session.settings.setValue(keys.REOPEN_LAST, False)
    third = MainWindow(load=False)
    qtbot.addWidget(third)
    open_at_start(third, None, recursive=False)
    assert third.session.folder is None


def test_preferences_turn_reopening_off(window, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from dogcat_desktop.ui import dialogs
    from dogcat_desktop.ui import settings as keys

    def untick_and_ok(dialog) -> int:
        assert dialog.reopen_box.isChecked()  # on by default
        dialog.reopen_box.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.PreferencesDialog, "exec", untick_and_ok)
    window.window_actions[Action.PREFERENCES].trigger()
    assert keys.read_bool(window.session.settings, keys.REOPEN_LAST, True) is False


def test_dropping_something_that_is_not_a_folder_says_so(window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "gone"))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    title, text = window.messages[-1]
    assert title == "Cannot open what was dropped" and "gone" in text
    assert window.session.folder is None


def test_the_whole_toolbar_fits_a_1024_pixel_window(window, scan, photo_folder, qtbot):
    scan(window, photo_folder)  # the Show box now carries counts
    window.resize(1024, 700)
    qtbot.wait(50)
    bar, box = window.toolbar.bar, window.toolbar.filter_box
    assert box.isVisible() and box.width() >= box.sizeHint().width()
    for key in (Action.OPEN, Action.UNDO_SORT, Action.SORT):
        button = bar.widgetForAction(window.window_actions[key])
        assert button.isVisible() and button.width() >= button.sizeHint().width(), key
    assert bar.widgetForAction(window.window_actions[Action.UNDO_SORT]).text() == "Undo Sort"


def test_small_thumbnails_show_the_label_badge_alone(window, scan, photo_folder, monkeypatch):
    from dogcat_desktop.ui.delegate import MIN_THUMBNAIL, PhotoDelegate

    scan(window, photo_folder)
    pills: list[str] = []
    real = PhotoDelegate._pill

    def record(self, painter, rect, background, foreground, text):
        pills.append(text)
        return real(self, painter, rect, background, foreground, text)

    monkeypatch.setattr(PhotoDelegate, "_pill", record)
    window.resize(QSize(900, 700))
    window.view.set_thumbnail_size(MIN_THUMBNAIL)
    window.grid.grab()
    assert pills and not any(text.endswith("%") for text in pills)  # the photo stays visible
    pills.clear()
    window.view.set_thumbnail_size(256)
    window.grid.grab()
    assert any(text.endswith("%") for text in pills)


def test_a_closed_window_starts_no_background_work(window, qtbot):
    """A result arriving after the window closed (a refit's, the model's) starts no task or scan:
    a thread still running when the window is deleted aborts the process."""
    window.close()
    task = window.session.run_task(lambda _task: None, lambda _result: None, lambda _exc: None)
    assert not task.isRunning() and not window.session.busy
    window.session.folder = window.session.folder or Path.cwd()
    window.scans.start()
    assert window.scans.current is None and not window.scans.runs


def test_damaged_species_means_are_reported(qtbot, tmp_path, monkeypatch):
    """A damaged install's species_means.npz is said in a box; the app goes on without it."""
    import shutil

    from support import BUNDLED_MODEL

    model = tmp_path / "model"
    shutil.copytree(BUNDLED_MODEL, model)
    (model / "species_means.npz").write_bytes(b"not an archive")
    monkeypatch.setenv("DOGCAT_SORTER_MODEL_DIR", str(model))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: any(t == "Named pets" for t, _ in window.messages), timeout=30_000)
    text = next(text for title, text in window.messages if title == "Named pets")
    assert "species_means.npz cannot be read" in text
    assert window.session.scanner is not None  # the model itself loaded
