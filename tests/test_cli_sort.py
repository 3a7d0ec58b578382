"""``dogcat-sorter-cli sort`` and ``undo``: the plan, the moves, and a kill half-way."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import STATE_DIR_NAME, child_env, snapshot


def cli(*args: str, slow_link: float = 0.0) -> subprocess.Popen:
    """The real CLI in a child process; ``slow_link`` stretches each move so a kill lands
    in the middle of the sort rather than after it."""
    code = (
        "import os, sys, time\n"
        f"delay = {slow_link}\n"
        "if delay:\n"
        "    link = os.link\n"
        "    def slow(*a, **k):\n"
        "        time.sleep(delay)\n"
        "        return link(*a, **k)\n"
        "    os.link = slow\n"
        "from dogcat_desktop.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = child_env()
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def run(*args: str) -> tuple[int, str]:
    process = cli(*args)
    out, err = process.communicate(timeout=300)
    return process.returncode, out + err


@pytest.fixture()
def pets(tmp_path, cat_photos, dog_photos) -> Path:
    folder = tmp_path / "pets"
    folder.mkdir()
    for photo in (*cat_photos[:6], *dog_photos[:6]):
        shutil.copy(photo, folder)
    return folder


def test_dry_run_moves_nothing_then_sort_and_undo_restore_the_tree(pets):
    (pets / "dogs").mkdir()
    shutil.copy(pets / "dog.2000.jpg", pets / "dogs" / "dog.2000.jpg")  # a name collision
    (pets / "dog.2001.MOV").write_bytes(b"a Live Photo's video")  # goes with dog.2001.jpg
    before = snapshot(pets)
    # An explicit confidence: this test is about moves and undo, not the card's threshold, which
    # leaves a photo of these twelve unsure.
    status, out = run("sort", str(pets), "--dry-run", "--min-confidence", "0.8")
    assert status == 0, out
    assert "6 photos -> cats/" in out and "6 photos -> dogs/" in out
    assert "dog.2000.jpg -> dogs/dog.2000 (1).jpg" in out
    assert "1 file that belongs with them" in out
    assert snapshot(pets) == before

    status, out = run("sort", str(pets), "--min-confidence", "0.8")
    assert status == 0, out
    after = snapshot(pets)
    assert sorted(after) == sorted(
        [f"cats/cat.{n}.jpg" for n in range(2000, 2006)]
        + [f"dogs/dog.{n}.jpg" for n in range(2000, 2006)]
        + ["dogs/dog.2000 (1).jpg", "dogs/dog.2001.MOV"]
    )
    assert sorted(after.values()) == sorted(before.values())  # same bytes, nothing lost
    assert "Also moved 1 file that belongs with them" in out

    status, out = run("undo", str(pets))
    assert status == 0, out
    assert snapshot(pets) == before
    status, out = run("undo", str(pets))
    assert "Nothing to undo" in out


def test_sort_follows_corrections_made_in_the_window(pets):
    """A label a person set wins over the model's, and stays with the photo as it moves."""
    from dogcat_desktop.core.corrections import FILE_NAME, CorrectionStore, FileVersion
    from dogcat_desktop.core.paths import user_data_dir

    store = CorrectionStore(user_data_dir() / FILE_NAME)
    store.set(FileVersion.of(pets / "dog.2001.jpg"), "cat")  # the model says dog
    store.set(FileVersion.of(pets / "cat.2002.jpg"), "other")  # stays where it is
    status, out = run("sort", str(pets))
    assert status == 0, out
    assert "2 photos labelled by you" in out
    assert (pets / "cats" / "dog.2001.jpg").exists()
    assert (pets / "cat.2002.jpg").exists()
    assert store.get(FileVersion.of(pets / "cats" / "dog.2001.jpg")) == "cat"

    status, out = run("undo", str(pets))
    assert status == 0, out
    assert store.get(FileVersion.of(pets / "dog.2001.jpg")) == "cat"


def test_each_subfolder_gets_its_own_dogs_and_cats_and_undo_restores(pets):
    trip = pets / "trip"
    trip.mkdir()
    for name in ("cat.2001.jpg", "dog.2001.jpg"):
        os.rename(pets / name, trip / name)
    before = snapshot(pets)
    status, out = run("sort", str(pets), "--each-subfolder", "--min-confidence", "0.8")
    assert status == 0, out
    after = snapshot(pets)
    assert {"trip/cats/cat.2001.jpg", "trip/dogs/dog.2001.jpg"} <= set(after)
    assert "dogs/dog.2000.jpg" in after and "cats/cat.2000.jpg" in after
    assert not any(name.startswith(("dogs/trip", "cats/trip")) for name in after)
    assert sorted(after.values()) == sorted(before.values())
    status, out = run("undo", str(pets))
    assert status == 0, out
    assert snapshot(pets) == before


def test_undo_on_missing_folder_is_usage_error(tmp_path):
    assert run("undo", str(tmp_path / "nope"))[0] == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_mid_sort_then_undo_restores_everything(tmp_path, cat_photos, dog_photos, seed):
    folder = tmp_path / "many"
    folder.mkdir()
    photos = [*cat_photos[:150], *dog_photos[:150]]
    for photo in photos:
        shutil.copy(photo, folder)
    for photo in photos[::3]:  # sidecars, which move with their photos: the kill may land between
        (folder / f"{photo.stem}.xmp").write_text(f"<x:xmpmeta about='{photo.name}'/>")
    before = snapshot(folder)
    assert len(before) == 400
    run("classify", str(folder))  # warm the cache so the kill lands among the moves

    rng = random.Random(seed)
    stop_after = rng.randint(5, 250)
    process = cli("sort", str(folder), slow_link=0.004)
    state = folder / STATE_DIR_NAME
    deadline = time.monotonic() + 120
    killed_mid_sort = False
    while time.monotonic() < deadline and process.poll() is None:
        journals = list(state.glob("journal-*.jsonl")) if state.exists() else []
        if journals and journals[0].read_bytes().count(b'"done"') >= stop_after:
            os.kill(process.pid, signal.SIGKILL)
            killed_mid_sort = True
            break
        time.sleep(0.002)
    process.wait(timeout=30)
    assert killed_mid_sort, "the sort finished before it could be killed"
    assert process.returncode == -signal.SIGKILL

    middle = snapshot(folder)
    # Nothing lost mid-way: every photo exists, at most one briefly under two names.
    assert set(middle.values()) == set(before.values())
    assert len(middle) in (400, 401)
    status, out = run("undo", str(folder))
    assert status == 0, out
    assert snapshot(folder) == before
    assert not (folder / "dogs").exists() and not (folder / "cats").exists()
