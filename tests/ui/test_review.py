"""Reviewing: corrections by key and menu, undo and redo, persistence, preview, export."""

from __future__ import annotations

import csv
import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence

from dogcat_desktop.core.report import COLUMNS
from dogcat_desktop.ui import loupe
from dogcat_desktop.ui import settings as keys
from dogcat_desktop.ui.actions import Action, shortcut_rows
from dogcat_desktop.ui.dialogs import ShortcutsDialog
from dogcat_desktop.ui.export import write_results_csv
from dogcat_desktop.ui.main_window import MainWindow
from dogcat_desktop.ui.preview import verdict
from dogcat_desktop.ui.results_model import Role

Flag = QItemSelectionModel.SelectionFlag


def select(window, names: list[str]) -> None:
    """Select the photos with these file names in the grid; the first becomes current."""
    proxy, selection = window.proxy, window.grid.selectionModel()
    selection.clearSelection()
    current = None
    for number in range(proxy.rowCount()):
        index = proxy.index(number, 0)
        name = index.data(Qt.ItemDataRole.DisplayRole)
        if name in names:
            selection.select(index, Flag.Select)
            if name == names[0]:
                current = index
    assert current is not None, names
    selection.setCurrentIndex(current, Flag.NoUpdate)


def correction(window, name: str) -> str | None:
    return window.session.results.row(
        window.session.results.row_for_path(window.session.folder / name)
    ).correction


def test_keys_correct_and_undo_stack_reverts(window, scan, photo_folder, qtbot):
    scan(window, photo_folder)
    name = "cat.2000.jpg"
    window.review.set_auto_advance(False)  # three keys on one photo
    select(window, [name])
    window.grid.setFocus()

    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert correction(window, name) == "dog"
    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert correction(window, name) == "cat"
    qtbot.keyClick(window.grid, Qt.Key.Key_N)
    assert correction(window, name) == "other"
    index = window.proxy.index_for_row(
        window.session.results.row_for_path(window.session.folder / name)
    )
    assert index.data(Role.CORRECTED) is True
    assert index.data(Role.STATUS) == "other"

    assert window.session.undo_stack.count() == 3
    window.window_actions[Action.UNDO].trigger()
    assert correction(window, name) == "cat"
    window.session.undo_stack.undo()
    assert correction(window, name) == "dog"
    window.session.undo_stack.undo()
    assert correction(window, name) is None
    window.window_actions[Action.REDO].trigger()
    assert correction(window, name) == "dog"
    assert window.window_actions[Action.REDO].shortcuts()[0].toString() == "Ctrl+Shift+Z"
    assert "Ctrl+Y" in [s.toString() for s in window.window_actions[Action.REDO].shortcuts()]


def test_context_menu_marks_every_selected_photo(window, scan, photo_folder):
    scan(window, photo_folder)
    names = ["dog.2000.jpg", "dog.2001.jpg", "dog.2002.jpg"]
    select(window, names)

    menu = window.window_actions.context_menu(window)
    action = next(a for a in menu.actions() if a.text().replace("&", "") == "Mark as Cat")
    action.trigger()
    assert [correction(window, name) for name in names] == ["cat"] * 3

    window.session.undo_stack.undo()  # one step for the whole selection
    assert [correction(window, name) for name in names] == [None] * 3


def test_errors_cannot_be_labelled(window, scan, photo_folder, qtbot):
    scan(window, photo_folder)
    select(window, ["broken.jpg"])
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert correction(window, "broken.jpg") is None
    assert window.session.undo_stack.count() == 0


def test_corrections_survive_a_rescan_and_a_restart(window, scan, rescan, photo_folder, qtbot):
    scan(window, photo_folder)
    name = "cat.2003.jpg"
    select(window, [name])
    window.review.mark("dog")

    rescan(window)
    assert correction(window, name) == "dog"

    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.scans.finished, timeout=60_000):
        second.scans.open_folder(photo_folder)
    assert (
        second.session.results.row(
            second.session.results.row_for_path(photo_folder / name)
        ).correction
        == "dog"
    )


def test_unsure_filter_moves_on_after_each_label(window, scan, photo_folder, qtbot):
    scan(window, photo_folder)
    window.session.set_threshold(1.01)  # every photo is unsure now
    window.view.set_filter("unsure")
    before = window.proxy.rowCount()
    assert before == 30
    select(window, [window.proxy.index(0, 0).data()])

    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert window.proxy.rowCount() == before - 1
    assert window.grid.selectionModel().hasSelection()  # the next photo is ready
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert window.proxy.rowCount() == before - 2


def names_in_view(window) -> list[str]:
    return [window.proxy.index(i, 0).data() for i in range(window.proxy.rowCount())]


def current_name(window) -> str:
    return window.grid.currentIndex().data()


@pytest.mark.parametrize("order", ["name", "confidence"])
@pytest.mark.parametrize(("view", "key"), [("dog", Qt.Key.Key_C), ("unsure", Qt.Key.Key_D)])
def test_after_a_mark_the_next_photo_in_the_view_is_current(
    window, scan, photo_folder, qtbot, order, view, key
):
    """Marked photos leave a filtered view; review goes on with the one after, never before."""
    scan(window, photo_folder)
    window.review.set_auto_advance(False)  # leaving the view is enough to move on
    if view == "unsure":
        window.session.set_threshold(1.01)
    window.view.set_order(order)
    window.view.set_filter(view)
    shown = names_in_view(window)
    assert len(shown) >= 4
    select(window, [shown[1]])
    window.grid.setFocus()

    qtbot.keyClick(window.grid, key)
    assert names_in_view(window) == [shown[0], *shown[2:]]
    assert current_name(window) == shown[2]
    assert [i.data() for i in window.grid.selectionModel().selectedIndexes()] == [shown[2]]
    qtbot.keyClick(window.grid, key)  # the next key marks the photo now shown, not the one before
    assert current_name(window) == shown[3]
    assert correction(window, shown[0]) is None
    assert correction(window, shown[2]) is not None

    select(window, [names_in_view(window)[-1]])  # the last one: review goes back one
    last = names_in_view(window)
    qtbot.keyClick(window.grid, key)
    assert current_name(window) == last[-2]


@pytest.mark.parametrize("order", ["name", "confidence"])
def test_auto_advance_moves_on_in_every_order(window, scan, photo_folder, qtbot, order):
    scan(window, photo_folder)
    assert window.window_actions[Action.AUTO_ADVANCE].isChecked()  # on by default
    window.view.set_order(order)
    shown = [name for name in names_in_view(window) if name != "broken.jpg"]  # unlabellable
    select(window, [shown[0]])
    window.grid.setFocus()
    for number, key in enumerate([Qt.Key.Key_D, Qt.Key.Key_C, Qt.Key.Key_N], start=1):
        qtbot.keyClick(window.grid, key)
        assert current_name(window) == shown[number]
    assert [correction(window, name) for name in shown[:3]] == ["dog", "cat", "other"]

    window.window_actions[Action.AUTO_ADVANCE].trigger()  # off, and remembered
    assert keys.read_bool(window.session.settings, keys.AUTO_ADVANCE, True) is False
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert current_name(window) == shown[3]
    assert correction(window, shown[3]) == "dog"


def test_least_sure_first_is_the_default_on_a_fresh_profile(window, scan, photo_folder):
    assert window.proxy.sort_order == "confidence"
    assert window.toolbar.order_box.currentData() == "confidence"
    assert window.window_actions.orders["confidence"].isChecked()
    scan(window, photo_folder)
    rows = [window.proxy.index(i, 0).data(Role.ROW) for i in range(window.proxy.rowCount())]
    known = [row.result.prediction.confidence for row in rows if row.result.prediction]
    assert known == sorted(known)


def test_preview_pane_and_large_preview(window, scan, photo_folder, qtbot, monkeypatch):
    scan(window, photo_folder)
    select(window, ["cat.2001.jpg"])
    qtbot.waitUntil(lambda: window.preview.name.text() == "cat.2001.jpg", timeout=5000)
    assert "×" in window.preview.details.text()
    assert all(bar.format().endswith("%") for bar in window.preview.bars.values())
    qtbot.waitUntil(
        lambda: (
            window.preview.image.pixmap() is not None and not window.preview.image.pixmap().isNull()
        ),
        timeout=5000,
    )

    shown = []
    monkeypatch.setattr(loupe.LoupeDialog, "exec", lambda dialog: shown.append(dialog.path) or 0)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    assert shown == [photo_folder / "cat.2001.jpg"]


def test_export_csv(window, scan, photo_folder, tmp_path):
    scan(window, photo_folder)
    select(window, ["dog.2003.jpg"])
    window.review.mark("cat")
    target = tmp_path / "out.csv"

    write_results_csv(window.session.results, target)

    with open(target, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0].keys()) == (*COLUMNS, "user_label")
    assert len(rows) == 31
    by_name = {row["path"].rsplit("/", 1)[-1]: row for row in rows}
    results = window.session.results
    model = results.row(results.row_for_path(photo_folder / "dog.2003.jpg")).result.prediction
    marked = by_name["dog.2003.jpg"]
    # The model's label with the model's confidence in it; the person's label apart.
    assert (marked["label"], float(marked["confidence"])) == (
        model.label,
        round(model.confidence, 4),
    )
    assert marked["user_label"] == "cat"
    assert by_name["broken.jpg"]["status"] == "error"
    assert by_name["cat.2000.jpg"]["user_label"] == ""


def test_export_dialog_suggests_a_place_outside_the_photo_folder(
    window, scan, photo_folder, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from dogcat_desktop.ui.export import export_results

    scan(window, photo_folder)
    starts: list[str] = []
    target = tmp_path / "exports" / "mine.csv"
    target.parent.mkdir()

    def save_as(_parent, _title, start, _filter):
        starts.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.window_actions[Action.EXPORT].trigger()
    assert target.exists()
    assert photo_folder not in Path(starts[0]).parents
    assert starts[0].endswith("photos-dogcat-results.csv")
    export_results(window.session, window)  # the next export starts where this one went
    assert starts[1] == str(target.parent / "photos-dogcat-results.csv")


def test_export_that_cannot_be_written_says_why(window, scan, photo_folder, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    scan(window, photo_folder)
    target = tmp_path / "gone" / "mine.csv"  # its folder does not exist
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_: (str(target), ""))
    messages = []
    window.session.message.connect(messages.append)
    window.window_actions[Action.EXPORT].trigger()
    (message,) = messages
    assert message.title == "Export failed"
    assert message.text == f"{target} could not be written: not found (moved or deleted?)."


def test_settings_are_remembered(window, scan, photo_folder, qtbot):
    scan(window, photo_folder, recursive=True)
    window.view.set_thumbnail_size(208)
    window.view.set_order("name")
    window.session.set_threshold(0.9)
    window.close()

    again = MainWindow(load=False)
    qtbot.addWidget(again)
    assert again.delegate.thumbnail_size == 208
    assert again.window_actions[Action.RECURSIVE].isChecked()
    assert again.proxy.sort_order == "name"
    assert again.session.threshold == 0.9
    assert keys.read_list(again.session.settings, keys.RECENT_FOLDERS) == [str(photo_folder)]
    assert again.session.settings.value(keys.LAST_FOLDER) == str(photo_folder)


def test_help_dialogs(window):
    rows = shortcut_rows(window.window_actions, window.preview_dock.toggleViewAction())
    assert ("D", "Mark the selected photos as Dog") in rows
    assert any(text == "Undo the last label change or sort" for _keys, text in rows)
    preferences = (
        window.window_actions[Action.PREFERENCES]
        .shortcut()
        .toString(QKeySequence.SequenceFormat.NativeText)
    )
    assert preferences and (preferences, "Preferences") in rows  # Ctrl+, here
    shortcuts = ShortcutsDialog(rows, window)
    shortcuts.show()
    table = shortcuts.table
    metrics = table.fontMetrics()
    for row in range(table.topLevelItemCount()):
        item = table.topLevelItem(row)
        for column in (0, 1):  # every key and action readable whole, none cut short with "…"
            width = metrics.horizontalAdvance(item.text(column))
            assert width <= table.columnWidth(column), item.text(column)
    assert table.header().length() <= table.viewport().width()
    shortcuts.close()
    window.show_about()
    title, text = window.messages[-1]
    assert title == "About DogCat Sorter"
    card = window.session.scanner.classifier.card.raw
    assert f"{card['test']['cat_dog_accuracy']:.1%}" in text
    assert f"Measured on {card['test']['photos']:,} photos from collections" in text
    assert card["date"][:10] in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_space_on_a_named_pipe_leaves_the_window_free(
    window, scan, photo_folder, qtbot, monkeypatch
):
    """The scanner lists a pipe called x.jpg as an error; showing it large must not wait for
    a writer that never comes. If anything does, a writer arrives after 5 s and says so."""
    pipe = photo_folder / "x.jpg"
    os.mkfifo(pipe)
    scan(window, photo_folder)
    dialogs = []
    monkeypatch.setattr(loupe.LoupeDialog, "exec", lambda dialog: dialogs.append(dialog) or 0)
    rescued = []

    def rescue() -> None:
        try:
            writer = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader is waiting on the pipe
            return
        rescued.append(True)
        os.close(writer)

    timer = threading.Timer(5.0, rescue)
    timer.start()
    try:
        select(window, ["x.jpg"])
        started = time.monotonic()
        qtbot.keyClick(window.grid, Qt.Key.Key_Space)
        assert time.monotonic() - started < 2.0
        qtbot.waitUntil(
            lambda: bool(dialogs) and dialogs[0].image.text().startswith("This photo cannot be"),
            timeout=4000,
        )
    finally:
        timer.cancel()
        rescue()  # leave no thread blocked on the pipe
    assert not rescued, "something opened the pipe and waited for a writer"


def test_show_in_folder_and_open_with_default_app(window, scan, photo_folder, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    monkeypatch.setattr("sys.platform", "linux")
    scan(window, photo_folder)
    select(window, ["cat.2000.jpg"])
    menu = window.window_actions.context_menu(window)
    texts = [action.text().replace("&", "") for action in menu.actions()]
    assert "Show in Folder" in texts and "Open With Default App" in texts

    window.window_actions[Action.OPEN_DEFAULT].trigger()
    window.window_actions[Action.SHOW_IN_FOLDER].trigger()
    assert opened == [str(photo_folder / "cat.2000.jpg"), str(photo_folder)]

    (photo_folder / "cat.2000.jpg").unlink()
    window.window_actions[Action.OPEN_DEFAULT].trigger()
    assert len(opened) == 2
    assert "no longer there" in window.statusBar().currentMessage()


def open_loupe(window, qtbot, monkeypatch):
    """Space on the grid; the loupe is shown without blocking, so the test can press keys."""
    opened = []

    def show(dialog) -> int:
        opened.append(dialog)
        dialog.show()
        return 0

    monkeypatch.setattr(loupe.LoupeDialog, "exec", show)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    (dialog,) = opened
    qtbot.addWidget(dialog)
    return dialog


def test_the_loupe_marks_moves_zooms_and_closes_by_key(
    window, scan, photo_folder, qtbot, monkeypatch
):
    scan(window, photo_folder)
    window.view.set_order("name")
    shown = [name for name in names_in_view(window) if name != "broken.jpg"]
    select(window, [shown[0]])
    window.grid.setFocus()
    dialog = open_loupe(window, qtbot, monkeypatch)
    assert shown[0] in dialog.info.text() and "% sure" in dialog.info.text()
    first = window.session.results.row(window.session.results.row_for_path(photo_folder / shown[0]))
    assert verdict(first, window.session.threshold) in dialog.info.text()  # the preview's words
    assert dialog.strip.model() is window.proxy and dialog.strip.currentIndex().data() == shown[0]

    qtbot.keyClick(dialog, Qt.Key.Key_Right)
    assert current_name(window) == shown[1] and shown[1] in dialog.info.text()
    qtbot.keyClick(dialog, Qt.Key.Key_D)  # marks the photo shown, then moves on
    assert correction(window, shown[1]) == "dog" and correction(window, shown[2]) is None
    assert current_name(window) == shown[2] and shown[2] in dialog.info.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Left)
    assert "Marked as Dog by you" in dialog.info.text()  # as the preview pane says it
    qtbot.keyClick(dialog, Qt.Key.Key_Backspace)
    assert correction(window, shown[1]) is None
    here = current_name(window)
    qtbot.keyClick(dialog, Qt.Key.Key_1)  # no pet yet: nothing happens
    assert correction(window, here) is None and not dialog.zoomed
    window.learning.add_pet("dog", "Rex")
    qtbot.keyClick(dialog, Qt.Key.Key_1)  # the first pet, as in the grid
    assert correction(window, here) == "dog/Rex"
    select(window, [here])
    assert "Marked as Dog (Rex) by you" in dialog.info.text()

    qtbot.keyClick(dialog, Qt.Key.Key_Z)  # 100%: the photo's own pixels
    assert dialog.zoomed
    row = window.proxy.index(window.grid.currentIndex().row(), 0).data(Role.ROW)
    qtbot.waitUntil(
        lambda: (
            dialog.actual.pixmap() is not None
            and dialog.actual.pixmap().width() == row.result.width
        ),
        timeout=5000,
    )
    qtbot.keyClick(dialog, Qt.Key.Key_Z)
    assert not dialog.zoomed
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    assert not dialog.isVisible()


def test_the_loupe_says_why_a_file_cannot_be_shown(window, scan, photo_folder, qtbot, monkeypatch):
    scan(window, photo_folder)
    select(window, ["broken.jpg"])
    window.grid.setFocus()
    dialog = open_loupe(window, qtbot, monkeypatch)
    error = window.session.results.row(
        window.session.results.row_for_path(photo_folder / "broken.jpg")
    ).result.error
    assert dialog.image.text() == f"This photo cannot be shown: {error}"
    assert "Cannot be read" in dialog.info.text()


def test_the_loupe_fits_a_small_photo_to_the_window(qtbot):
    from PySide6.QtGui import QImage

    from dogcat_desktop.ui.preview import ScaledImage

    small = QImage(40, 30, QImage.Format.Format_RGB888)
    small.fill(0x336699)
    image = ScaledImage(upscale=True)
    qtbot.addWidget(image)
    image.resize(400, 300)
    image.set_image(small)
    assert image.pixmap().width() / image.pixmap().devicePixelRatio() == 400
    pane = ScaledImage()  # the side pane never blows a photo up
    qtbot.addWidget(pane)
    pane.resize(400, 300)
    pane.set_image(small)
    assert pane.pixmap().width() == 40
