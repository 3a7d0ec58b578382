"""Window-test fixtures: offscreen Qt, isolated settings, real photos, no blocking boxes."""

from __future__ import annotations

import gc
import os
import shutil
import threading
from pathlib import Path

import pytest
from support import BUNDLED_MODEL

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QThread
from PySide6.QtWidgets import QMessageBox

SMALL_MODEL = Path("/tmp/smodel")
SCAN_TIMEOUT_MS = 60_000


def model_directory() -> Path | None:
    """The bundled model when it has been built, else the small stand-in with the same API."""
    for candidate in (BUNDLED_MODEL, SMALL_MODEL):
        if (candidate / "model.tflite").exists() and (candidate / "model_card.json").exists():
            return candidate
    return None


@pytest.fixture(autouse=True)
def _isolated_qt(tmp_path, monkeypatch):
    """Settings in a temporary folder, the available model, and message boxes that never wait."""
    directory = model_directory()
    if directory is None:
        pytest.skip("no classifier model available")
    if directory != BUNDLED_MODEL:
        monkeypatch.setenv("DOGCAT_SORTER_MODEL_DIR", str(directory))
    settings_dir = tmp_path / "settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    shown: list[str] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(box.text())
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


def threads_left() -> list[str]:
    """Threads of ours still running, and Qt objects living on a thread other than the GUI's.

    Either can crash the interpreter later: a thread still running when its QThread or its
    window goes, an object deleted on a worker thread as that thread ends while the GUI thread
    deletes its owner (a SIGSEGV in ``~QObject`` with no Python frame).
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # closed windows go now
    gui = QCoreApplication.instance().thread()
    left = [t.name for t in threading.enumerate() if t.name.startswith("decode")]
    for obj in gc.get_objects():
        if not isinstance(obj, QObject) or not shiboken6.isValid(obj):
            continue
        if isinstance(obj, QThread) and obj is not gui and obj.isRunning():
            left.append(f"{type(obj).__name__} {obj.objectName()!r} still running")
        elif obj.thread() is not gui:
            left.append(f"{type(obj).__name__} lives on {obj.thread().objectName()!r}")
    return left


@pytest.fixture(autouse=True)
def _threads_joined(qapp):
    """After each window test (its windows closed): every thread joined, every object home."""
    yield
    left = threads_left()
    assert not left, f"left behind by the test: {left}"


@pytest.fixture(scope="session")
def photo_sources(shared_data) -> list[Path]:
    cats = sorted((shared_data / "dogs-vs-cats" / "validation" / "cats").glob("*.jpg"))[:10]
    dogs = sorted((shared_data / "dogs-vs-cats" / "validation" / "dogs").glob("*.jpg"))[:10]
    scenes = sorted((shared_data / "other" / "intel-scenes").glob("*.jpg"))[:10]
    if len(cats) < 10 or len(dogs) < 10 or len(scenes) < 10:
        pytest.skip("not enough shared photos")
    return [*cats, *dogs, *scenes]


@pytest.fixture()
def photo_folder(tmp_path, photo_sources) -> Path:
    """30 real photos (10 cats, 10 dogs, 10 scenes) and one corrupt file."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for source in photo_sources:
        shutil.copy2(source, folder / source.name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    return folder


@pytest.fixture()
def window(qtbot):
    from dogcat_desktop.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    if window.session.scanner is None and window.session.model_error is None:
        qtbot.waitSignal(window.session.model_ready, timeout=SCAN_TIMEOUT_MS).wait()
    assert window.session.scanner is not None, window.session.model_error
    return window


@pytest.fixture()
def scan(qtbot):
    """Open a folder and wait until its scan has finished; returns [cancelled, stats]."""

    def run(window, folder: Path, **kwargs):
        with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
            window.scans.open_folder(folder, **kwargs)
        return blocker.args

    return run


@pytest.fixture()
def rescan(qtbot):
    def run(window):
        with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
            window.scans.rescan()
        return blocker.args

    return run
