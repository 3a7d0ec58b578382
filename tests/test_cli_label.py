"""``dogcat-sorter-cli label`` and ``personal``; the personal layer in ``classify`` and ``sort``."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import snapshot

from dogcat_desktop.cli import main
from dogcat_desktop.core.paths import user_data_dir
from dogcat_desktop.core.personal import FILE_NAME


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rows(text: str) -> dict[str, dict[str, str]]:
    return {Path(row["path"]).name: row for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture()
def pets(tmp_path, cat_photos, dog_photos) -> Path:
    folder = tmp_path / "pets"
    folder.mkdir()
    for photo in (*cat_photos[:4], *dog_photos[:4]):
        shutil.copy(photo, folder)
    return folder


def test_label_sets_the_label_classify_shows_who_set_it_and_clear_forgets(pets, capsys):
    code, out, _ = cli(
        capsys, "label", pets / "dog.2000.jpg", pets / "dog.2001.jpg", "--as", "dog/Rex"
    )
    assert code == 0 and "2 photos as dog/Rex." in out
    cli(capsys, "label", pets / "cat.2000.jpg", "--as", "other")
    code, out, _ = cli(capsys, "classify", pets)
    assert code == 0
    found = rows(out)
    assert list(next(iter(found.values()))) == [
        "path", "label", "confidence", "p_dog", "p_cat", "p_other",
        "status", "error", "source", "name",
    ]  # fmt: skip
    assert (found["dog.2000.jpg"]["source"], found["dog.2000.jpg"]["name"]) == ("you", "Rex")
    assert (found["cat.2000.jpg"]["label"], found["cat.2000.jpg"]["source"]) == ("other", "you")
    assert found["dog.2002.jpg"]["source"] == "model" and found["dog.2002.jpg"]["name"] == ""

    code, out, _ = cli(capsys, "classify", "--format", "json", pets / "dog.2001.jpg")
    (row,) = json.loads(out)
    assert (row["label"], row["source"], row["name"]) == ("dog", "you", "Rex")

    code, out, _ = cli(capsys, "label", "--clear", pets / "dog.2000.jpg")
    assert code == 0 and "1 photo cleared." in out
    code, out, _ = cli(capsys, "classify", pets / "dog.2000.jpg", pets / "dog.2001.jpg")
    found = rows(out)
    assert found["dog.2000.jpg"]["source"] == "model"
    assert found["dog.2001.jpg"]["name"] == "Rex"

    code, out, _ = cli(capsys, "classify", "--no-personal", pets / "dog.2001.jpg")
    assert rows(out)["dog.2001.jpg"]["source"] == "model"


@pytest.mark.parametrize(
    ("label", "says"),
    [
        ("fish", "unknown label 'fish'"),
        ("dog/", "cannot be empty"),
        ("dog/../../etc", "cannot contain /"),
        ("cat/a:b", "cannot contain :"),
        ("other/Rex", "only dogs and cats can have names"),
        ("dog/CON", "reserved file name"),
        ("dog/.Rex", "cannot start or end with a dot"),
    ],
)
def test_a_bad_label_is_one_line_and_changes_nothing(pets, capsys, label, says):
    code, out, err = cli(capsys, "label", pets / "dog.2000.jpg", "--as", label)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("dogcat-sorter-cli: ") and says in err
    assert not (user_data_dir() / FILE_NAME).exists()


def test_label_needs_as_or_clear_and_reports_unreadable_files(pets, capsys):
    code, _, err = cli(capsys, "label", pets / "dog.2000.jpg")
    assert code == 2 and "--as LABEL or --clear" in err
    (pets / "broken.jpg").write_bytes(b"not a photo")
    code, out, err = cli(capsys, "label", pets / "broken.jpg", pets / "dog.2000.jpg", "--as", "dog")
    assert code == 1 and "1 photo as dog." in out and "cannot label" in err and "broken.jpg" in err


def test_named_pets_sort_into_their_folders_and_undo_gives_back_the_exact_tree(pets, capsys):
    before = snapshot(pets)
    cli(capsys, "label", pets / "dog.2000.jpg", pets / "dog.2001.jpg", "--as", "dog/Rex")
    cli(capsys, "label", pets / "cat.2000.jpg", "--as", "cat/Luna")
    # The other dogs are labelled too: with one named dog and no other, a dog close enough to
    # Rex's two photos could be taken for him, and this test is about the moves.
    cli(capsys, "label", pets / "dog.2002.jpg", pets / "dog.2003.jpg", "--as", "dog")
    code, out, _ = cli(capsys, "sort", "--dry-run", pets)
    assert code == 0
    for line in ("2 photos -> dogs/Rex/", "1 photo -> cats/Luna/", "2 photos -> dogs/"):
        assert line in out
    assert snapshot(pets) == before

    code, out, _ = cli(capsys, "sort", pets)
    assert code == 0, out
    after = snapshot(pets)
    assert {"dogs/Rex/dog.2000.jpg", "dogs/Rex/dog.2001.jpg", "cats/Luna/cat.2000.jpg"} <= set(
        after
    )
    assert after["dogs/Rex/dog.2000.jpg"] == before["dog.2000.jpg"]
    # the labels followed the photos
    code, out, _ = cli(capsys, "classify", pets / "dogs" / "Rex")
    assert {row["name"] for row in rows(out).values()} == {"Rex"}

    code, out, _ = cli(capsys, "undo", pets)
    assert code == 0 and snapshot(pets) == before
    assert not (pets / "dogs").exists()
    code, out, _ = cli(capsys, "classify", pets / "dog.2000.jpg")
    assert rows(out)["dog.2000.jpg"]["name"] == "Rex"


def test_a_link_in_place_of_dogs_keeps_named_pets_home(pets, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (pets / "dogs").symlink_to(outside, target_is_directory=True)
    cli(capsys, "label", pets / "dog.2000.jpg", "--as", "dog/Rex")
    before = snapshot(pets, skip_links=True)
    code, _, err = cli(capsys, "sort", pets)
    assert code == 1 and "symbolic link" in err and err.count("\n") == 1
    assert snapshot(pets, skip_links=True) == before and list(outside.iterdir()) == []


def test_the_guard_keeps_the_bundled_model_until_the_layer_is_better(pets, capsys, cat_photos):
    # Labels that agree with the model: the layer cannot beat it, so it is not used.
    cli(capsys, "label", *sorted(pets.glob("dog.*")), "--as", "dog")
    _, out, err = cli(capsys, "classify", "--verbose", pets)
    assert "Personal layer: not used:" in err and "the bundled model 4 times" in err
    assert {row["source"] for row in rows(out).values()} <= {"model", "you"}
    # This person files cats as neither: after a few examples the layer wins and says so.
    more = pets.parent / "more"
    more.mkdir()
    for photo in cat_photos[10:22]:
        shutil.copy(photo, more)
    cli(capsys, "label", *sorted(more.glob("*.jpg"))[:8], "--as", "other")
    _, out, err = cli(capsys, "classify", "--verbose", pets)
    assert "Personal layer: active:" in err
    cats = [row for name, row in rows(out).items() if name.startswith("cat")]
    assert {(row["label"], row["source"]) for row in cats} == {("other", "personal")}
    _, out, _ = cli(capsys, "classify", "--no-personal", pets)
    assert {row["label"] for name, row in rows(out).items() if name.startswith("cat")} == {"cat"}


def test_personal_off_on_status_and_reset(pets, capsys):
    cli(capsys, "label", pets / "dog.2000.jpg", "--as", "dog/Rex")
    code, out, _ = cli(capsys, "personal", "off")
    assert code == 0 and "switched off" in out
    code, out, _ = cli(capsys, "personal", "status")
    assert "switched off" in out
    code, out, _ = cli(capsys, "personal", "on")
    assert "1 labels" in out or "Rex" in out
    code, out, _ = cli(capsys, "personal", "reset")
    assert code == 0 and "forgotten" in out
    code, out, _ = cli(capsys, "personal", "status")
    assert "0 labels" in out
    # the label on the photo itself stays
    code, out, _ = cli(capsys, "classify", pets / "dog.2000.jpg")
    assert rows(out)["dog.2000.jpg"]["source"] == "you"


def test_a_damaged_personal_file_is_said_in_one_line_and_set_aside_on_reset(pets, capsys):
    path = user_data_dir() / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an archive")
    code, out, err = cli(capsys, "classify", pets / "dog.2000.jpg")
    assert code == 0 and rows(out)["dog.2000.jpg"]["source"] == "model"
    assert err.count("\n") == 1 and "damaged" in err and "personal reset" in err
    code, out, err = cli(capsys, "label", pets / "dog.2000.jpg", "--as", "dog")
    assert code == 1 and "personal reset" in err and "Traceback" not in err
    assert path.read_bytes() == b"not an archive"
    code, out, err = cli(capsys, "personal", "status")
    assert code == 1 and "not used" in out
    code, out, _ = cli(capsys, "personal", "reset")
    assert code == 0 and "kept as" in out
    assert not path.exists() and len(list(path.parent.glob("personal-layer.damaged-*.npz"))) == 1


def test_classify_counts_the_photos_towards_the_species_means(pets, capsys):
    """What named pets are told apart against: the user's dogs and cats, as scanned."""
    from dogcat_desktop.core.personal import PersonalStore

    store = PersonalStore(user_data_dir() / FILE_NAME)
    cli(capsys, "classify", "--no-personal", pets)
    assert not store.path.exists()  # --no-personal leaves the file alone
    code, out, _ = cli(capsys, "classify", pets)
    assert code == 0
    labels = [row["label"] for row in rows(out).values()]
    with np.load(store.path) as archive:
        model_id = str(archive["model_id"])
    state = store.load(model_id)
    assert state.means.counts.tolist() == [labels.count("dog"), labels.count("cat")]
    cli(capsys, "classify", pets / "dog.2000.jpg")
    again = store.load(model_id).means
    assert again.counts.sum() == state.means.counts.sum() + 1


def test_a_new_users_named_pet_is_told_apart_from_the_bundled_models_typical_one(pets, capsys):
    """4 cats scanned are far too few for a mean of the user's own: classify compares Luna
    against the bundled model's typical cat from the start (what the status line shows is the
    same layer, with the same centre)."""
    from dogcat_desktop import cli as cli_module
    from dogcat_desktop.core.classifier import model_id_of
    from dogcat_desktop.resources import model_dir

    cats = sorted(pets.glob("cat.*.jpg"))
    code, _, _ = cli(capsys, "label", *cats[:2], "--as", "cat/Luna")
    assert code == 0
    loaded = cli_module._personal_layer(model_id_of(model_dir()), True)
    assert loaded.state is not None and loaded.state.means.counts.sum() < 50
    luna = loaded.layer.names["cat"]
    assert luna.names == ("Luna",) and luna.centre is not None


def test_sort_names_pets_with_the_folder_it_scanned_counted_in(pets, capsys, monkeypatch):
    """A sort's plan is made after its scan, so the folder's own cats count in telling the
    named ones apart (``classify`` streams its rows and counts them for the next run)."""
    from dogcat_desktop.core import learning

    seen = []
    real = learning.with_this_folder

    def spy(loaded, counted, prior=None):
        layer = real(loaded, counted, prior)
        seen.append((counted.counts.tolist(), layer))
        return layer

    monkeypatch.setattr(learning, "with_this_folder", spy)
    cats = sorted(pets.glob("cat.*.jpg"))
    cli(capsys, "label", *cats[:2], "--as", "cat/Luna")
    code, out, _ = cli(capsys, "sort", "--dry-run", pets)
    assert code == 0 and "cats/Luna/" in out
    ((counts, layer),) = seen
    assert counts[1] >= 2 and layer is not None and layer.names["cat"].centre is not None
