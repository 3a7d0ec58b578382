"""The corrections store: one label per file version, kept across sessions and moves."""

from __future__ import annotations

import os

import pytest

from dogcat_desktop.core.corrections import CorrectionStore, FileVersion
from dogcat_desktop.core.paths import user_data_dir


@pytest.fixture()
def photo(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"first version")
    return path


def test_set_get_and_forget(tmp_path, photo):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    version = FileVersion.of(photo)
    assert store.get(version) is None
    store.set(version, "dog")
    assert store.get(version) == "dog"
    store.set(version, "cat")
    assert store.get(version) == "cat" and len(store) == 1
    store.set(version, None)
    assert store.get(version) is None and len(store) == 0


def test_a_changed_file_is_judged_afresh(tmp_path, photo):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    store.set(FileVersion.of(photo), "dog")
    photo.write_bytes(b"a different photo now")
    os.utime(photo, ns=(1, 2))
    assert store.get(FileVersion.of(photo)) is None


def test_kept_across_sessions(tmp_path, photo):
    path = tmp_path / "c.sqlite3"
    first = CorrectionStore(path)
    first.set_many([(FileVersion.of(photo), "other")])
    first.close()
    assert CorrectionStore(path).get(FileVersion.of(photo)) == "other"


def test_follows_a_move(tmp_path, photo):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    store.set(FileVersion.of(photo), "cat")
    moved = tmp_path / "cats" / "a.jpg"
    moved.parent.mkdir()
    os.rename(photo, moved)
    store.rename(photo, moved)
    assert store.get(FileVersion.of(moved)) == "cat"


def test_relative_and_absolute_paths_agree(tmp_path, photo, monkeypatch):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    store.set(FileVersion.of(photo), "dog")
    monkeypatch.chdir(photo.parent)
    version = FileVersion.of(photo)
    relative = FileVersion(type(photo)(photo.name), version.size, version.mtime_ns)
    assert store.get(relative) == "dog"


def test_unknown_label_is_refused(tmp_path, photo):
    store = CorrectionStore(tmp_path / "c.sqlite3")
    with pytest.raises(ValueError):
        store.set(FileVersion.of(photo), "hamster")
    assert len(store) == 0


def test_data_dir_override(tmp_path, monkeypatch):
    monkeypatch.setenv("DOGCAT_SORTER_DATA_DIR", str(tmp_path / "d"))
    assert user_data_dir() == tmp_path / "d"


def test_a_name_that_is_not_utf8(tmp_path):
    path = tmp_path / os.fsdecode(b"caf\xe9.jpg")
    path.write_bytes(b"photo")
    store = CorrectionStore(tmp_path / "c.sqlite3")
    store.set(FileVersion.of(path), "cat")
    assert store.get(FileVersion.of(path)) == "cat"


def test_scan_results_get_the_correction_of_the_file_as_it_is_now(tmp_path, photo):
    """The one lookup both the window and the CLI use (core.pipeline)."""
    from dogcat_desktop.core.classifier import Prediction
    from dogcat_desktop.core.pipeline import attach_corrections
    from dogcat_desktop.core.scan import ScanResult

    store = CorrectionStore(tmp_path / "c.sqlite3")
    store.set(FileVersion.of(photo), "cat")
    unreadable = tmp_path / "b.jpg"
    unreadable.write_bytes(b"broken")
    store.set(FileVersion.of(unreadable), "dog")
    prediction = Prediction((0.9, 0.05, 0.05), "dog", 0.9)
    size = photo.stat().st_size
    results = [
        ScanResult(photo, prediction, None, None, size=size),
        ScanResult(unreadable, None, "corrupt image data", None, size=6),
    ]

    first = list(attach_corrections(results, store))
    assert [item.correction for item in first] == ["cat", None]  # errors carry no label
    assert first[0].version == FileVersion.of(photo)

    stat = photo.stat()
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # edited since
    assert [item.correction for item in attach_corrections(results[:1], store)] == [None]
    assert [item.correction for item in attach_corrections(results[:1], None)] == [None]
