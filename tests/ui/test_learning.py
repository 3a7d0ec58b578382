"""The personal layer in the window: fix one, fix ten; named pets; switching it off and reset."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox
from support import snapshot

from dogcat_desktop.core.learning import open_personal_store
from dogcat_desktop.ui import sort_dialog
from dogcat_desktop.ui.actions import Action
from dogcat_desktop.ui.results_model import Role

Flag = QItemSelectionModel.SelectionFlag
TIMEOUT = 60_000


def select(window, names: list[str]) -> None:
    proxy, selection = window.proxy, window.grid.selectionModel()
    selection.clearSelection()
    for number in range(proxy.rowCount()):
        index = proxy.index(number, 0)
        if index.data(Qt.ItemDataRole.DisplayRole) in names:
            selection.select(index, Flag.Select)
            selection.setCurrentIndex(index, Flag.NoUpdate)


def index_of(window, name: str):
    results = window.session.results
    return results.index(results.row_for_path(window.session.folder / name))


def learnt(window, qtbot) -> float:
    """Wait until every refit asked for has been applied to the grid; returns the seconds."""
    started = time.monotonic()
    qtbot.waitUntil(lambda: not window.learning.busy, timeout=TIMEOUT)
    return time.monotonic() - started


def test_labels_teach_the_grid_and_changed_photos_come_first(
    window, scan, photo_folder, qtbot, monkeypatch
):
    scan(window, photo_folder)
    learnt(window, qtbot)
    cats = sorted(p.name for p in photo_folder.glob("cat.*.jpg"))
    assert all(index_of(window, name).data(Role.SOURCE) == "model" for name in cats)
    window.view.set_order("confidence")

    # This person files cats under "neither": six of them are enough for the layer to win.
    select(window, cats[:6])
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_N)
    seconds = learnt(window, qtbot)
    rest = cats[6:]
    changed = [name for name in rest if index_of(window, name).data(Role.LABEL) == "other"]
    assert len(changed) >= len(rest) // 2, "fix one, fix ten: most of the other cats follow"
    for name in changed:
        assert index_of(window, name).data(Role.SOURCE) == "personal"
        assert index_of(window, name).data(Role.LEARNT) is True
    assert seconds < 5  # the issue asks for under a second; generous on a shared machine
    shown = window.proxy.rowCount()
    first = [window.proxy.index(n, 0).data(Qt.ItemDataRole.DisplayRole) for n in range(shown)]
    learnt_now = [name for name in first if index_of(window, name).data(Role.LEARNT)]
    assert set(changed) <= set(learnt_now)
    # Every photo the layer changed, and only those, at the front of least-sure-first.
    assert set(first[: len(learnt_now)]) == set(learnt_now)
    assert "Personal layer: active" in window.learning.layer.status().describe()
    dogs = sorted(p.name for p in photo_folder.glob("dog.*.jpg"))
    kept = [name for name in dogs if index_of(window, name).data(Role.LABEL) == "dog"]
    assert len(kept) >= len(dogs) - 1, "labels on cats reach at most one dog"

    # One key confirms: the photo becomes the person's, and leaves the front.
    select(window, [changed[0]])
    qtbot.keyClick(window.grid, Qt.Key.Key_N)
    assert index_of(window, changed[0]).data(Role.LEARNT) is False
    assert index_of(window, changed[0]).data(Role.SOURCE) == "you"
    learnt(window, qtbot)
    changed = [name for name in rest if index_of(window, name).data(Role.SOURCE) == "personal"]
    assert changed

    # Switched off: the bundled model again, and the About box says so.
    window.window_actions[Action.LEARN].trigger()
    learnt(window, qtbot)
    assert index_of(window, changed[0]).data(Role.SOURCE) == "model"
    window.show_about()
    assert "switched off" in window.messages[-1][1]
    window.window_actions[Action.LEARN].trigger()
    learnt(window, qtbot)
    assert index_of(window, changed[0]).data(Role.SOURCE) == "personal"

    # Reset, once confirmed: nothing learnt any more; the labels on the photos stay.
    asked = []
    reply = QMessageBox.StandardButton.Reset
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args) or reply)
    window.window_actions[Action.RESET_LEARNING].trigger()
    assert asked
    learnt(window, qtbot)
    assert index_of(window, changed[0]).data(Role.SOURCE) == "model"
    assert index_of(window, cats[0]).data(Role.SOURCE) == "you"
    assert len(open_personal_store().load(window.session.scanner.classifier.model_id).training) == 0


@pytest.fixture()
def accept_preview(monkeypatch):
    seen = []

    def fake_exec(dialog):
        seen.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sort_dialog.SortPreviewDialog, "exec", fake_exec)
    return seen


def test_a_new_pet_named_by_key_sorts_into_its_folder_and_undo_restores(
    window, scan, photo_folder, qtbot, accept_preview
):
    scan(window, photo_folder)
    before = snapshot(photo_folder)
    dogs = sorted(p.name for p in photo_folder.glob("dog.*.jpg"))
    select(window, dogs[:2])
    window.new_pet("Rex", "dog")  # what Edit › New Pet… does once the dialog is answered
    assert index_of(window, dogs[0]).data(Role.NAME) == "Rex"
    assert index_of(window, dogs[0]).data(Role.SOURCE) == "you"
    learnt(window, qtbot)
    pet_key = window.window_actions.pets[0]
    assert pet_key.isVisible() and pet_key.data() == "dog/Rex"
    # Key 1 names the selected photo as the first pet; the other dogs are plain dogs.
    select(window, [dogs[2]])
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_1)
    assert index_of(window, dogs[2]).data(Role.NAME) == "Rex"
    select(window, dogs[3:])
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    learnt(window, qtbot)

    with qtbot.waitSignal(window.sorting.sort_finished, timeout=TIMEOUT) as done:
        window.window_actions[Action.SORT].trigger()
    (preview,) = accept_preview
    texts = [label.text() for label in preview.findChildren(QLabel)]
    assert any("dogs/Rex/" in text and "3 photos" in text for text in texts), texts
    assert done.args[0].moved > 0
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )
    assert sorted(p.name for p in (photo_folder / "dogs" / "Rex").iterdir()) == dogs[:3]
    assert (photo_folder / "dogs" / dogs[3]).exists()
    learnt(window, qtbot)

    with qtbot.waitSignal(window.sorting.undo_finished, timeout=TIMEOUT):
        window.window_actions[Action.UNDO_SORT].trigger()
    qtbot.waitUntil(
        lambda: window.scans.current is None and not window.session.busy, timeout=TIMEOUT
    )
    assert snapshot(photo_folder) == before
    learnt(window, qtbot)
    training = open_personal_store().load(window.session.scanner.classifier.model_id).training
    assert training.label_of(str(photo_folder / dogs[0])) == "dog/Rex"


def test_a_new_pet_without_photos_is_there_after_a_restart(window, scan, photo_folder, qtbot):
    """New Pet… with nothing selected: the pet is saved with the layer, not just the session."""
    scan(window, photo_folder)
    learnt(window, qtbot)
    window.grid.selectionModel().clearSelection()
    window.new_pet("Milo", "cat")
    assert ("cat", "Milo") in window.learning.pets()
    learnt(window, qtbot)
    model_id = window.session.scanner.classifier.model_id
    assert open_personal_store().load(model_id).pets == ("cat/Milo",)

    # A second window (a restart) loads the layer with its model and offers Milo at once.
    from dogcat_desktop.ui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.learning.state is not None, timeout=TIMEOUT)
    assert again.learning.created == []
    assert ("cat", "Milo") in again.learning.pets()
    assert [key.data() for key in again.window_actions.pets if key.isVisible()] == ["cat/Milo"]
    again.learning.stop()


def test_a_scan_counts_its_dogs_and_cats_towards_the_species_means(
    window, scan, photo_folder, qtbot
):
    scan(window, photo_folder)
    learnt(window, qtbot)
    rows = window.session.results.rows()
    expected = [
        sum(1 for row in rows if row.result.prediction and row.result.prediction.label == kind)
        for kind in ("dog", "cat")
    ]
    model_id = window.session.scanner.classifier.model_id
    assert open_personal_store().load(model_id).means.counts.tolist() == expected
    assert min(expected) > 0


def test_new_pet_dialog_shows_where_the_pet_will_go(qtbot):
    """The example follows the species chosen and the name typed."""
    from dogcat_desktop.ui.dialogs import NewPetDialog

    dialog = NewPetDialog("cat")
    qtbot.addWidget(dialog)
    assert dialog.name_edit.placeholderText() == "Luna"
    assert "(cats/Luna/)" in dialog.explanation.text()
    qtbot.keyClicks(dialog.name_edit, "Tom")
    assert "(cats/Tom/)" in dialog.explanation.text()
    dialog.species_box.setCurrentIndex(dialog.species_box.findData("dog"))
    assert "(dogs/Tom/)" in dialog.explanation.text()
    assert dialog.name_edit.placeholderText() == "Rex"


def test_a_new_users_first_pet_is_told_apart_from_the_bundled_models_typical_one(
    window, scan, photo_folder, qtbot
):
    """10 cats scanned are too few for a mean of the user's own (50): the bundled model's
    typical cat stands in, so Luna is compared against it from her first photos."""
    scan(window, photo_folder)
    learnt(window, qtbot)
    cats = sorted(p.name for p in photo_folder.glob("cat.*.jpg"))
    select(window, cats[:3])
    window.new_pet("Luna", "cat")
    learnt(window, qtbot)
    model = window.learning.layer.names["cat"]
    assert model.names == ("Luna",) and model.centre is not None
    model_id = window.session.scanner.classifier.model_id
    assert open_personal_store().load(model_id).means.counts[1] < 50  # the user's own: few


def test_show_lists_each_named_pet_and_shows_only_their_photos(window, scan, photo_folder, qtbot):
    """Show › Rex (dog): the photos named Rex, by the person or suggested, to check them one
    key each; a photo whose name is taken away leaves the view."""
    scan(window, photo_folder)
    dogs = sorted(p.name for p in photo_folder.glob("dog.*.jpg"))
    select(window, dogs[:2])
    window.new_pet("Rex", "dog")
    learnt(window, qtbot)
    box = window.toolbar.filter_box
    entry = box.findData("pet:dog/Rex")
    assert entry >= 0
    named = {
        name
        for name in (p.name for p in photo_folder.glob("*.jpg"))
        if index_of(window, name).data(Role.NAME) == "Rex"
    }
    assert set(dogs[:2]) <= named
    qtbot.waitUntil(lambda: box.itemText(entry) == f"Rex (dog) ({len(named)})", timeout=TIMEOUT)
    box.activated.emit(entry)
    shown = {
        window.proxy.index(n, 0).data(Qt.ItemDataRole.DisplayRole)
        for n in range(window.proxy.rowCount())
    }
    assert shown == named and window.proxy.status_filter == "pet:dog/Rex"
    select(window, [dogs[0]])
    qtbot.keyClick(window.grid, Qt.Key.Key_D)  # a plain dog now: no longer Rex
    assert dogs[0] not in {
        window.proxy.index(n, 0).data(Qt.ItemDataRole.DisplayRole)
        for n in range(window.proxy.rowCount())
    }
