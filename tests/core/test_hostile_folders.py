"""A folder someone hands over is untrusted input, its ``.dogcat-sorter/`` state included.

Each test builds a hostile or damaged folder, runs sort, undo or a scan on it, and checks three
things: a sentinel folder beside it stays byte-identical (nothing outside is read for acting,
written, moved or deleted), every photo is still there, and the message says what happened.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from support import STATE_DIR_NAME, lock_held_by_another_process, sha

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.cache import ScanCache
from dogcat_desktop.core.corrections import CorrectionsDamagedError, CorrectionStore
from dogcat_desktop.core.journal import JournalWriter, list_journals
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.recovery import recover_interrupted
from dogcat_desktop.core.report import RowWriter
from dogcat_desktop.core.scan import list_photos
from dogcat_desktop.core.stamp import FileStamp
from dogcat_desktop.core.undo import undo_last

LABELS = {"dog_1.jpg": "dog", "dog_2.jpg": "dog", "cat_1.jpg": "cat", "other_1.jpg": "other"}


def tree(root: Path) -> dict[str, str]:
    """Everything under ``root``: files by content, links by target, folders by name."""
    found = {}
    for directory, names, files in os.walk(root):
        for name in names + files:
            path = Path(directory) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "link -> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = sha(path)
    return found


def photo_hashes(folder: Path) -> Counter[str]:
    """The content of every file in the folder (the app's state aside), with how many copies."""
    return Counter(
        sha(p)
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and STATE_DIR_NAME not in p.parts
    )


@pytest.fixture()
def pets(tmp_path: Path) -> Path:
    folder = tmp_path / "pets"
    folder.mkdir()
    for name in LABELS:
        (folder / name).write_bytes(os.urandom(2000))
    return folder


@pytest.fixture()
def guard(outside: Path, pets: Path):
    """Checks after the test that the sentinel is untouched and every photo survived."""
    before_outside, before_photos = tree(outside), photo_hashes(pets)
    yield
    assert tree(outside) == before_outside
    after = photo_hashes(pets)
    assert all(after[digest] >= 1 for digest in before_photos), "a photo was lost"


def items(folder: Path) -> list[tuple[Path, str | None]]:
    return [(p, LABELS.get(p.name)) for p in sorted(folder.glob("*.jpg"))]


def crafted_journal(folder: Path, records: list[dict], name: str = "journal-29990101.jsonl"):
    """A journal as a hostile folder could carry it: our header, then any records."""
    state = folder / STATE_DIR_NAME
    state.mkdir(exist_ok=True)
    here = os.stat(folder)
    header = {"op": "header", "version": 1, "folder": str(folder.resolve()),
              "folder_dev": here.st_dev, "folder_ino": here.st_ino}  # fmt: skip
    path = state / name
    path.write_text("\n".join(json.dumps(r) for r in [header, *records]) + "\n")
    return path


def move_record(seq: int, src: Path, dst: Path, **extra: object) -> dict:
    return {"op": "move", "seq": seq, "src": str(src), "dst": str(dst), "size": 2000,
            "dev": 1, "ino": 1, "method": "link", **extra}  # fmt: skip


# ------------------------------------------------------------------------- crafted journals


@pytest.mark.usefixtures("guard")
def test_journal_temp_file_outside_is_never_deleted(pets: Path, outside: Path) -> None:
    """The first bug found: a sort deleted the file an interrupted journal named as its temp."""
    victim = outside / "victim.txt"
    crafted_journal(pets, [move_record(0, pets / "dog_1.jpg", pets / "dogs" / "dog_1.jpg",
                                       method="copy", tmp=str(victim))])  # fmt: skip
    report = execute_plan(plan_sort(pets, items(pets)))
    assert report.moved == 3
    assert any("not inside the folder" in note for note in report.notices)
    assert "Note: An earlier sort's journal was not acted on" in report.summary()


@pytest.mark.usefixtures("guard")
@pytest.mark.parametrize(
    "record",
    [
        # undo would move a photo of the folder out to another place
        {"op": "done", "seq": 0, "dst": "{pets}/dog_1.jpg"},
        # undo would rename a file outside into the folder
        {"op": "done", "seq": 0, "dst": "{outside}/victim.txt"},
        # undo would remove a folder outside
        {"op": "mkdir", "path": "{outside}/sub"},
        # '..' leading out, written to look inside
        {"op": "done", "seq": 0, "dst": "{pets}/../outside/victim.txt"},
    ],
)
def test_undo_refuses_a_journal_naming_places_outside(
    pets: Path, outside: Path, record: dict
) -> None:
    text = json.dumps(record).replace("{pets}", str(pets)).replace("{outside}", str(outside))
    src = outside / "sub" / "dog_9.jpg" if "dog_1" in text else pets / "dog_1.jpg"
    crafted_journal(pets, [move_record(0, src, pets / "dogs" / "x.jpg"), json.loads(text)])
    before = tree(pets)
    report = undo_last(pets)
    assert report.refused is not None and "not inside the folder" in report.refused
    assert report.summary().startswith("Undo refused, nothing was moved:")
    assert tree(pets) == before


@pytest.mark.usefixtures("guard")
@pytest.mark.parametrize(
    "line",
    [
        '{"op":"move","seq":"0","src":"a","dst":"b","size":1,"dev":1,"ino":1}',
        '{"op":"move","seq":0,"src":5,"dst":"b","size":1,"dev":1,"ino":1}',
        '{"op":"done","seq":true}',
        '{"op":"claim","seq":0,"dst":["a"]}',
        '{"op":"move","seq":0,"src":"a","dst":"b","size":1,"dev":1,"ino":1,"method":"nuke"}',
        "[1, 2, 3]",
        '{"op":"mkdir","path":null}',
    ],
)
def test_wrong_json_types_are_refused_with_a_message(pets: Path, line: str) -> None:
    path = crafted_journal(pets, [])
    with path.open("a") as handle:
        handle.write(line + "\n")
    (info,) = list_journals(pets)
    assert info.problem is not None and path.name in info.problem
    report = undo_last(pets)
    assert report.refused == info.problem
    assert execute_plan(plan_sort(pets, items(pets))).notices  # a sort still runs, and says so


@pytest.mark.usefixtures("guard")
def test_journal_that_is_a_link_is_never_followed(pets: Path, outside: Path) -> None:
    state = pets / STATE_DIR_NAME
    state.mkdir()
    (state / "journal-29990101.jsonl").symlink_to(outside / "victim.txt")
    (info,) = list_journals(pets)
    assert info.problem is not None and "symbolic link" in info.problem
    report = execute_plan(plan_sort(pets, items(pets)))
    assert report.moved == 3 and any("symbolic link" in n for n in report.notices)
    assert "symbolic link" in (undo_last(pets).refused or "")


@pytest.mark.usefixtures("guard")
def test_state_folder_that_is_a_link_is_refused(pets: Path, outside: Path) -> None:
    (pets / STATE_DIR_NAME).symlink_to(outside, target_is_directory=True)
    before = tree(pets)
    with pytest.raises(folder_lock.LockUnavailableError, match="symbolic link"):
        execute_plan(plan_sort(pets, items(pets)))
    assert tree(pets) == before
    (info,) = list_journals(pets)
    assert info.problem is not None and "symbolic link" in info.problem


# ------------------------------------------------------------------------------ destinations


@pytest.mark.usefixtures("guard")
def test_destination_that_is_a_link_is_refused_in_the_plan(pets: Path, outside: Path) -> None:
    (pets / "dogs").symlink_to(outside / "sub", target_is_directory=True)
    plan = plan_sort(pets, items(pets))
    assert list(plan.refused) == [pets.resolve() / "dogs"]
    assert "'dogs' is a symbolic link" in plan.summary()
    report = execute_plan(plan)
    assert report.moved == 1  # the cat; the dogs stay
    assert {f.source.name for f in report.failures} == {"dog_1.jpg", "dog_2.jpg"}
    assert all("symbolic link" in f.reason for f in report.failures)
    assert (pets / "dog_1.jpg").exists() and (pets / "dog_2.jpg").exists()


@pytest.mark.usefixtures("guard")
def test_destination_swapped_for_a_link_after_the_preview(pets: Path, outside: Path) -> None:
    plan = plan_sort(pets, items(pets))
    assert plan.refused == {}
    (pets / "dogs").symlink_to(outside / "sub", target_is_directory=True)
    report = execute_plan(plan)
    assert all("symbolic link" in f.reason for f in report.failures)
    assert len(report.failures) == 2


@pytest.mark.usefixtures("guard")
def test_photo_reached_through_a_link_to_outside_stays(pets: Path, outside: Path) -> None:
    (pets / "linked").symlink_to(outside / "sub", target_is_directory=True)
    paths = list_photos(pets, recursive=True)
    assert pets / "linked" / "dog_9.jpg" in paths
    plan = plan_sort(pets, [(p, LABELS.get(p.name, "dog")) for p in paths])
    assert plan.staying_by_reason["outside"] == 1
    execute_plan(plan)


@pytest.mark.usefixtures("guard")
def test_folder_given_through_a_link_is_resolved_once(tmp_path: Path, pets: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(pets, target_is_directory=True)
    report = execute_plan(plan_sort(alias, items(alias)))
    assert report.moved == 3 and report.folder == pets.resolve()
    assert undo_last(alias).complete
    assert sorted(p.name for p in pets.iterdir() if p.name != STATE_DIR_NAME) == sorted(LABELS)


# ------------------------------------------------------------------------------ undo identity


@pytest.mark.usefixtures("guard")
def test_undo_leaves_a_file_that_is_not_the_one_the_sort_put_there(pets: Path) -> None:
    execute_plan(plan_sort(pets, items(pets)))
    replaced = pets / "dogs" / "dog_1.jpg"
    replaced.rename(pets / "dogs" / "dog_1 kept.jpg")  # the user moved it aside...
    replaced.write_bytes(b"another file now has this name")  # ...and saved another in its place
    report = undo_last(pets)
    assert report.restored == 2
    assert [path.name for path, _ in report.left_alone] == ["dog_1.jpg"]
    assert "is not the photo the sort put there" in report.summary()
    assert replaced.read_bytes() == b"another file now has this name"
    assert not (pets / "dog_1.jpg").exists()


@pytest.mark.usefixtures("guard")
def test_a_copy_the_user_made_is_never_deleted(pets: Path) -> None:
    """An interrupted move whose destination holds a byte-identical copy that is not ours."""
    source = pets / "dog_1.jpg"
    (pets / "dogs").mkdir()
    users_copy = pets / "dogs" / "dog_1.jpg"
    shutil.copyfile(source, users_copy)
    st = source.stat()
    writer = JournalWriter.create(pets)
    identity = {"size": st.st_size, "dev": st.st_dev, "ino": st.st_ino, "method": "copy"}
    writer.append({"op": "move", "seq": 0, "src": str(source), "dst": str(users_copy), **identity})
    writer.close()
    assert recover_interrupted(pets) == [writer.path]
    assert users_copy.read_bytes() == source.read_bytes()


# --------------------------------------------------------------------- renamed, copied folders


@pytest.mark.usefixtures("guard")
def test_renamed_folder_is_recognised(tmp_path: Path, pets: Path, outside: Path) -> None:
    before = tree(pets)
    execute_plan(plan_sort(pets, items(pets)))
    renamed = tmp_path / "pets renamed"
    pets.rename(renamed)
    report = undo_last(renamed)
    assert report.complete and report.restored == 3
    assert {k: v for k, v in tree(renamed).items() if STATE_DIR_NAME not in k} == before
    renamed.rename(pets)  # for the guard


@pytest.mark.usefixtures("guard")
def test_copied_folder_is_refused_and_the_original_still_undoes(tmp_path: Path, pets: Path) -> None:
    execute_plan(plan_sort(pets, items(pets)))
    copy = tmp_path / "pets copy"
    shutil.copytree(pets, copy, symlinks=True)
    before_copy = tree(copy)
    report = undo_last(copy)
    assert report.refused is not None and "copy" in report.refused
    assert str(pets.resolve()) in report.refused
    assert tree(copy) == before_copy
    assert undo_last(pets).complete


# ---------------------------------------------------------------------- what was reviewed moves


@pytest.mark.usefixtures("guard")
def test_a_photo_changed_after_the_scan_stays(pets: Path) -> None:
    stamps = {p: FileStamp.of(os.lstat(p)) for p, _ in items(pets)}
    plan = plan_sort(pets, items(pets), stamps)
    edited = pets / "dog_2.jpg"
    shutil.copyfile(edited, pets / "dog_2 before the edit.jpg")  # so the guard finds the original
    time.sleep(0.01)
    with edited.open("ab") as handle:
        handle.write(b"edited after the preview")
    report = execute_plan(plan)
    assert report.moved == 2
    (failure,) = report.failures
    assert (
        failure.source.name == "dog_2.jpg" and "changed since it was classified" in failure.reason
    )
    assert edited.read_bytes().endswith(b"edited after the preview")


@pytest.mark.usefixtures("guard")
def test_a_photo_replaced_after_the_scan_stays(pets: Path) -> None:
    """Same size, same modification time, another file (a save-over): the inode tells."""
    stamps = {p: FileStamp.of(os.lstat(p)) for p, _ in items(pets)}
    plan = plan_sort(pets, items(pets), stamps)
    target = pets / "cat_1.jpg"
    st = target.stat()
    replacement = pets / "new.tmp"
    replacement.write_bytes(os.urandom(st.st_size))
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.link(target, pets / "cat_1 original.jpg")  # the editor's backup of the old version
    os.replace(replacement, target)
    report = execute_plan(plan)
    assert [f.source.name for f in report.failures] == ["cat_1.jpg"]
    assert target.exists()


# ------------------------------------------------------------------------ nested folder locks


@pytest.mark.usefixtures("guard")
def test_a_folder_and_its_subfolder_lock_each_other_out(pets: Path) -> None:
    sub = pets / "dogs"
    sub.mkdir()
    with folder_lock.acquire(pets), pytest.raises(folder_lock.FolderBusyError, match="above"):
        execute_plan(plan_sort(sub, []))
    with folder_lock.acquire(sub), pytest.raises(folder_lock.FolderBusyError, match="inside"):
        execute_plan(plan_sort(pets, items(pets)))
    assert sorted(p.name for p in pets.glob("*.jpg")) == sorted(LABELS)


@pytest.mark.usefixtures("guard")
def test_nested_sorts_in_two_processes(pets: Path) -> None:
    """Another process sorting a subfolder: the sort of the folder above refuses to start."""
    (pets / "cats").mkdir()
    with lock_held_by_another_process(pets / "cats") as child:
        with pytest.raises(folder_lock.FolderBusyError) as refused:
            execute_plan(plan_sort(pets, items(pets)))
        assert f"process {child.pid}" in str(refused.value)
    assert execute_plan(plan_sort(pets, items(pets))).moved == 3  # the dead child's lock is stale


# ------------------------------------------------------------------------------ damaged state


def test_corrupt_cache_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "scan-cache.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    cache = ScanCache(path, "model")
    assert cache.notice is not None and "moved aside" in cache.notice
    assert "\n" not in cache.notice
    (aside,) = tmp_path.glob("scan-cache.sqlite3.damaged-*")
    assert aside.stat().st_size == 4016  # kept, not deleted
    assert cache.get(tmp_path / "x.jpg", 1, 1) is None
    cache.close()
    assert ScanCache(path, "model").notice is None  # rebuilt sound


def test_corrupt_corrections_are_reported_never_skipped(tmp_path: Path) -> None:
    path = tmp_path / "corrections.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CorrectionsDamagedError, match="could not be read") as damaged:
        CorrectionStore(path)
    assert str(path) in str(damaged.value)
    assert path.read_bytes() == b"not a database at all" * 100  # the user's file, untouched
    wrong = tmp_path / "wrong.sqlite3"
    db = sqlite3.connect(wrong)
    db.execute("CREATE TABLE corrections (path TEXT, label INTEGER)")
    db.close()
    with pytest.raises(CorrectionsDamagedError, match="not the one this version writes"):
        CorrectionStore(wrong)
    strange = tmp_path / "strange.sqlite3"
    CorrectionStore(strange).close()
    db = sqlite3.connect(strange)
    db.execute("INSERT INTO corrections VALUES ('/x/a.jpg', 1, 1, 'hamster', 0)")
    db.commit()
    db.close()
    with pytest.raises(CorrectionsDamagedError, match="does not know, such as 'hamster'"):
        CorrectionStore(strange)  # reported, not read as if the photo had no label


# ------------------------------------------------------------------------------------ output


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("a\rb.jpg", '"a\rb.jpg"'),
        ("a\nb.jpg", '"a\nb.jpg"'),
        ('say "hi".jpg', '"say ""hi"".jpg"'),
        ("a,b.jpg", '"a,b.jpg"'),
        ("=HYPERLINK(1).jpg", '"\'=HYPERLINK(1).jpg"'),
        ("+1.jpg", '"\'+1.jpg"'),
        ("-1.jpg", '"\'-1.jpg"'),
        ("@sum.jpg", '"\'@sum.jpg"'),
        ("\tx.jpg", '"\'\tx.jpg"'),
        ("\rx.jpg", '"\'\rx.jpg"'),
        ("plain.jpg", "plain.jpg"),
    ],
)
def test_csv_quotes_and_neutralises_names(name: str, cell: str) -> None:
    stream = io.StringIO()
    writer = RowWriter(stream, "csv", ("path", "confidence"))
    writer.write({"path": name, "confidence": 0.5})
    lines = stream.getvalue()
    assert lines == f"path,confidence\n{cell},0.5\n"


def test_json_keeps_names_exact() -> None:
    stream = io.StringIO()
    writer = RowWriter(stream, "json", ("path",))
    names = ["a\rb.jpg", "=1+1.jpg", '"q".jpg', "-x.jpg"]
    for name in names:
        writer.write({"path": name})
    writer.close()
    assert [row["path"] for row in json.loads(stream.getvalue())] == names


# ----------------------------------------------------------------------------------- deep tree


def test_a_tree_2000_folders_deep(tmp_path: Path) -> None:
    """Walks keep their own stack: no RecursionError, and the photo at the bottom is found."""
    folder = tmp_path / "deep"
    folder.mkdir()
    path = folder
    for _ in range(2000):
        path = path / "d"
        os.mkdir(path)
    (path / "dog.jpg").write_bytes(b"at the bottom")
    try:
        assert sys.getrecursionlimit() < 2000 + 100  # the old recursive walk would have failed
        assert list_photos(folder, recursive=True) == [path / "dog.jpg"]
        with folder_lock.acquire(folder):  # the nested-lock check walks the tree too
            pass
    finally:
        # Removed bottom-up here: pytest's own clean-up of old temporary folders recurses.
        (path / "dog.jpg").unlink()
        while path != folder:
            os.rmdir(path)
            path = path.parent
