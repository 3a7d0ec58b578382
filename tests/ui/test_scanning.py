"""Scanning from the window: counts, errors, cancel, cache, waiting for the model."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QMimeData, QPoint, Qt, QThread, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget

from dogcat_desktop.ui import settings as keys
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.filter_model import ResultsFilter
from dogcat_desktop.ui.main_window import MainWindow
from dogcat_desktop.ui.results_model import Role
from dogcat_desktop.ui.scanning import ScanController
from dogcat_desktop.ui.session import Message, Session

SCAN_TIMEOUT_MS = 60_000


def test_scan_fills_the_model_and_lists_errors(window, scan, photo_folder):
    cancelled, stats = scan(window, photo_folder)

    assert not cancelled and not stats.cancelled
    model = window.session.results
    assert model.rowCount() == 31 == stats.done == stats.total
    counts = model.counts()
    assert sum(counts.values()) == model.rowCount()
    assert counts["error"] == 1 == stats.errors
    errors = [row for row in model.rows() if row.result.prediction is None]
    assert [row.path.name for row in errors] == ["broken.jpg"]
    assert errors[0].result.error  # a reason in words
    window.view.set_filter("error")
    assert window.proxy.rowCount() == 1
    assert window.proxy.index(0, 0).data(Role.STATUS) == "error"
    assert "1 error" in window.status_widgets.counts.text()


def test_cancel_half_way_keeps_fewer_rows(window, qtbot, photo_folder, photo_sources):
    for index, source in enumerate(photo_sources):  # 61 files: several scanner batches
        shutil.copy2(source, photo_folder / f"copy-{index}-{source.name}")
    total = len(list(photo_folder.iterdir()))
    window.scans.progress.connect(lambda _progress: window.scans.cancel())

    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
        window.scans.open_folder(photo_folder)

    cancelled, stats = blocker.args
    assert cancelled and stats.cancelled
    assert 0 < window.session.results.rowCount() < total
    assert stats.done == window.session.results.rowCount()
    assert not window.window_actions[Action.CANCEL_SCAN].isEnabled()


def test_rescan_uses_the_cache(window, scan, rescan, photo_folder):
    scan(window, photo_folder)
    hits_before = window.session.scanner.cache.hits

    cancelled, stats = rescan(window)

    assert not cancelled and not stats.cancelled
    assert window.session.scanner.cache.hits > hits_before
    assert stats.from_cache == 31
    assert all(row.result.from_cache for row in window.session.results.rows())
    # Rows keep no thumbnail bytes (the cache has them); the provider reads them on demand.
    # The embedding stays: the personal layer predicts every row again from it after a label.
    row = next(row for row in window.session.results.rows() if row.result.prediction is not None)
    assert row.result.thumbnail is None and row.result.embedding is not None
    assert window.thumbnails.pixmap(row.path, 64) is not None


def test_scan_requested_before_the_model_is_ready_waits(qtbot, photo_folder):
    window = MainWindow(load=False)
    qtbot.addWidget(window)
    window.scans.open_folder(photo_folder)
    assert window.session.results.rowCount() == 0
    assert "Loading model" in window.statusBar().currentMessage()

    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
        window.session.load_model()

    assert not blocker.args[0]
    assert window.session.results.rowCount() == 31


def test_subfolders_only_when_asked(window, scan, photo_folder):
    inner = photo_folder / "holiday"
    inner.mkdir()
    for photo in sorted(photo_folder.glob("cat.*"))[:2]:
        shutil.copy2(photo, inner / photo.name)

    scan(window, photo_folder, recursive=False)
    assert window.session.results.rowCount() == 31
    scan(window, photo_folder, recursive=True)
    assert window.session.results.rowCount() == 33
    assert window.toolbar.recursive_box.isChecked()


def test_dropping_a_folder_opens_it(window, qtbot, photo_folder):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo_folder))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        window.dropEvent(event)
    assert window.session.folder == photo_folder
    assert window.session.results.rowCount() == 31


def test_filter_and_order(window, scan, photo_folder):
    scan(window, photo_folder)
    proxy: ResultsFilter = window.proxy

    window.view.set_order("confidence")
    rows = [proxy.index(i, 0).data(Role.ROW) for i in range(proxy.rowCount())]
    assert rows[-1].result.prediction is None  # errors last
    known = [row.result.prediction.confidence for row in rows[:-1]]
    assert known == sorted(known)

    window.view.set_order("name")
    names = [proxy.index(i, 0).data(Qt.ItemDataRole.DisplayRole) for i in range(proxy.rowCount())]
    assert names == sorted(names, key=str.lower)

    counts = window.session.results.counts()
    for key in ("dog", "cat", "other", "unsure"):
        window.view.set_filter(key)
        assert proxy.rowCount() == counts.get(key, 0)
    window.view.set_filter("all")
    assert proxy.rowCount() == 31


def test_a_session_scans_without_a_window(qtbot, photo_folder):
    """The controllers need only the session: what the window shows comes from signals."""
    parent = QWidget()
    qtbot.addWidget(parent)
    session = Session(keys.app_settings(), parent)
    scans = ScanController(session, parent)
    messages: list[Message] = []
    session.message.connect(messages.append)

    scans.open_folder(photo_folder / "gone")
    assert [message.title for message in messages] == ["Folder not found"]

    scans.open_folder(photo_folder)  # before the model: waits for it
    assert session.scanning and scans.pending
    with qtbot.waitSignal(scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
        session.load_model()
    assert blocker.args[0] is False
    assert session.results.rowCount() == 31 and not session.scanning
    assert session.folder == photo_folder
    scans.stop_all()  # as the window does on closing: no scan thread outlives its controller
    session.wait_for_tasks()


def proxy_paths(window) -> list[str]:
    return [window.proxy.index(i, 0).data(Role.PATH).name for i in range(window.proxy.rowCount())]


def test_least_sure_first_does_not_reshuffle_while_scanning(window, qtbot, photo_folder):
    """Each result arrives in its row's place; the order settles when the scan ends."""
    window.view.set_order("confidence")
    orders: list[list[str]] = []
    window.scans.progress.connect(lambda _progress: orders.append(proxy_paths(window)))
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        window.scans.open_folder(photo_folder)

    during = [order for order in orders if len(order) == 31]
    assert during, "the scan reported no progress with every photo listed"
    assert all(order == during[0] for order in during)  # nothing moved under the pointer
    rows = [window.proxy.index(i, 0).data(Role.ROW) for i in range(window.proxy.rowCount())]
    known = [row.result.prediction.confidence for row in rows if row.result.prediction]
    assert known == sorted(known) and rows[-1].result.prediction is None  # settled at the end


def test_f5_during_a_scan_sorts_what_is_known_and_the_scan_goes_on(
    window, qtbot, tmp_path, photo_sources
):
    folder = tmp_path / "many"
    folder.mkdir()
    for copy in range(4):
        for source in photo_sources:
            shutil.copy2(source, folder / f"{copy}-{source.name}")
    window.view.set_order("confidence")
    window.grid.setFocus()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    pressed: list[list[float]] = []
    finished: list[bool] = []

    def press_f5_once(progress) -> None:
        if pressed or progress.done < 10 or progress.done >= progress.total - 10:
            return
        qtbot.keyClick(window.grid, Qt.Key.Key_F5)
        rows = [window.proxy.index(i, 0).data(Role.ROW) for i in range(window.proxy.rowCount())]
        pressed.append([2.0 if row.waiting else row.result.prediction.confidence for row in rows])

    window.scans.progress.connect(press_f5_once)
    window.scans.finished.connect(lambda cancelled, _stats: finished.append(cancelled))
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        window.scans.open_folder(folder)
    qtbot.wait(200)

    assert finished == [False]  # F5 did not start the scan again
    if not pressed:
        return  # the scan was too quick to press F5 in the middle of it
    settled = [key for key in pressed[0] if key < 2.0]
    assert settled and settled == sorted(settled)  # what was known came first, least sure first
    assert window.session.results.rowCount() == 120


def test_nothing_lives_on_a_scan_thread(window, qtbot, photo_folder):
    """The worker stays a GUI-thread object while its thread runs, so nothing is deleted on the
    scan thread as it ends. (Moved there and deleted there by ``deleteLater`` on ``finished``, it
    raced with the window deleting the scan: tests/ui crashed in ``~QObject`` about one run in
    ten.) The run and its thread are deleted only once the thread is joined."""
    homes: list[bool] = []

    def check(_total: int) -> None:
        run = window.scans.current
        assert run is not None and run.worker_thread.isRunning()
        homes.append(run.worker.thread() is QThread.currentThread())

    window.scans.listed.connect(check)
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        window.scans.open_folder(photo_folder)
    assert homes == [True]
    qtbot.waitUntil(lambda: not window.scans.runs, timeout=5000)
