"""Sorting from the window: the preview dialog, the moves, undo, and errors in words."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialog, QLabel, QTreeWidget
from support import snapshot

from dogcat_desktop.core import folder_lock, moves
from dogcat_desktop.core.review import sort_label
from dogcat_desktop.ui import sort_dialog
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.commands import CorrectionCommand
from dogcat_desktop.ui.sort_dialog import SortPreviewDialog

TIMEOUT = 60_000


@pytest.fixture()
def answer(monkeypatch):
    """Replaces the preview dialog's exec: records each dialog and answers as told."""
    seen: list[SortPreviewDialog] = []
    reply = {"code": QDialog.DialogCode.Accepted}

    def fake_exec(dialog: SortPreviewDialog) -> int:
        seen.append(dialog)
        return reply["code"]

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", fake_exec)
    return seen, reply


def label(window, names: list[str], value: str) -> None:
    changes = []
    for name in names:
        row = window.session.results.row(
            window.session.results.row_for_path(window.session.folder / name)
        )
        changes.append((row.version, row.correction, value))
    from dogcat_desktop.ui.commands import CorrectionCommand

    window.session.undo_stack.push(
        CorrectionCommand(window.review.apply_corrections, changes, value)
    )


def sort(window, qtbot):
    """Trigger the sort and wait for it and for the re-scan that follows."""
    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()
    report = done.args[0]
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )
    return report


def test_sort_then_undo_restores_the_exact_tree(window, scan, photo_folder, qtbot, answer):
    seen, _reply = answer
    scan(window, photo_folder)
    original = snapshot(photo_folder)
    label(window, ["cat.2000.jpg", "cat.2001.jpg"], "cat")
    label(window, ["dog.2000.jpg"], "dog")
    label(window, ["dog.2001.jpg"], "other")
    threshold = window.session.threshold
    expected = {
        row.path.name: row.status(threshold).value
        for row in window.session.results.rows()
        if sort_label(row.status(threshold)) in ("dog", "cat")
    }

    report = sort(window, qtbot)

    assert len(seen) == 1 and seen[0].cancel_button.isDefault()
    assert report.moved == len(expected) >= 3 and not report.failures
    for name, value in expected.items():
        assert (photo_folder / f"{value}s" / name).exists()
        assert not (photo_folder / name).exists()
    assert (photo_folder / "dog.2001.jpg").exists()  # neither: stays
    assert (photo_folder / "broken.jpg").exists()  # error: stays
    # Scanned again, without the moved ones.
    assert window.session.results.rowCount() == 31 - len(expected)
    assert window.window_actions[Action.UNDO_SORT].isEnabled()

    with qtbot.waitSignal(window.sorting.undo_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.UNDO_SORT].trigger()
    assert done.args[0].complete
    qtbot.waitUntil(
        lambda: window.scans.current is None and window.session.results.rowCount() == 31,
        timeout=TIMEOUT,
    )

    assert snapshot(photo_folder) == original
    assert not window.window_actions[Action.UNDO_SORT].isEnabled()
    # Corrections followed the photos there and back.
    row = window.session.results.row(
        window.session.results.row_for_path(photo_folder / "dog.2000.jpg")
    )
    assert row.correction == "dog"


def test_cancel_is_the_default_and_moves_nothing(window, scan, photo_folder, qtbot, answer):
    _seen, reply = answer
    reply["code"] = QDialog.DialogCode.Rejected
    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    original = snapshot(photo_folder)

    assert sort(window, qtbot) is None
    assert snapshot(photo_folder) == original
    assert not (photo_folder / "cats").exists()


def test_preview_dialog_lists_counts_and_collisions(window, scan, photo_folder, qtbot):
    (photo_folder / "cats").mkdir()
    shutil.copy2(photo_folder / "cat.2001.jpg", photo_folder / "cats" / "cat.2000.jpg")
    scan(window, photo_folder)
    label(window, ["cat.2000.jpg", "cat.2001.jpg"], "cat")
    plan = window.sorting.build_plan()

    dialog = SortPreviewDialog(plan)
    qtbot.addWidget(dialog)

    assert dialog.cancel_button.isDefault() and not dialog.move_button.isDefault()
    table = dialog.findChild(QTreeWidget, "collisions")
    assert table.topLevelItemCount() == 1
    assert table.topLevelItem(0).text(0) == "cat.2000.jpg"
    assert table.topLevelItem(0).text(1) == "cats/cat.2000 (1).jpg"
    assert dialog.move_button.text() == f"&Move {len(plan.moves)} photos"
    stay = next(label.text() for label in dialog.findChildren(QLabel) if "stay" in label.text())
    assert "1 unreadable" in stay  # broken.jpg, counted by the plan itself


def test_read_only_destination_is_reported_in_words(
    window, scan, photo_folder, qtbot, answer, monkeypatch
):
    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    label(window, ["dog.2000.jpg"], "dog")
    original = snapshot(photo_folder)
    real_mkdir = os.mkdir

    def refuse(path, *args, **kwargs):
        if Path(path).name in ("dogs", "cats"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(moves.os, "mkdir", refuse)

    report = sort(window, qtbot)

    assert report.moved == 0 and report.failures
    title, text = window.messages[-1]
    assert title == "Sort finished with problems"
    assert "could not be moved" in text and "read-only" in text
    assert "Traceback" not in text
    assert snapshot(photo_folder) == original


def test_busy_folder_is_reported_in_words(window, scan, photo_folder, qtbot, answer, monkeypatch):
    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")

    def busy(folder):
        raise folder_lock.FolderBusyError(
            f"{folder} is already being sorted or restored by another program."
        )

    monkeypatch.setattr(moves.folder_lock, "acquire", busy)

    assert sort(window, qtbot) is None
    title, text = window.messages[-1]
    assert title == "The photos were not sorted"
    assert "already being sorted" in text
    assert (photo_folder / "cat.2000.jpg").exists()


def test_nothing_to_sort_says_so(window, scan, photo_folder, qtbot, answer):
    seen, _reply = answer
    scan(window, photo_folder)
    window.session.set_threshold(1.01)  # nothing is sure, nothing labelled

    assert sort(window, qtbot) is None
    assert seen == []
    assert window.messages[-1][0] == "Nothing to sort"


def drive_preview(qtbot, keys) -> list[str]:
    """Run ``keys(dialog)`` on the real preview once it is up; returns what was seen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen: list[str] = []

    def act() -> None:
        dialogs = [
            widget
            for widget in QApplication.topLevelWidgets()
            if isinstance(widget, SortPreviewDialog) and widget.isVisible()
        ]
        if not dialogs:
            if len(seen) < 500:
                seen.append("waiting")
                QTimer.singleShot(20, act)
            return
        dialog = dialogs[0]
        seen[:] = []
        seen.append("shown")
        try:
            keys(dialog)
        except BaseException as exc:  # reported by the test, not lost inside Qt
            seen.append(repr(exc))
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, act)
    return seen


def test_space_and_return_in_the_preview_never_move_anything(window, scan, photo_folder, qtbot):
    from PySide6.QtCore import Qt

    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    original = snapshot(photo_folder)
    still_open: list[bool] = []

    def press(dialog: SortPreviewDialog) -> None:
        assert dialog.focusWidget() is dialog.cancel_button
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Space)
        qtbot.keyClick(dialog, Qt.Key.Key_Space)
        dialog.move_button.setFocus()  # even if it somehow had the focus
        qtbot.keyClick(dialog.move_button, Qt.Key.Key_Space)
        still_open.append(dialog.isVisible())
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # presses the default: Cancel

    seen = drive_preview(qtbot, press)
    report = sort(window, qtbot)
    assert seen == ["shown"] and still_open == [True]
    assert report is None
    assert snapshot(photo_folder) == original


def test_ctrl_return_confirms_the_preview(window, scan, photo_folder, qtbot):
    from PySide6.QtCore import Qt

    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    drive_preview(
        qtbot,
        lambda dialog: qtbot.keyClick(
            dialog.focusWidget() or dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        ),
    )
    report = sort(window, qtbot)
    assert report is not None and report.moved > 0
    assert (photo_folder / "cats" / "cat.2000.jpg").exists()


def test_preview_lists_the_files_per_destination(window, scan, photo_folder, qtbot):
    from PySide6.QtCore import Qt

    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    label(window, ["dog.2000.jpg"], "dog")
    dialog = SortPreviewDialog(window.sorting.build_plan())
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.files.isVisible()
    qtbot.mouseClick(dialog.files_toggle, Qt.MouseButton.LeftButton)
    assert dialog.files.isVisible()
    branches = {
        dialog.files.topLevelItem(i).text(0).split("/")[0]: dialog.files.topLevelItem(i)
        for i in range(dialog.files.topLevelItemCount())
    }
    assert set(branches) == {"cats", "dogs"}
    cats = [branches["cats"].child(i).text(0) for i in range(branches["cats"].childCount())]
    assert "cat.2000.jpg" in cats
    assert branches["cats"].child(0).text(1).startswith("cats/")


def test_ctrl_z_undoes_a_sort_and_the_menu_names_it(window, scan, photo_folder, qtbot, answer):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolButton

    scan(window, photo_folder)
    original = snapshot(photo_folder)
    button = window.toolbar.bar.widgetForAction(window.window_actions[Action.UNDO_SORT])
    assert isinstance(button, QToolButton)
    assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    assert "Undo" in button.text() and not button.isEnabled()
    assert "Nothing to undo" in button.toolTip()
    label(window, ["cat.2000.jpg"], "cat")

    report = sort(window, qtbot)
    undo = window.window_actions[Action.UNDO]
    assert undo.text().replace("&", "") == f"Undo Sort of {report.moved} Photos"
    assert button.isEnabled()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.grid.setFocus()
    with qtbot.waitSignal(window.sorting.undo_finished, timeout=TIMEOUT) as done:
        qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert done.args[0].complete
    qtbot.waitUntil(
        lambda: window.scans.current is None and window.session.results.rowCount() == 31,
        timeout=TIMEOUT,
    )
    assert snapshot(photo_folder) == original
    assert not undo.isEnabled()  # a sort is not redone from the stack: sort again instead
    assert not window.window_actions[Action.REDO].isEnabled()


def test_last_sort_lists_what_moved_where_and_undoes_it(
    window, scan, photo_folder, qtbot, answer, monkeypatch
):
    from dogcat_desktop.ui import last_sort

    scan(window, photo_folder)
    original = snapshot(photo_folder)
    label(window, ["cat.2000.jpg"], "cat")
    report = sort(window, qtbot)
    shown: list[last_sort.LastSortDialog] = []

    def look_then_undo(dialog) -> int:
        shown.append(dialog)
        return QDialog.DialogCode.Accepted  # "Undo This Sort"

    monkeypatch.setattr(last_sort.LastSortDialog, "exec", look_then_undo)
    assert window.window_actions[Action.LAST_SORT].isEnabled()
    with qtbot.waitSignal(window.sorting.undo_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.LAST_SORT].trigger()
    (dialog,) = shown
    tree = dialog.tree
    branches = {
        tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
    }
    listed = {
        branch.child(j).text(0) for branch in branches.values() for j in range(branch.childCount())
    }
    assert listed == {destination.name for _source, destination in report.moved_files}
    assert any(name.startswith("cats/ (") for name in branches)
    assert "cat.2000.jpg" in {
        branches[name].child(j).text(0)
        for name in branches
        if name.startswith("cats/")
        for j in range(branches[name].childCount())
    }
    assert dialog.undo_button.isEnabled() and done.args[0].complete
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )
    assert snapshot(photo_folder) == original
    assert not window.window_actions[Action.LAST_SORT].isEnabled()


def test_subfolders_show_their_folder_and_the_preview_offers_per_subfolder_sorting(
    window, scan, tmp_path, photo_sources, qtbot, monkeypatch
):
    from dogcat_desktop.ui import settings as keys
    from dogcat_desktop.ui.results_model import Role

    folder = tmp_path / "pets"
    cat, dog = photo_sources[0], photo_sources[10]
    for sub in ("trip", "home"):
        (folder / sub).mkdir(parents=True)
        shutil.copy2(cat, folder / sub / "pet.jpg")
    shutil.copy2(dog, folder / "dog.jpg")
    scan(window, folder, recursive=True)
    results = window.session.results
    trip = results.row(results.row_for_path(folder / "trip" / "pet.jpg"))
    index = results.index(results.row_for_path(trip.path))
    assert index.data(Role.CAPTION) == "trip/pet.jpg"  # two photos are called pet.jpg
    top = results.index(results.row_for_path(folder / "dog.jpg"))
    assert top.data(Role.CAPTION) == "dog.jpg"
    assert "In trip/" in index.data(Qt.ItemDataRole.ToolTipRole)
    window.grid.selectionModel().setCurrentIndex(
        window.proxy.index_for_row(index.row()), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    qtbot.waitUntil(lambda: "In trip/" in window.preview.details.text(), timeout=5000)
    for path in (folder / "trip" / "pet.jpg", folder / "home" / "pet.jpg"):
        row = results.row(results.row_for_path(path))
        window.session.undo_stack.push(
            CorrectionCommand(window.review.apply_corrections, [(row.version, None, "cat")], "cat")
        )

    previews = []

    def choose_per_subfolder_then_move(dialog):
        previews.append(dialog)
        if len(previews) == 1:
            assert dialog.per_subfolder_box.isVisibleTo(dialog)
            dialog.per_subfolder_box.click()  # plans again; the next preview shows it
            return dialog.result()
        assert dialog.per_subfolder_box.isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", choose_per_subfolder_then_move)
    report = sort(window, qtbot)
    assert len(previews) == 2 and report.moved >= 2
    assert (folder / "trip" / "cats" / "pet.jpg").exists()
    assert (folder / "home" / "cats" / "pet.jpg").exists()
    assert keys.read_bool(window.session.settings, keys.PER_SUBFOLDER, False) is True


def test_nothing_to_sort_after_a_sort_gives_no_stale_hint(
    window, scan, photo_folder, qtbot, answer
):
    scan(window, photo_folder)
    window.session.set_threshold(0.34)  # nothing unsure: every photo has a label
    assert sort(window, qtbot) is not None

    assert sort(window, qtbot) is None
    title, text = window.messages[-1]
    assert title == "Nothing to sort"
    assert "unsure" not in text and "D or C" not in text


def test_preview_says_which_files_go_along_with_their_photos(window, scan, photo_folder, qtbot):
    (photo_folder / "cat.2000.MOV").write_bytes(b"a Live Photo's video")
    (photo_folder / "cat.2000.jpg.xmp").write_bytes(b"<x:xmpmeta/>")
    scan(window, photo_folder)
    label(window, ["cat.2000.jpg"], "cat")

    dialog = SortPreviewDialog(window.sorting.build_plan())
    qtbot.addWidget(dialog)

    along = dialog.findChild(QLabel, "companions")
    assert along is not None and "2 files that belong with them" in along.text()
    files = dialog.findChild(QTreeWidget, "files")
    photos = [
        files.topLevelItem(b).child(i)
        for b in range(files.topLevelItemCount())
        for i in range(files.topLevelItem(b).childCount())
    ]
    (cat,) = [item for item in photos if item.text(0) == "cat.2000.jpg"]
    assert sorted(cat.child(i).text(0) for i in range(cat.childCount())) == [
        "cat.2000.MOV",
        "cat.2000.jpg.xmp",
    ]


def test_destinations_are_listed_in_one_order_before_and_after(tmp_path, qtbot):
    """Preview, the report after it and the last sort list dogs/ before cats/ and each
    species' folder before its named pets', whatever order the photos came in."""
    from dogcat_desktop.ui.last_sort import LastSortDialog

    folder = tmp_path / "pets"
    folder.mkdir()
    labels = {"a.jpg": "cat/Luna", "b.jpg": "cat", "c.jpg": "dog/Rex", "d.jpg": "dog"}
    for name in labels:
        (folder / name).write_bytes(name.encode() * 50)
    plan = moves.plan_sort(folder, [(folder / name, label) for name, label in labels.items()])
    expected = ["dogs", "dogs/Rex", "cats", "cats/Luna"]

    dialog = SortPreviewDialog(plan)
    qtbot.addWidget(dialog)
    branches = [dialog.files.topLevelItem(i).text(0) for i in range(len(expected))]
    assert [text.split("/ (")[0] for text in branches] == expected

    report = moves.execute_plan(plan)
    _title, text, _details = sort_dialog.sort_report_text(report)
    where = "1 to dogs/, 1 to dogs/Rex/, 1 to cats/, 1 to cats/Luna/"
    assert text.startswith(f"Moved 4 photos: {where}."), text

    last = LastSortDialog(folder, "", report.moved_files)
    qtbot.addWidget(last)
    listed = [last.tree.topLevelItem(i).text(0).split("/ (")[0] for i in range(len(expected))]
    assert listed == expected
