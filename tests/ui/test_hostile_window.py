"""The window on a hostile folder: the core's refusals reach the person, and nothing leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel
from support import STATE_DIR_NAME, snapshot

from dogcat_desktop.ui import sort_dialog
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.sort_dialog import SortPreviewDialog

TIMEOUT = 60_000


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    sentinel = tmp_path / "outside"
    sentinel.mkdir()
    (sentinel / "victim.txt").write_text("must stay exactly as it is\n")
    return sentinel


@pytest.fixture()
def previews(monkeypatch) -> list[SortPreviewDialog]:
    seen: list[SortPreviewDialog] = []

    def accept(dialog: SortPreviewDialog) -> int:
        seen.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", accept)
    return seen


def test_link_destination_is_shown_in_the_preview_and_no_photo_leaves(
    window, scan, photo_folder, outside, previews, qtbot
):
    scan(window, photo_folder)
    (photo_folder / "dogs").symlink_to(outside, target_is_directory=True)
    before_outside = snapshot(outside)
    dogs = {p.name for p in photo_folder.glob("dog.*.jpg")}

    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()
    report = done.args[0]
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )

    (preview,) = previews
    assert any(
        "'dogs' is a symbolic link" in label.text() for label in preview.findChildren(QLabel)
    )
    assert report.failures and all("symbolic link" in f.reason for f in report.failures)
    assert snapshot(outside) == before_outside
    assert {p.name for p in photo_folder.glob("dog.*.jpg")} == dogs
    title, _text = window.messages[-1]
    assert title == "Sort finished with problems"


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
