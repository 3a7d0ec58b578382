"""Planning and executing a sort: where files go, and that none is ever lost or overwritten."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from support import TRAIN_PHOTOS, cross_disk, label_of, require, sha, snapshot

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.moves import PlannedMove, execute_plan, plan_sort
from dogcat_desktop.core.transfer import TEMP_PREFIX, numbered_name


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def real_photo(name: str, dest: Path) -> Path:
    """Copy one of the shared photos (read-only source) into the test folder."""
    source = require(TRAIN_PHOTOS / ("cats" if name.startswith("cat") else "dogs") / name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest


def scan(folder: Path) -> list[tuple[Path, str | None]]:
    """Every .jpg and .png (not only .jpg, unlike ``support.labelled``), labelled by name."""
    return [
        (p, label_of(p))
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.suffix in (".jpg", ".png")
        and folder_lock.STATE_DIR_NAME not in p.parts
    ]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    real_photo("dog.1.jpg", root / "dog.1.jpg")
    real_photo("dog.2.jpg", root / "dog.2.jpg")
    real_photo("cat.1.jpg", root / "cat.1.jpg")
    real_photo("cat.2.jpg", root / "holiday" / "cat.2.jpg")
    write(root / "other_car.jpg", "a car")
    write(root / "unsure.jpg", "blurry")
    return root


# -------------------------------------------------------------------------------------- planning


def test_plan_counts_destinations_and_staying(folder: Path) -> None:
    real_photo("dog.3.jpg", folder / "dogs" / "dog.3.jpg")  # already sorted
    plan = plan_sort(folder, scan(folder))

    assert plan.counts_by_destination == {folder / "dogs": 2, folder / "cats": 2}
    assert plan.staying == 3
    assert plan.staying_by_reason == {"other": 1, "unsure": 1, "already_sorted": 1}
    assert plan.collisions == []
    targets = {m.source.relative_to(folder).as_posix(): m.destination for m in plan.moves}
    assert targets == {
        "cat.1.jpg": folder / "cats" / "cat.1.jpg",
        "dog.1.jpg": folder / "dogs" / "dog.1.jpg",
        "dog.2.jpg": folder / "dogs" / "dog.2.jpg",
        "holiday/cat.2.jpg": folder / "cats" / "cat.2.jpg",
    }
    assert all(isinstance(m, PlannedMove) and m.label in ("dog", "cat") for m in plan.moves)
    text = plan.summary()
    assert "2 photos -> dogs/" in text and "2 photos -> cats/" in text
    assert "3 photos stay where they are" in text
    assert "1 neither dog nor cat" in text and "1 already in their folder" in text


def test_plan_collisions_with_existing_files_and_between_sources(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    write(folder / "cats" / "cat.jpg", "already there")
    write(folder / "cats" / "cat (1).jpg", "also there")
    write(folder / "cat.jpg", "a")
    write(folder / "x" / "cat.jpg", "b")
    write(folder / "y" / "cat.jpg", "c")
    write(folder / "a" / "dog.png", "d1")
    write(folder / "b" / "dog.png", "d2")
    items = [
        (folder / "cat.jpg", "cat"),
        (folder / "x" / "cat.jpg", "cat"),
        (folder / "y" / "cat.jpg", "cat"),
        (folder / "a" / "dog.png", "dog"),
        (folder / "b" / "dog.png", "dog"),
    ]
    plan = plan_sort(folder, items)

    cats, dogs = folder / "cats", folder / "dogs"
    assert [m.destination for m in plan.moves] == [
        cats / "cat (2).jpg",
        cats / "cat (3).jpg",
        cats / "cat (4).jpg",
        dogs / "dog.png",
        dogs / "dog (1).png",
    ]
    assert plan.collisions == [
        (folder / "cat.jpg", cats / "cat.jpg", cats / "cat (2).jpg"),
        (folder / "x" / "cat.jpg", cats / "cat.jpg", cats / "cat (3).jpg"),
        (folder / "y" / "cat.jpg", cats / "cat.jpg", cats / "cat (4).jpg"),
        (folder / "b" / "dog.png", dogs / "dog.png", dogs / "dog (1).png"),
    ]
    assert plan.counts_by_destination == {cats: 3, dogs: 2}
    assert "4 name collisions" in plan.summary()
    assert "b/dog.png -> dogs/dog (1).png" in plan.summary()


def test_numbered_name_goes_before_the_suffix() -> None:
    assert numbered_name(Path("/p/cat.jpg"), 1) == Path("/p/cat (1).jpg")
    assert numbered_name(Path("/p/cat.jpg"), 2) == Path("/p/cat (2).jpg")
    assert numbered_name(Path("/p/README"), 1) == Path("/p/README (1)")
    assert numbered_name(Path("/p/a.tar.gz"), 3) == Path("/p/a.tar (3).gz")


def test_planning_only_reads_the_disk(folder: Path) -> None:
    def full_state() -> list[tuple[str, int, int]]:
        return sorted(
            (p.relative_to(folder).as_posix(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in [folder, *folder.rglob("*")]
        )

    before = full_state()
    plan = plan_sort(folder, scan(folder))
    assert plan.moves
    assert full_state() == before
    assert not (folder / "dogs").exists() and not (folder / folder_lock.STATE_DIR_NAME).exists()


def test_plan_ignores_duplicates_and_the_state_folder(folder: Path) -> None:
    journal = write(folder / folder_lock.STATE_DIR_NAME / "dog-journal.jsonl", "{}")
    items = [(folder / "dog.1.jpg", "dog"), (folder / "dog.1.jpg", "dog"), (journal, "dog")]
    plan = plan_sort(folder, items)
    assert [m.source for m in plan.moves] == [folder / "dog.1.jpg"]
    with pytest.raises(ValueError, match="unknown label"):
        plan_sort(folder, [(folder / "dog.1.jpg", "dogs")])


# ------------------------------------------------------------------------------------- execution


def test_execute_moves_everything_and_overwrites_nothing(folder: Path) -> None:
    write(folder / "cats" / "cat.1.jpg", "an older, different cat.1.jpg")
    before = snapshot(folder)
    plan = plan_sort(folder, scan(folder))
    progress: list[tuple[int, int]] = []
    report = execute_plan(plan, progress=lambda done, total: progress.append((done, total)))

    assert report.failures == [] and report.moved == 4 and not report.cancelled
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    after = snapshot(folder)
    assert after == {
        "cats/cat.1.jpg": before["cats/cat.1.jpg"],  # untouched
        "cats/cat.1 (1).jpg": before["cat.1.jpg"],
        "cats/cat.2.jpg": before["holiday/cat.2.jpg"],
        "dogs/dog.1.jpg": before["dog.1.jpg"],
        "dogs/dog.2.jpg": before["dog.2.jpg"],
        "other_car.jpg": before["other_car.jpg"],
        "unsure.jpg": before["unsure.jpg"],
    }
    assert sorted(after.values()) == sorted(before.values())
    # The journal has the header, and a move + done pair for each photo, all fsynced lines.
    assert report.journal_path is not None and report.journal_path.parent.name == ".dogcat-sorter"
    records = [json.loads(line) for line in report.journal_path.read_text().splitlines()]
    assert records[0]["op"] == "header" and records[0]["folder"] == str(folder)
    assert [r["op"] for r in records].count("done") == 4
    assert records[-1]["op"] == "end"
    assert not (folder / ".dogcat-sorter" / "lock").exists()


def test_name_taken_after_planning_gets_the_next_number(folder: Path) -> None:
    plan = plan_sort(folder, scan(folder))
    newcomer = write(folder / "dogs" / "dog.1.jpg", "appeared after the preview")
    digest = sha(newcomer)
    source_digest = sha(folder / "dog.1.jpg")
    report = execute_plan(plan)
    assert report.failures == []
    assert sha(newcomer) == digest
    assert sha(folder / "dogs" / "dog.1 (1).jpg") == source_digest


def _assert_untouched(paths: dict[Path, str]) -> None:
    for path, digest in paths.items():
        assert path.is_file() and sha(path) == digest


def test_read_only_destination_fails_those_files_only(folder: Path) -> None:
    dogs = folder / "dogs"
    dogs.mkdir()
    dogs.chmod(0o555)
    try:
        probe = dogs / "probe"
        try:
            probe.write_text("x")
        except PermissionError:
            really_read_only = True
        else:
            probe.unlink()
            really_read_only = False  # running as root: chmod does not stop writes
        if not really_read_only:
            pytest.skip("read-only folders are writable for this user (root)")
        sources = {folder / "dog.1.jpg": sha(folder / "dog.1.jpg")}
        report = execute_plan(plan_sort(folder, scan(folder)))
        assert report.moved == 2  # the cats
        assert all("permission denied" in f.reason for f in report.failures)
        assert len(report.failures) == 2
        _assert_untouched(sources)
    finally:
        dogs.chmod(0o755)


def test_permission_denied_is_reported_and_the_rest_goes_on(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as above, simulated, since root can write into a 0o555 folder."""
    real_link = os.link

    def link(src: os.PathLike[str], dst: os.PathLike[str], **kwargs: object) -> None:
        if Path(dst).parent.name == "dogs":
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", link)
    dog_sources = {p: sha(p) for p in (folder / "dog.1.jpg", folder / "dog.2.jpg")}
    report = execute_plan(plan_sort(folder, scan(folder)))

    assert report.moved == 2
    assert [f.source for f in report.failures] == sorted(dog_sources)
    assert all(
        f.reason == "permission denied: the 'dogs' folder is read-only or not writable"
        for f in report.failures
    )
    _assert_untouched(dog_sources)
    assert list((folder / "dogs").iterdir()) == []
    assert "could not be moved" in report.summary()


def test_dogs_existing_as_a_file(folder: Path) -> None:
    blocker = write(folder / "dogs", "I am a file called dogs")
    digest = sha(blocker)
    plan = plan_sort(folder, scan(folder))
    assert any("'dogs' exists but is a file" in w for w in plan.warnings)
    dog_sources = {p: sha(p) for p in (folder / "dog.1.jpg", folder / "dog.2.jpg")}

    report = execute_plan(plan)
    assert report.moved == 2
    assert len(report.failures) == 2
    assert all("'dogs' exists but is a file" in f.reason for f in report.failures)
    assert sha(blocker) == digest
    _assert_untouched(dog_sources)


def test_vanished_source_is_reported_and_the_rest_goes_on(folder: Path) -> None:
    plan = plan_sort(folder, scan(folder))
    (folder / "dog.1.jpg").unlink()
    report = execute_plan(plan)
    assert report.moved == 3
    assert [(f.source.name, f.reason) for f in report.failures] == [
        ("dog.1.jpg", "the photo is no longer there (moved or deleted since the scan)")
    ]


def test_failed_source_removal_keeps_one_copy(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only source folder: the new name is taken back, the photo stays where it was."""
    real_unlink = os.unlink
    holiday = folder / "holiday"

    def unlink(path: os.PathLike[str], **kwargs: object) -> None:
        if Path(path).parent == holiday:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_unlink(path, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    digest = sha(holiday / "cat.2.jpg")
    report = execute_plan(plan_sort(folder, scan(folder)))
    assert report.moved == 3
    assert [f.reason for f in report.failures] == [
        "permission denied: the photo's own folder is read-only, so it stays there"
    ]
    assert sha(holiday / "cat.2.jpg") == digest
    assert not (folder / "cats" / "cat.2.jpg").exists()


def _exdev(*args: object, **kwargs: object) -> None:
    raise OSError(errno.EXDEV, "Invalid cross-device link")


@pytest.mark.parametrize("temp_can_link", [False, True])
def test_cross_filesystem_move_copies_verifies_and_removes_the_source(
    folder: Path, monkeypatch: pytest.MonkeyPatch, temp_can_link: bool
) -> None:
    # With ``temp_can_link`` the temporary copy is on the destination's disk and links there.
    monkeypatch.setattr(os, "link", cross_disk(os.link) if temp_can_link else _exdev)
    monkeypatch.setattr(os, "rename", _exdev)
    write(folder / "dogs" / "dog.1.jpg", "an existing dog.1.jpg")
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, scan(folder)))

    assert report.failures == [] and report.moved == 4
    after = snapshot(folder)
    assert after["dogs/dog.1.jpg"] == before["dogs/dog.1.jpg"]
    assert after["dogs/dog.1 (1).jpg"] == before["dog.1.jpg"]
    assert after["cats/cat.2.jpg"] == before["holiday/cat.2.jpg"]
    assert sorted(after.values()) == sorted(before.values())
    assert not (folder / "dog.1.jpg").exists() and not (folder / "holiday" / "cat.2.jpg").exists()
    leftovers = [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert leftovers == []
    assert report.journal_path is not None
    records = [json.loads(line) for line in report.journal_path.read_text().splitlines()]
    assert [r["method"] for r in records if r["op"] == "done"] == ["copy"] * 4
    assert all(r["tmp"] for r in records if r["op"] == "move" and r["method"] == "copy")


def test_cross_filesystem_disk_full_keeps_the_source(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "link", _exdev)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", full)
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, scan(folder)))
    assert report.moved == 0
    assert [f.reason for f in report.failures] == ["the disk is full"] * 4
    assert snapshot(folder) == before
    assert [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)] == []


def test_file_system_without_hard_links_uses_a_placeholder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    write(folder / "cats" / "cat.1.jpg", "keep me")
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, scan(folder)))
    assert report.failures == [] and report.moved == 4
    after = snapshot(folder)
    assert after["cats/cat.1.jpg"] == before["cats/cat.1.jpg"]
    assert after["cats/cat.1 (1).jpg"] == before["cat.1.jpg"]
    assert sorted(after.values()) == sorted(before.values())


def test_cancel_stops_between_files(folder: Path) -> None:
    plan = plan_sort(folder, scan(folder))
    calls: list[int] = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    report = execute_plan(plan, cancel=cancel)
    assert report.cancelled and report.moved == 2 and report.failures == []
    assert sorted(snapshot(folder).values()) == sorted(
        sha(p) for p in folder.rglob("*") if p.is_file() and ".dogcat-sorter" not in p.parts
    )
    assert sum(1 for m in plan.moves if m.source.exists()) == 2
    assert "Stopped on request" in report.summary()


def test_execute_refuses_while_the_folder_is_busy(folder: Path) -> None:
    plan = plan_sort(folder, scan(folder))
    before = snapshot(folder)
    with folder_lock.acquire(folder), pytest.raises(folder_lock.FolderBusyError):
        execute_plan(plan)
    assert snapshot(folder) == before


def test_empty_plan_writes_no_journal(folder: Path) -> None:
    plan = plan_sort(folder, [(folder / "other_car.jpg", "other")])
    report = execute_plan(plan)
    assert report.moved == 0 and report.journal_path is None
    assert not list((folder / ".dogcat-sorter").glob("journal-*"))


def test_per_subfolder_sorting_gives_each_folder_its_own_dogs_and_cats(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for relative in ("top.jpg", "trip/a.jpg", "trip/b.jpg", "trip/dogs/c.jpg", "home/d.jpg"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(relative)
    labels = {"top.jpg": "dog", "a.jpg": "dog", "b.jpg": "cat", "c.jpg": "cat", "d.jpg": "dog"}
    items = [(path, labels[path.name]) for path in sorted(root.rglob("*.jpg"))]
    before = snapshot(root)

    plan = plan_sort(root, items, per_subfolder=True)
    where = {move.source.name: move.destination.relative_to(root).as_posix() for move in plan.moves}
    assert where == {
        "top.jpg": "dogs/top.jpg",
        "a.jpg": "trip/dogs/a.jpg",
        "b.jpg": "trip/cats/b.jpg",
        "c.jpg": "trip/cats/c.jpg",  # a cat found in trip/dogs joins trip/cats, not dogs/cats
        "d.jpg": "home/dogs/d.jpg",
    }
    report = execute_plan(plan)
    assert report.moved == 5 and not report.failures
    assert (root / "trip" / "cats" / "c.jpg").read_text() == "trip/dogs/c.jpg"

    one_place = plan_sort(root, [(p, labels[p.name]) for p in sorted(root.rglob("*.jpg"))])
    assert {m.destination.parent.relative_to(root).as_posix() for m in one_place.moves} <= {
        "dogs",
        "cats",
    }
    from dogcat_desktop.core.undo import undo_last

    assert undo_last(root).complete and snapshot(root) == before
