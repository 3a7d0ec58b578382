"""The window on a hostile folder: the core's refusals reach the person, and nothing leaves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel
from support import STATE_DIR_NAME, snapshot

from dogcat_desktop.ui import sort_dialog
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.commands import CorrectionCommand
from dogcat_desktop.ui.sort_dialog import SortPreviewDialog

TIMEOUT = 60_000


@pytest.fixture()
def previews(monkeypatch) -> list[SortPreviewDialog]:
    seen: list[SortPreviewDialog] = []

    def accept(dialog: SortPreviewDialog) -> int:
        seen.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", accept)
    return seen


def test_link_destination_refuses_the_whole_sort_in_the_preview(
    window, scan, photo_folder, outside, previews, qtbot
):
    scan(window, photo_folder)
    (photo_folder / "dogs").symlink_to(outside, target_is_directory=True)
    before, before_outside = snapshot(photo_folder), snapshot(outside)

    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()

    assert done.args[0] is None  # refused: not even the cats moved
    (preview,) = previews
    texts = [label.text() for label in preview.findChildren(QLabel)]
    assert any("'dogs' is a symbolic link" in text for text in texts)
    assert any("can be sorted until this is fixed" in text for text in texts)
    assert any(text == "Nothing was moved." for text in texts)
    assert not preview.move_button.isEnabled()
    assert snapshot(photo_folder) == before
    assert snapshot(outside) == before_outside
    assert not (photo_folder / "cats").exists()


def test_a_file_named_cats_refuses_the_sort(window, scan, photo_folder, previews, qtbot):
    (photo_folder / "cats").write_text("not a folder")
    scan(window, photo_folder)
    before = snapshot(photo_folder)

    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()

    assert done.args[0] is None
    (preview,) = previews
    assert any("is a file" in label.text() for label in preview.findChildren(QLabel))
    assert snapshot(photo_folder) == before


@pytest.fixture()
def damaged_corrections(monkeypatch, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "corrections.sqlite3").write_bytes(b"this is not a database" * 50)
    monkeypatch.setenv("DOGCAT_SORTER_DATA_DIR", str(data))
    return data


def test_damaged_corrections_are_said_and_a_sort_asks_first(
    damaged_corrections, window, scan, photo_folder, previews, qtbot, _isolated_qt
):
    boxes = _isolated_qt  # every message box's text, in order
    qtbot.waitUntil(lambda: any(t == "Labels not available" for t, _ in window.messages))
    assert any("labels you set by hand could not be read" in text for text in boxes)
    scan(window, photo_folder)
    before = snapshot(photo_folder)

    # The question box closes without an answer (the fixture's exec): that is No.
    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()
    assert done.args[0] is None
    assert previews == []
    assert "model's labels alone" in boxes[-1]
    assert snapshot(photo_folder) == before


def test_damaged_corrections_sort_goes_on_when_the_person_agrees(
    damaged_corrections, window, scan, photo_folder, previews, qtbot, monkeypatch
):
    asked: list[str] = []

    def agree(reason: str) -> bool:
        asked.append(reason)
        return True

    monkeypatch.setattr(window.sorting, "confirm_without_corrections", agree)
    scan(window, photo_folder)
    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )
    assert asked and "could not be read" in asked[0]
    assert len(previews) == 1
    assert done.args[0] is not None and done.args[0].moved > 0


def test_damaged_scan_cache_notice_is_shown(monkeypatch, tmp_path: Path, qtbot, _isolated_qt):
    from dogcat_desktop.core.pipeline import CACHE_FILE_NAME
    from dogcat_desktop.ui.main_window import MainWindow

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE_NAME).write_bytes(b"garbage, not sqlite" * 100)
    monkeypatch.setenv("DOGCAT_SORTER_CACHE_DIR", str(cache))

    window = MainWindow()
    qtbot.addWidget(window)
    qtbot.waitSignal(window.session.model_ready, timeout=TIMEOUT).wait()

    titles = [title for title, _text in window.messages]
    assert "Scan cache rebuilt" in titles
    text = dict(window.messages)["Scan cache rebuilt"]
    assert "scan cache was damaged" in text and "moved aside" in text


def test_undo_of_a_crafted_journal_is_refused_in_words(window, scan, photo_folder, outside, qtbot):
    state = photo_folder / STATE_DIR_NAME
    state.mkdir()
    victim = outside / "victim.txt"
    photo = photo_folder / "cat.2000.jpg"
    records = [
        {"op": "header", "version": 1, "folder": str(photo_folder.resolve())},
        {"op": "move", "seq": 0, "src": str(victim), "dst": str(photo), "size": 1, "dev": 1,
         "ino": 1, "method": "link"},
        {"op": "done", "seq": 0, "dst": str(photo)},
    ]  # fmt: skip
    (state / "journal-29990101.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    scan(window, photo_folder)
    before, before_outside = snapshot(photo_folder), snapshot(outside)
    assert window.window_actions[
        Action.UNDO_SORT
    ].isEnabled()  # listed, so that undo can say why not

    with qtbot.waitSignal(window.sorting.undo_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.UNDO_SORT].trigger()
    assert done.args[0].refused is not None

    _title, text = window.messages[-1]
    assert "Undo refused, nothing was moved" in text and "not inside the folder" in text
    assert snapshot(photo_folder) == before
    assert snapshot(outside) == before_outside


def shown(widget_text: str, text_format) -> str:
    """What a person reads in a label, box or tooltip with this text and format."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as GuiQt
    from PySide6.QtGui import QTextDocument

    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(widget_text)
    )
    if not rich:
        return widget_text
    document = QTextDocument()
    document.setHtml(widget_text)
    return document.toPlainText().replace("\u2029", "\n")


def test_names_that_look_like_markup_are_shown_as_they_are(
    window, scan, tmp_path, photo_sources, qtbot, monkeypatch
):
    """A photo called ``<i>luna.jpg`` in a folder called ``<u>trip``: the preview, the loupe,
    the tooltip, the sort preview and the report after it show those names letter for letter,
    none of them taken for markup (which hid the tags and could make a preview lie)."""
    from PySide6.QtCore import QItemSelectionModel, Qt
    from PySide6.QtWidgets import QMessageBox

    from dogcat_desktop.ui import loupe
    from dogcat_desktop.ui import settings as keys

    folder = tmp_path / "pets"
    (folder / "<u>trip").mkdir(parents=True)
    shutil.copy2(photo_sources[0], folder / "<u>trip" / "<i>luna.jpg")
    (folder / "<b>broken.jpg").write_bytes(b"not a photo")
    scan(window, folder, recursive=True)
    results = window.session.results
    row = results.row_for_path(folder / "<u>trip" / "<i>luna.jpg")
    index = window.proxy.index_for_row(row)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert str(folder / "<u>trip" / "<i>luna.jpg") in shown(tip, Qt.TextFormat.AutoText)
    window.grid.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    name = window.preview.name
    qtbot.waitUntil(lambda: "luna" in name.text(), timeout=5000)
    assert shown(name.text(), name.textFormat()) == "<i>luna.jpg"
    broken = window.proxy.index_for_row(results.row_for_path(folder / "<b>broken.jpg"))
    window.grid.selectionModel().setCurrentIndex(
        broken, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    qtbot.waitUntil(lambda: "broken" in name.text(), timeout=5000)
    assert shown(name.text(), name.textFormat()) == "<b>broken.jpg"

    opened = []
    monkeypatch.setattr(loupe.LoupeDialog, "exec", lambda dialog: opened.append(dialog) or 0)
    window.grid.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    window.review.show_large_preview()
    (dialog,) = opened
    qtbot.addWidget(dialog)
    assert shown(dialog.info.text(), dialog.info.textFormat()).startswith("<i>luna.jpg · ")

    window.session.undo_stack.push(
        CorrectionCommand(
            window.review.apply_corrections, [(results.row(row).version, None, "cat")], "cat"
        )
    )
    window.session.settings.setValue(keys.PER_SUBFOLDER, True)  # trip/cats/, its own
    previews: list[SortPreviewDialog] = []

    def accept(preview: SortPreviewDialog) -> int:
        previews.append(preview)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", accept)
    boxes: list[QMessageBox] = []
    monkeypatch.setattr(window, "interactive", True)  # boxes, not lines on stderr
    monkeypatch.setattr(QMessageBox, "exec", lambda box: boxes.append(box) or 0)
    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT):
        window.window_actions[Action.SORT].trigger()
    (preview,) = previews
    read = [shown(label.text(), label.textFormat()) for label in preview.findChildren(QLabel)]
    assert any("cats/" in line and "<u>trip" in line for line in read), read
    report = [shown(box.text(), box.textFormat()) for box in boxes]
    assert any("to <u>trip/cats/" in text for text in report), report
    assert (folder / "<u>trip" / "cats" / "<i>luna.jpg").exists()
