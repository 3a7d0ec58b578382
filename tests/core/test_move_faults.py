"""Faults while sorting and undoing: every test compares all files and their sha256 around it.

Real file systems where the machine allows them (a small tmpfs mounted as ``dogs/`` to fill
it, to put it on another disk, or to make it read-only), a photo saved over while it is being
moved, the journal's own disk filling up, two CLI sorts of one folder at once, a lock left by a
killed sort, a journal cut short by a crash at random byte offsets, and undo itself killed with
SIGKILL. Interrupted sorts are covered in ``test_sort_crash.py`` and ``test_cli_sort.py``;
read-only, vanished and colliding files in ``test_moves.py``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import (
    STATE_DIR_NAME,
    child_env,
    cross_disk,
    folders,
    kill_when,
    labelled,
    snapshot,
)

from dogcat_desktop.core import folder_lock, moves
from dogcat_desktop.core.journal import list_journals
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.transfer import TEMP_PREFIX
from dogcat_desktop.core.undo import undo_last
from dogcat_desktop.resources import model_dir

POSIX = sys.platform != "win32"


# ------------------------------------------------------------------------------------ helpers


def nothing_lost(before: dict[str, str], root: Path) -> dict[str, str]:
    """Every file still there exactly once (maybe elsewhere), and no temporary copies."""
    after = snapshot(root)
    assert Counter(after.values()) == Counter(before.values())
    assert not [p for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    return after


def fill(folder: Path, count: int, rng: random.Random, sizes: tuple[int, int]) -> None:
    """Photo-like files (random bytes; labels come from names) of the given size range."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        prefix = ("dog", "cat", "other")[i % 3]
        data = f"{i}:".encode() + rng.randbytes(rng.randint(*sizes))
        (folder / f"{prefix}_{i:03d}.jpg").write_bytes(data)


def can_mount() -> str | None:
    """Why a tmpfs cannot be mounted here, or None when it can be tried."""
    if not sys.platform.startswith("linux"):
        return "tmpfs mounts are Linux only"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount/umount not installed"
    return None


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, str], Path]]:
    """``tmpfs(directory, options)`` mounts a fresh tmpfs there, unmounted after the test."""
    mounted: list[Path] = []
    why_not = can_mount()

    def mount(directory: Path, options: str) -> Path:
        if why_not:
            pytest.skip(why_not)
        directory.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip() or result.returncode}")
        mounted.append(directory)
        return directory

    yield mount
    for directory in reversed(mounted):
        subprocess.run(["umount", "-l", str(directory)], capture_output=True)


def remount_read_only(directory: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)


def journal_ops(path: Path) -> list[dict]:
    records = []
    for line in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records


# ----------------------------------------------------------------------------- real tmpfs mounts


@pytest.mark.parametrize("limit", ["size=1m", "size=64m,nr_inodes=8"], ids=["bytes", "inodes"])
def test_destination_fills_up(tmp_path: Path, tmpfs: Callable, limit: str) -> None:
    """dogs/ on a tiny disk: some dogs fit, the rest fail as 'disk is full', cats all move."""
    folder = tmp_path / "photos"
    fill(folder, 60, random.Random(1), (40_000, 90_000))
    tmpfs(folder / "dogs", limit)
    before, dirs_before = snapshot(folder), folders(folder)

    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.error is None
    dogs = 20  # of the 60 files, every third is a dog
    moved_dogs = sum(1 for _src, dst in report.moved_files if dst.parent.name == "dogs")
    assert 0 < moved_dogs < dogs
    assert report.moved == moved_dogs + 20  # every cat
    assert len(report.failures) == dogs - moved_dogs
    assert {f.reason for f in report.failures} == {"the disk is full"}
    assert all(f.source.exists() for f in report.failures)
    nothing_lost(before, folder)
    records = journal_ops(report.journal_path)
    assert {r["method"] for r in records if r["op"] == "done" and "dogs" in r["dst"]} == {"copy"}

    undo = undo_last(folder)
    assert undo.complete and undo.failures == [] and undo.missing == []
    assert snapshot(folder) == before and folders(folder) == dirs_before


def test_destination_on_another_file_system(tmp_path: Path, tmpfs: Callable) -> None:
    """dogs/ and cats/ are other disks: copy, verify, then remove; undo copies back."""
    folder = tmp_path / "photos"
    fill(folder, 30, random.Random(2), (1, 30_000))
    fill(folder / "trip", 9, random.Random(3), (1, 30_000))
    tmpfs(folder / "dogs", "size=16m")
    tmpfs(folder / "cats", "size=16m")
    (folder / "dogs" / "dog_000.jpg").write_bytes(b"already sorted, same name")
    before, dirs_before = snapshot(folder), folders(folder)
    source_dev = os.stat(folder).st_dev
    assert os.stat(folder / "dogs").st_dev != source_dev

    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.failures == [] and report.error is None and report.moved == 26
    after = nothing_lost(before, folder)
    assert after["dogs/dog_000.jpg"] == before["dogs/dog_000.jpg"]
    assert after["dogs/dog_000 (1).jpg"] == before["dog_000.jpg"]
    assert not any(p.startswith(("dog_", "cat_", "trip/dog_", "trip/cat_")) for p in after)
    records = journal_ops(report.journal_path)
    assert {r["method"] for r in records if r["op"] == "done"} == {"copy"}

    undo = undo_last(folder)
    assert undo.complete and undo.failures == [] and undo.renamed == []
    assert snapshot(folder) == before and folders(folder) == dirs_before


def test_photos_on_another_file_system_sorted_onto_the_disk(
    tmp_path: Path, tmpfs: Callable
) -> None:
    """A memory card mounted inside the folder: the copies land on the disk, the card empties."""
    folder = tmp_path / "photos"
    card = tmpfs(folder / "card", "size=16m")
    fill(card, 24, random.Random(4), (1, 40_000))
    before, dirs_before = snapshot(folder), folders(folder)
    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.failures == [] and report.moved == 16
    nothing_lost(before, folder)
    assert sorted(p.name for p in card.iterdir()) == [f"other_{i:03d}.jpg" for i in range(2, 24, 3)]
    assert undo_last(folder).complete
    assert snapshot(folder) == before and folders(folder) == dirs_before


def test_read_only_destination_disk(tmp_path: Path, tmpfs: Callable) -> None:
    """A really read-only dogs/ (EROFS, which even root cannot write): dogs stay, cats move."""
    folder = tmp_path / "photos"
    fill(folder, 12, random.Random(5), (1, 5000))
    dogs = tmpfs(folder / "dogs", "size=1m")
    (dogs / "kept.jpg").write_bytes(b"on the read-only disk")
    remount_read_only(dogs)
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.moved == 4
    assert [f.reason for f in report.failures] == ["the disk is read-only"] * 4
    nothing_lost(before, folder)
    assert undo_last(folder).complete
    assert snapshot(folder) == before


def test_read_only_source_disk_keeps_one_copy(tmp_path: Path, tmpfs: Callable) -> None:
    """Copied off a read-only card, the source cannot be removed: the copy is taken back."""
    folder = tmp_path / "photos"
    card = tmpfs(folder / "card", "size=4m")
    fill(card, 9, random.Random(6), (1, 5000))
    remount_read_only(card)
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.moved == 0
    assert [f.reason for f in report.failures] == ["the disk is read-only"] * 6
    assert snapshot(folder) == before  # no photo twice, none gone
    assert list_journals(folder) == []  # nothing to undo


def test_journal_disk_full_stops_the_sort_and_undo_waits_for_space(
    tmp_path: Path, tmpfs: Callable
) -> None:
    """The whole folder on a full disk: hard links need no space, but the journal does.

    The sort stops when the journal cannot grow (a move it cannot record is not made); undo on
    the still full disk stops cleanly too, and once space is freed it restores everything.
    """
    folder = tmpfs(tmp_path / "photos", "size=1m")
    fill(folder, 60, random.Random(7), (100, 2000))  # one 4 KiB page each
    spare = [folder / f"spare{i}" for i in range(2)]
    for path in spare:
        path.write_bytes(b"x" * 4096)
    filler = folder / "filler"
    with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 4096)
    for path in spare:  # two free pages: one for the lock, one for the journal
        path.unlink()
    before = snapshot(folder)

    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.error is not None and "the disk is full" in report.error
    assert 0 < report.moved < 40
    nothing_lost(before, folder)

    stuck = undo_last(folder)  # still full: must not raise, must not lose anything
    nothing_lost(before, folder)
    filler.unlink()
    if not stuck.complete:
        assert "the disk is full" in " ".join(reason for _, reason in stuck.failures)
        assert undo_last(folder).complete
    assert snapshot(folder) == {k: v for k, v in before.items() if k != "filler"}


# ------------------------------------------------------------------ a photo changed meanwhile


def _replace(path: Path, content: bytes) -> None:
    """Save over a file the way editors do: write a new file, rename it onto the old name."""
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_bytes(content)
    os.replace(temporary, path)


@pytest.mark.parametrize("method", ["link", "copy"])
def test_photo_saved_over_while_it_moves_is_not_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """The old version was moved; the new one, saved under the old name meanwhile, must stay."""
    folder = tmp_path / "photos"
    fill(folder, 6, random.Random(8), (1000, 5000))
    victim = folder / "dog_000.jpg"
    new_version = b"edited and saved while the sort was moving the old version"
    real_link, real_copy = os.link, shutil.copyfileobj

    if method == "link":

        def link(src: os.PathLike[str], dst: os.PathLike[str], **kwargs: object) -> None:
            real_link(src, dst, **kwargs)
            if Path(src) == victim:
                _replace(victim, new_version)

        monkeypatch.setattr(os, "link", link)
    else:

        def copy(source, target, length: int = 0) -> None:  # type: ignore[no-untyped-def]
            real_copy(source, target, length)
            if Path(source.name) == victim:
                _replace(victim, new_version)

        monkeypatch.setattr(os, "link", cross_disk(real_link))
        monkeypatch.setattr(shutil, "copyfileobj", copy)

    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, labelled(folder)))
    monkeypatch.undo()
    assert report.error is None
    after = snapshot(folder)
    assert after["dog_000.jpg"] == hashlib.sha256(new_version).hexdigest()
    assert Counter(after.values()) - Counter(before.values()) == Counter([after["dog_000.jpg"]])
    assert Counter(before.values()) - Counter(after.values()) == Counter()

    undo = undo_last(folder)
    assert undo.complete
    # The old version comes back beside the new one, which keeps the name.
    assert undo.renamed == [(victim, folder / "dog_000 (1).jpg")]
    restored = snapshot(folder)
    assert restored["dog_000 (1).jpg"] == before["dog_000.jpg"]
    assert restored["dog_000.jpg"] == hashlib.sha256(new_version).hexdigest()


def test_photo_changed_in_place_while_it_is_copied_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, new bytes, written into the file during a cross-disk copy: a torn copy must
    not replace it; the photo stays where it is, with its new content."""
    folder = tmp_path / "photos"
    fill(folder, 6, random.Random(9), (1000, 5000))
    victim = folder / "cat_001.jpg"
    old = os.stat(victim)
    os.utime(victim, ns=(old.st_atime_ns, old.st_mtime_ns - 10**9))
    new_content = bytes(reversed(victim.read_bytes()))
    real_copy = shutil.copyfileobj

    def copy(source, target, length: int = 0) -> None:  # type: ignore[no-untyped-def]
        real_copy(source, target, length)
        if Path(source.name) == victim:
            with open(victim, "r+b") as handle:
                handle.write(new_content)

    monkeypatch.setattr(os, "link", cross_disk(os.link))
    monkeypatch.setattr(shutil, "copyfileobj", copy)
    report = execute_plan(plan_sort(folder, labelled(folder)))
    monkeypatch.undo()
    assert [(f.source, f.reason) for f in report.failures] == [
        (victim, "the photo changed while it was being copied; it was left in place")
    ]
    assert victim.read_bytes() == new_content
    assert not (folder / "cats" / victim.name).exists()
    assert report.moved == 3


# ------------------------------------------------------------- two CLI sorts, and a stale lock

HELD_SORT = """
import os, sys, time
release = sys.argv.pop(1)
link = os.link
def held(*args, **kwargs):
    # Hold the sort (and its lock) at its first move until the test lets it go on.
    deadline = time.monotonic() + 120
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.02)
    return link(*args, **kwargs)
os.link = held
from dogcat_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dogcat_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=300,
    )


def start_held_sort(folder: Path, release: Path) -> subprocess.Popen[str]:
    """A CLI sort that stops at its first move, holding the lock, until ``release`` exists."""
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_SORT, str(release), "sort", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    state = folder / STATE_DIR_NAME
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        journals = list(state.glob("journal-*.jsonl")) if state.exists() else []
        if journals and b'"op":"move"' in journals[0].read_bytes():
            return process
        time.sleep(0.02)
    process.kill()
    out, err = process.communicate()
    pytest.fail(f"the first sort never reached its first move: {out}{err}")


@pytest.fixture
def pets(tmp_path: Path, cat_photos: list[Path], dog_photos: list[Path]) -> Path:
    if not (model_dir() / "model_card.json").exists():
        pytest.skip(f"no classifier model in {model_dir()}")
    folder = tmp_path / "pets"
    folder.mkdir()
    for photo in (*cat_photos[:8], *dog_photos[:8]):
        shutil.copy(photo, folder)
    (folder / "notes.jpg").write_text("not a photo")
    assert run_cli("classify", str(folder)).returncode == 1  # warm the cache: fast sorts
    return folder


def test_second_cli_sort_of_the_same_folder_is_refused(pets: Path, tmp_path: Path) -> None:
    before = snapshot(pets)
    release = tmp_path / "release"
    first = start_held_sort(pets, release)
    try:
        second = run_cli("sort", str(pets))
        assert second.returncode == 1, second.stdout + second.stderr
        assert "already being sorted or restored" in second.stderr
        assert f"process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        assert len(list((pets / STATE_DIR_NAME).glob("journal-*.jsonl"))) == 1  # it moved nothing
    finally:
        release.touch()
        out, err = first.communicate(timeout=120)
    assert first.returncode == 1, out + err  # 1: notes.jpg could not be read
    assert re.search(r"Moved (\d+) photos of \1\.", out), out
    nothing_lost(before, pets)
    assert not folder_lock.lock_path(pets).exists()
    status = run_cli("undo", str(pets))
    assert status.returncode == 0, status.stdout + status.stderr
    assert snapshot(pets) == before


def test_lock_of_a_killed_cli_sort_is_cleared_by_the_next(pets: Path, tmp_path: Path) -> None:
    before = snapshot(pets)
    first = start_held_sort(pets, tmp_path / "never")
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    owner = folder_lock.read_lock(folder_lock.lock_path(pets))
    assert owner is not None and owner["pid"] == first.pid
    assert owner["hostname"] == socket.gethostname()
    assert not folder_lock.pid_alive(first.pid)

    again = run_cli("sort", str(pets))
    assert re.search(r"Moved (\d+) photos of \1\.", again.stdout), again.stdout + again.stderr
    assert not folder_lock.lock_path(pets).exists()
    nothing_lost(before, pets)
    status = run_cli("undo", str(pets))
    assert status.returncode == 0, status.stdout + status.stderr
    assert snapshot(pets) == before
    assert "Nothing to undo" in run_cli("undo", str(pets)).stdout


def test_cli_sort_that_cannot_journal_says_so(
    pets: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An earlier journal that cannot be settled (its disk full): a message, not a traceback."""
    from dogcat_desktop import cli
    from dogcat_desktop.core.journal import JournalWriteError

    def cannot(folder: object, notices: object = None) -> None:
        raise JournalWriteError("the journal x could not be opened (the disk is full)")

    monkeypatch.setattr(moves, "recover_interrupted", cannot)
    before = snapshot(pets)
    assert cli.main(["sort", str(pets)]) == 1
    assert "the disk is full" in capsys.readouterr().err
    assert snapshot(pets) == before


# ------------------------------------------------------------ journal cut short by a crash

CRASHING_SORT = """
import errno, json, os, signal, sys
from pathlib import Path
from dogcat_desktop.core import journal, moves, transfer
folder, at_record, cut, mode = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
real_append = journal.JournalWriter.append
count = 0
def append(self, record):
    global count
    if count == at_record:
        # The power goes out while this line is written: part of it reaches the disk.
        line = (json.dumps(record, separators=(",", ":")) + "\\n").encode()
        self._handle.write(line[: int(len(line) * cut)])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    count += 1
    real_append(self, record)
journal.JournalWriter.append = append
if mode == "copy":
    link = os.link
    def cross_disk(src, dst, **kwargs):
        if not Path(src).name.startswith(transfer.TEMP_PREFIX):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return link(src, dst, **kwargs)
    os.link = cross_disk
items = [(p, p.name.split("_")[0]) for p in sorted(folder.rglob("*.jpg"))
         if ".dogcat-sorter" not in p.parts]
moves.execute_plan(moves.plan_sort(folder, items))
print("FINISHED")
"""


def crash_while_journaling(folder: Path, at_record: int, cut: float, mode: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_SORT, str(folder), str(at_record), str(cut), mode],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


CRASH_CASES = [
    # (record to crash in, fraction of it written, method); record 0 is the header
    (0, 0.5, "link"),
    (1, 0.0, "link"),
    (2, 0.99, "link"),
    (5, 0.3, "copy"),
    *[
        (random.Random(seed).randint(3, 60), random.Random(seed + 99).random(), mode)
        for seed, mode in ((11, "link"), (12, "copy"), (13, "link"), (14, "copy"))
    ],
]


@pytest.mark.skipif(not POSIX, reason="needs SIGKILL")
@pytest.mark.parametrize(("at_record", "cut", "mode"), CRASH_CASES)
def test_journal_cut_by_a_crash_still_undoes_everything(
    tmp_path: Path, at_record: int, cut: float, mode: str
) -> None:
    folder = tmp_path / "photos"
    fill(folder, 40, random.Random(at_record), (1, 3000))
    fill(folder / "sub", 12, random.Random(at_record + 1), (1, 3000))
    before, dirs_before = snapshot(folder), folders(folder)
    output = crash_while_journaling(folder, at_record, cut, mode)
    assert "FINISHED" not in output
    journals = sorted((folder / STATE_DIR_NAME).glob("journal-*.jsonl"))
    assert len(journals) == 1
    # Each step is journaled before it is taken, so at the crash every photo is in one place.
    nothing_lost(before, folder)

    report = undo_last(folder)
    assert report.failures == [] and report.missing == [], report.summary()
    assert report.complete or report.nothing_to_undo
    assert snapshot(folder) == before
    # A crash before the first photo moved leaves nothing to undo, and may leave the empty
    # destination folder it had just created.
    extra = folders(folder) - dirs_before
    assert folders(folder) >= dirs_before
    assert all(not any((folder / name).iterdir()) for name in extra)
    assert not extra or report.nothing_to_undo
    assert list_journals(folder) == []


@pytest.mark.skipif(not POSIX, reason="needs SIGKILL")
def test_sorting_again_after_a_journal_crash(tmp_path: Path) -> None:
    """The next sort first settles the cut journal; both sorts then undo back to the start."""
    folder = tmp_path / "photos"
    fill(folder, 40, random.Random(21), (1, 3000))
    before = snapshot(folder)
    crash_while_journaling(folder, 17, 0.4, "link")
    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.failures == [] and report.error is None
    nothing_lost(before, folder)
    for _ in range(2):
        assert undo_last(folder).complete
    assert snapshot(folder) == before


# ---------------------------------------------------------------------- undo killed mid-way

UNDO_CHILD = """
import errno, os, sys, time
from pathlib import Path
from dogcat_desktop.core import transfer
from dogcat_desktop.core.undo import undo_last
folder, pause_at, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
link = os.link
links = 0
def traced(src, dst, **kwargs):
    global links
    if mode == "copy" and not Path(src).name.startswith(transfer.TEMP_PREFIX):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    link(src, dst, **kwargs)
    links += 1
    print(f"LINKED {links}", flush=True)
    if links == pause_at:
        time.sleep(60)  # killed here: the photo has its old and its new name at once
os.link = traced
undo_last(folder)
print("DONE", flush=True)
"""


def kill_undo(folder: Path, pause_at: int, mode: str, kill_after: int) -> str:
    """Run undo in a child; SIGKILL it after ``kill_after`` links or when it pauses."""
    return kill_when(
        [sys.executable, "-c", UNDO_CHILD, str(folder), str(pause_at), mode],
        lambda line: line in (f"LINKED {kill_after}", f"LINKED {pause_at}"),
        child_env(),
    )


@pytest.mark.skipif(not POSIX, reason="needs SIGKILL")
@pytest.mark.parametrize("mode", ["link", "copy"])
@pytest.mark.parametrize("moment", ["between link and unlink", "random"])
def test_undo_killed_midway_is_finished_by_the_next_undo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, moment: str
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    folder = tmp_path / "photos"
    fill(folder, 90, rng, (1, 3000))
    fill(folder / "sub", 30, rng, (1, 3000))
    before, dirs_before = snapshot(folder), folders(folder)
    if mode == "copy":
        monkeypatch.setattr(os, "link", cross_disk(os.link))
    report = execute_plan(plan_sort(folder, labelled(folder)))
    monkeypatch.undo()
    assert report.moved == 80
    sorted_state = snapshot(folder)

    target = rng.randint(2, 70)
    pause_at, kill_after = (target, 0) if moment != "random" else (10**6, target)
    last = kill_undo(folder, pause_at, mode, kill_after)
    context = f"seed {seed}, {mode}, {moment}, stopped at {last!r}"
    assert last.startswith("LINKED"), context
    middle = snapshot(folder)
    assert set(middle.values()) == set(sorted_state.values()), context  # nothing lost mid-way

    report2 = undo_last(folder)
    assert report2.complete and report2.failures == [] and report2.missing == [], context
    assert report2.renamed == [], context
    assert snapshot(folder) == before, context
    assert folders(folder) == dirs_before, context
    assert list_journals(folder) == [], context


def test_lock_that_cannot_be_written_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while writing the lock: a clear error, and no empty lock file that would
    make the next attempt wait as if another sort were starting."""

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with (
        pytest.raises(folder_lock.LockUnavailableError, match="the disk is full"),
        folder_lock.acquire(tmp_path),
    ):
        pass
    monkeypatch.undo()
    assert not folder_lock.lock_path(tmp_path).exists()
    with folder_lock.acquire(tmp_path):
        pass
