"""Named pets through the core: labels kept per file, the plan, the move, the journal, undo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from support import STATE_DIR_NAME, snapshot

from dogcat_desktop.core.classifier import to_prediction
from dogcat_desktop.core.corrections import CorrectionStore, FileVersion
from dogcat_desktop.core.journal_check import FolderMatch, JournalRefusedError, check_record
from dogcat_desktop.core.learning import Example, LabelBook, attach_personal, personal_key
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.personal import LabelError, PersonalStore, Source
from dogcat_desktop.core.pipeline import Reviewed
from dogcat_desktop.core.review import ReviewStatus, review_status, sort_status
from dogcat_desktop.core.scan import ScanResult
from dogcat_desktop.core.undo import undo_last


def photo(folder: Path, name: str, content: str | None = None) -> Path:
    path = folder / name
    path.write_bytes((content or name).encode() * 50)
    return path


@pytest.fixture()
def pets(tmp_path: Path) -> Path:
    folder = tmp_path / "pets"
    folder.mkdir()
    for name in ("rex_1.jpg", "rex_2.jpg", "luna_1.jpg", "dog_1.jpg", "cat_1.jpg", "x.jpg"):
        photo(folder, name)
    return folder


def statuses(folder: Path) -> list[tuple[Path, str | None]]:
    named = {"rex": "dog/Rex", "luna": "cat/Luna", "dog": "dog", "cat": "cat"}
    return [(p, named.get(p.name.split("_")[0])) for p in sorted(folder.glob("*.jpg"))]


def test_named_pets_move_into_their_own_folders_and_undo_restores_the_tree(pets: Path) -> None:
    before = snapshot(pets)
    plan = plan_sort(pets, statuses(pets))
    assert {p.relative_to(pets).as_posix(): n for p, n in plan.counts_by_destination.items()} == {
        "dogs/Rex": 2,
        "cats/Luna": 1,
        "dogs": 1,
        "cats": 1,
    }
    # Listed as everywhere else: dogs before cats, a species' own folder before its pets'.
    assert [line.split(" -> ")[1] for line in plan.summary().splitlines() if " -> " in line] == [
        "dogs/",
        "dogs/Rex/",
        "cats/",
        "cats/Luna/",
    ]
    assert "2 photos -> dogs/Rex/" in plan.summary()
    report = execute_plan(plan)
    assert report.moved == 5 and not report.failures
    assert sorted(snapshot(pets)) == [
        "cats/Luna/luna_1.jpg",
        "cats/cat_1.jpg",
        "dogs/Rex/rex_1.jpg",
        "dogs/Rex/rex_2.jpg",
        "dogs/dog_1.jpg",
        "x.jpg",
    ]
    undone = undo_last(pets)
    assert undone.complete and undone.restored == 5
    assert snapshot(pets) == before
    assert not (pets / "dogs").exists() and not (pets / "cats").exists()


def test_a_named_pet_whose_species_folder_is_a_link_stays(pets: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (pets / "dogs").symlink_to(outside, target_is_directory=True)
    plan = plan_sort(pets, statuses(pets))
    assert pets / "dogs" / "Rex" in plan.refused and pets / "dogs" in plan.refused
    assert len(plan.warnings) == len(set(plan.warnings))
    execute_plan(plan)
    assert list(outside.iterdir()) == []


def test_a_bad_name_never_reaches_the_plan(pets: Path) -> None:
    with pytest.raises(ValueError):
        plan_sort(pets, [(pets / "x.jpg", "dog/../../etc")])
    with pytest.raises(ValueError):
        plan_sort(pets, [(pets / "x.jpg", "other/Rex")])


def folder_match(root: Path) -> FolderMatch:
    return FolderMatch(root.resolve(), str(root.resolve()))


@pytest.mark.parametrize("relative", ["dogs", "cats", "dogs/Rex", "cats/Luna Bella"])
def test_the_journal_may_create_sort_folders_and_pet_folders(pets: Path, relative: str) -> None:
    record = {"op": "mkdir", "path": str(pets / relative)}
    assert check_record(record, folder_match(pets))["path"] == str(pets.resolve() / relative)


@pytest.mark.parametrize(
    "relative", ["dogs/Rex/puppies", "other/Rex", "dogs/.hidden", "dogs/CON", "Rex", "dogs/a:b"]
)
def test_the_journal_may_not_create_other_folders(pets: Path, relative: str) -> None:
    record = {"op": "mkdir", "path": str(pets / relative)}
    with pytest.raises(JournalRefusedError, match="pet's folder"):
        check_record(record, folder_match(pets))


def test_undo_refuses_a_crafted_pet_folder_record(pets: Path) -> None:
    execute_plan(plan_sort(pets, statuses(pets)))
    (journal,) = (pets / STATE_DIR_NAME).glob("*.jsonl")
    with journal.open("a") as handle:
        handle.write(json.dumps({"op": "mkdir", "path": str(pets / "dogs" / "a")}) + "\n")
        handle.write(json.dumps({"op": "mkdir", "path": str(pets / "dogs/Rex/x")}) + "\n")
    report = undo_last(pets)
    assert report.refused is not None and "pet's folder" in report.refused
    assert (pets / "dogs" / "Rex" / "rex_1.jpg").exists()


def test_corrections_keep_named_pets_and_refuse_bad_labels(tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "c.sqlite3")
    path = photo(tmp_path, "a.jpg")
    version = FileVersion.of(path)
    store.set(version, "dog/ Rex ")
    assert store.get(version) == "dog/Rex"
    for bad in ("fish", "dog/", "other/Rex", "cat/a/b", "dog/CON"):
        with pytest.raises(LabelError):
            store.set(version, bad)
    assert store.get(version) == "dog/Rex"


def result(path: Path, probabilities: list[float], embedding: np.ndarray | None) -> ScanResult:
    return ScanResult(
        path, to_prediction(np.array(probabilities)), None, None, size=1, embedding=embedding
    )


def test_a_named_label_counts_as_its_species_and_sorts_into_its_folder(tmp_path: Path) -> None:
    scanned = result(tmp_path / "a.jpg", [0.1, 0.85, 0.05], None)
    assert review_status(scanned, "dog/Rex", 0.8) == ReviewStatus.DOG
    assert sort_status(ReviewStatus.DOG, "dog/Rex") == "dog/Rex"
    assert sort_status(ReviewStatus.CAT, None) == "cat"
    assert sort_status(ReviewStatus.UNSURE, None) == "unsure"


def test_labels_go_to_both_stores_and_follow_a_move(tmp_path: Path) -> None:
    corrections = CorrectionStore(tmp_path / "data" / "c.sqlite3")
    store = PersonalStore(tmp_path / "data" / "personal-layer.npz")
    book = LabelBook(corrections, store, "model-a")
    path = photo(tmp_path, "a.jpg")
    embedding = np.ones(1280, np.float32)
    book.set([Example(FileVersion.of(path), "cat/Luna", embedding, (0.1, 0.8, 0.1))])
    assert corrections.get(FileVersion.of(path)) == "cat/Luna"
    assert store.load("model-a").training.label_of(personal_key(path)) == "cat/Luna"
    moved = tmp_path / "cats" / "a.jpg"
    book.follow([(path, moved)])
    training = store.load("model-a").training
    assert training.label_of(personal_key(moved)) == "cat/Luna"
    assert training.label_of(personal_key(path)) is None
    book.set([Example(FileVersion(moved, 0, 0), None)])
    assert len(store.load("model-a").training) == 0


def test_a_new_model_relearns_labels_as_photos_are_scanned_again(tmp_path: Path) -> None:
    store = PersonalStore(tmp_path / "personal-layer.npz")
    path = photo(tmp_path, "a.jpg")
    LabelBook(None, store, "old").set(
        [Example(FileVersion.of(path), "dog/Rex", np.ones(1280), (0.9, 0.05, 0.05))]
    )
    book = LabelBook(None, store, "new")
    assert store.load("new").training.missing() == [(personal_key(path), "dog/Rex")]
    scanned = result(path, [0.9, 0.05, 0.05], np.full(1280, 0.5, np.float16))
    assert book.refill([Reviewed(scanned, FileVersion.of(path), None)]) == 1
    assert store.load("new").training.missing() == []


def test_attach_personal_gives_the_layers_answer_in_batches(tmp_path: Path) -> None:
    from dogcat_desktop.core.personal import PersonalLayer, TrainingSet

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 1280))
    examples = []
    for i in range(12):
        kind = i % 2
        embedding = centres[kind] + 0.05 * rng.normal(size=1280)
        examples.append((f"k{i}", ("dog/Rex", "dog/Max")[kind], embedding, (0.9, 0.05, 0.05)))
    layer = PersonalLayer.fit(TrainingSet("m").with_labels(examples))
    items = [
        Reviewed(
            result(
                tmp_path / f"{i}.jpg",
                [0.9, 0.05, 0.05],
                centres[i % 2] + 0.05 * rng.normal(size=1280),
            ),
            FileVersion(tmp_path / f"{i}.jpg", 1, 1),
            None,
        )
        for i in range(5)
    ]
    found = list(attach_personal(items, layer, batch=2))
    assert [item.name(0.8) for item in found] == ["Rex", "Max", "Rex", "Max", "Rex"]
    assert all(item.source == Source.PERSONAL for item in found)
    assert os.fspath(found[0].result.path) == os.fspath(items[0].result.path)
