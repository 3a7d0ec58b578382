"""Undo from the journal: the exact original tree comes back, even after a crash."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support import STATE_DIR_NAME, TRAIN_PHOTOS, folders, label_of, require, sha, snapshot

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.journal import JournalWriter, list_journals, read_journal
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.recovery import recover_interrupted
from dogcat_desktop.core.undo import undo_last


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def scan(folder: Path) -> list[tuple[Path, str | None]]:
    """Every file with a suffix (not only photos), labelled by its name."""
    return [
        (p, label_of(p))
        for p in sorted(folder.rglob("*.*"))
        if p.is_file() and STATE_DIR_NAME not in p.parts
    ]


def sort(folder: Path) -> Path:
    report = execute_plan(plan_sort(folder, scan(folder)))
    assert report.failures == []
    assert report.journal_path is not None
    return report.journal_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for kind, names in (("dogs", ["dog.5.jpg", "dog.6.jpg"]), ("cats", ["cat.5.jpg"])):
        for name in names:
            source = require(TRAIN_PHOTOS / kind / name)
            (root / "trip").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / "trip" / name)
    write(root / "dog_a.jpg", "dog a")
    write(root / "deep" / "er" / "dog_a.jpg", "another dog a")  # same name, other folder
    write(root / "cat_b.png", "cat b")
    write(root / "cats" / "cat_b.png", "a cat sorted earlier, same name")
    write(root / "other_c.jpg", "neither")
    write(root / "notes.txt", "unsure")
    return root


def test_undo_restores_the_exact_tree(folder: Path) -> None:
    before, dirs_before = snapshot(folder), folders(folder)
    journal = sort(folder)
    assert snapshot(folder) != before
    assert list_journals(folder)[0].path == journal and list_journals(folder)[0].moved == 6

    report = undo_last(folder)
    assert report.complete and report.restored == 6 and report.failures == []
    assert report.renamed == [] and report.missing == []
    assert snapshot(folder) == before
    assert folders(folder) == dirs_before  # dogs/ removed again, cats/ (there before) kept
    assert report.removed_folders == [folder / "dogs"]
    assert list_journals(folder) == []
    assert report.journal_path is not None and report.journal_path.name.endswith(".undone.jsonl")
    assert undo_last(folder).nothing_to_undo


def test_undo_never_overwrites_a_file_that_appeared_at_the_old_place(folder: Path) -> None:
    before = snapshot(folder)
    sort(folder)
    newcomer = write(folder / "dog_a.jpg", "a new photo with the old name")
    report = undo_last(folder)

    assert report.complete and report.restored == 6
    assert report.renamed == [(folder / "dog_a.jpg", folder / "dog_a (1).jpg")]
    assert newcomer.read_text() == "a new photo with the old name"
    expected = dict(before)
    expected["dog_a (1).jpg"] = expected.pop("dog_a.jpg")
    expected["dog_a.jpg"] = sha(newcomer)
    assert snapshot(folder) == expected
    assert "put back as dog_a (1).jpg" in report.summary()


def test_truncated_journal_is_still_read(folder: Path) -> None:
    before = snapshot(folder)
    journal = sort(folder)
    data = journal.read_bytes()
    # Cut the last record ('end') in half, as a crash while writing it would.
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    journal.write_bytes(data[: last_start + 7])
    parsed = read_journal(journal)
    assert parsed.broken_lines == 1 and not parsed.finished and parsed.moved == 6

    report = undo_last(folder)
    assert report.complete and report.restored == 6
    assert snapshot(folder) == before
    # The cut line was ended before undo appended to it, so its own records are readable.
    assert read_journal(report.journal_path).undone


def test_second_undo_goes_to_the_earlier_sort(folder: Path) -> None:
    original = snapshot(folder)
    first = sort(folder)
    write(folder / "dog_late.jpg", "arrived after the first sort")
    write(folder / "cat_late.jpg", "this one too")
    after_first = snapshot(folder)
    second = sort(folder)
    assert [info.path for info in list_journals(folder)] == [second, first]

    report = undo_last(folder)
    assert report.journal_path is not None and report.journal_path.name.startswith(second.stem)
    assert snapshot(folder) == after_first
    assert [info.path for info in list_journals(folder)] == [first]

    undo_last(folder)
    expected = dict(original)
    expected["dog_late.jpg"] = after_first["dog_late.jpg"]
    expected["cat_late.jpg"] = after_first["cat_late.jpg"]
    assert snapshot(folder) == expected
    assert list_journals(folder) == []
    assert len(list_journals(folder, include_all=True)) == 2


def _journal_with(folder: Path, records: list[dict]) -> Path:
    """A journal of a sort that was killed: header and the given records, no 'end'."""
    writer = JournalWriter.create(folder)
    for record in records:
        writer.append(record)
    writer.close()
    return writer.path


def _move_record(seq: int, src: Path, dst: Path, **extra: object) -> dict:
    st = src.stat()
    return {"op": "move", "seq": seq, "src": str(src), "dst": str(dst), "size": st.st_size,
            "dev": st.st_dev, "ino": st.st_ino, "method": "link", **extra}  # fmt: skip


def test_undo_of_a_crashed_sort_handles_every_intermediate_state(folder: Path) -> None:
    """Each photo stopped at a different step: none is lost, none is left twice."""
    before = snapshot(folder)
    dogs, cats = folder / "dogs", folder / "cats"
    dogs.mkdir()
    trip = folder / "trip"
    # 0: done
    rec0 = _move_record(0, trip / "dog.5.jpg", dogs / "dog.5.jpg")
    os.link(trip / "dog.5.jpg", dogs / "dog.5.jpg")
    os.unlink(trip / "dog.5.jpg")
    # 1: killed between link and unlink: the same file under two names
    rec1 = _move_record(1, trip / "dog.6.jpg", dogs / "dog.6.jpg")
    os.link(trip / "dog.6.jpg", dogs / "dog.6.jpg")
    # 2: killed after the link and the unlink, before 'done'
    rec2 = _move_record(2, folder / "dog_a.jpg", dogs / "dog_a.jpg")
    os.link(folder / "dog_a.jpg", dogs / "dog_a.jpg")
    os.unlink(folder / "dog_a.jpg")
    # 3: killed right after the journal line: the photo never left; the name was someone's
    rec3 = _move_record(3, folder / "cat_b.png", cats / "cat_b.png")
    # 4: a copy across disks, killed after the copy got its final name, source still there
    temp = cats / ".dogcat-sorter-0123.part"
    rec4 = _move_record(4, trip / "cat.5.jpg", cats / "cat.5.jpg", method="copy", tmp=str(temp))
    shutil.copyfile(trip / "cat.5.jpg", cats / "cat.5.jpg")
    copy = (cats / "cat.5.jpg").stat()  # the finished copy, journaled before it got its name
    copied4 = {"op": "copied", "phase": "move", "seq": 4, "dev": copy.st_dev, "ino": copy.st_ino}
    # 5: a copy killed halfway through writing the temporary file
    temp5 = dogs / ".dogcat-sorter-4567.part"
    rec5 = _move_record(
        5, folder / "deep" / "er" / "dog_a.jpg", dogs / "dog_a (1).jpg", method="copy",
        tmp=str(temp5),
    )  # fmt: skip
    temp5.write_bytes(b"half a ph")
    journal = _journal_with(
        folder,
        [{"op": "mkdir", "path": str(dogs)}, rec0, {"op": "done", "seq": 0}, rec1, rec2, rec3,
         rec4, copied4, rec5],
    )  # fmt: skip
    with journal.open("ab") as handle:
        handle.write(b'{"op":"done","se')  # killed while writing a line

    report = undo_last(folder)
    assert report.complete and report.failures == [] and report.missing == []
    assert report.restored == 2  # 0 and 2 moved back; 1 only lost its second name
    assert snapshot(folder) == before
    assert not dogs.exists()


def test_undo_finishes_an_undo_that_was_killed(folder: Path) -> None:
    before = snapshot(folder)
    journal = sort(folder)
    parsed = read_journal(journal)
    # Pretend undo was killed while moving the last photo back, between link and unlink.
    last = list(parsed.entries.values())[-1]
    sorted_to, original = Path(last.done["dst"]), Path(last.move["src"])
    st = sorted_to.stat()
    with JournalWriter.reopen(journal) as writer:
        writer.append({"op": "restore", "seq": last.seq, "src": str(sorted_to),
                       "dst": str(original), "size": st.st_size, "dev": st.st_dev,
                       "ino": st.st_ino, "method": "link"})  # fmt: skip
    os.link(sorted_to, original)

    report = undo_last(folder)
    assert report.complete and report.restored == 6 and report.failures == []
    assert snapshot(folder) == before


def test_recovery_before_a_new_sort_leaves_each_photo_in_one_place(folder: Path) -> None:
    dogs = folder / "dogs"
    dogs.mkdir()
    src = folder / "trip" / "dog.5.jpg"
    record = _move_record(0, src, dogs / "dog.5.jpg")
    os.link(src, dogs / "dog.5.jpg")
    journal = _journal_with(folder, [record])
    assert [info.interrupted for info in list_journals(folder)] == [True]

    assert recover_interrupted(folder) == [journal]
    assert src.exists() and not (dogs / "dog.5.jpg").exists()
    ops = [json.loads(line)["op"] for line in journal.read_text().splitlines()]
    assert ops[-2:] == ["rolled_back", "end"]
    assert recover_interrupted(folder) == []
    assert list_journals(folder) == []  # nothing of it needs undoing


def test_list_journals_says_whether_undo_is_available(folder: Path) -> None:
    assert list_journals(folder) == []
    journal = sort(folder)
    (info,) = list_journals(folder)
    assert info.path == journal and info.moved == 6 and not info.interrupted and not info.undone
    assert info.started
    undo_last(folder)
    assert list_journals(folder) == []


def test_undo_waits_for_a_running_sort_and_leaves_unsorted_folders_alone(
    folder: Path, tmp_path: Path
) -> None:
    never_sorted = tmp_path / "elsewhere"
    never_sorted.mkdir()
    assert undo_last(never_sorted).nothing_to_undo
    assert list(never_sorted.iterdir()) == []

    sort(folder)
    sorted_state = snapshot(folder)
    with folder_lock.acquire(folder), pytest.raises(folder_lock.FolderBusyError):
        undo_last(folder)
    assert snapshot(folder) == sorted_state


def test_only_the_last_journals_are_kept_and_the_report_says_so(tmp_path: Path) -> None:
    from dogcat_desktop.core.journal import KEEP_JOURNALS, journal_paths

    root = tmp_path / "photos"
    write(root / "dog_a.jpg", "dog a")
    state = root / STATE_DIR_NAME
    reports = []
    for _ in range(KEEP_JOURNALS + 2):
        reports.append(execute_plan(plan_sort(root, scan(root))))
        assert undo_last(root).complete
    # A journal undo refuses (written for another folder) is never removed: it is why undo
    # says no, and it was not the app's to delete.
    crafted = state / "journal-19990101T000000.000000Z.jsonl"
    crafted.write_text(json.dumps({"op": "header", "version": 1, "folder": "/elsewhere"}) + "\n")
    before = {p.name for p in journal_paths(root)}
    final = execute_plan(plan_sort(root, scan(root)))

    kept = journal_paths(root)
    assert len(kept) == KEEP_JOURNALS + 1  # the newest 20, and the crafted one
    assert crafted in kept
    assert kept[0] == final.journal_path  # the sort just made is undoable
    assert {p.name for p in kept} <= before | {final.journal_path.name}
    assert [r.pruned for r in reports] == [0] * KEEP_JOURNALS + [1, 1]
    assert final.pruned == 1
    assert f"the last {KEEP_JOURNALS} sorts of a folder can be undone" in final.summary()
    assert undo_last(root).complete and (root / "dog_a.jpg").read_text() == "dog a"
