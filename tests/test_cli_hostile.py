"""``dogcat-sorter-cli`` on hostile folders and damaged state: one clear line, never a traceback.

The real CLI runs in a child process; after each run a sentinel folder beside the photos must be
byte-identical and every photo still there (see ``tests/core/test_hostile_folders.py`` for the
same principles tested on the core).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import (
    BUNDLED_MODEL,
    STATE_DIR_NAME,
    child_env,
    lock_held_by_another_process,
    snapshot,
)

PROGRAM = "dogcat-sorter-cli: "


def cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI; output decoded without newline translation, so a lone CR stays a CR."""
    done = subprocess.run(
        [sys.executable, "-m", "dogcat_desktop.cli", *args],
        capture_output=True,
        env=child_env(**env),
        cwd=cwd,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The CLI's stderr, checked to be a single line of its own (no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(PROGRAM), result.stderr
    return lines[0]


@pytest.fixture()
def pets(tmp_path: Path, cat_photos: list[Path], dog_photos: list[Path]) -> Path:
    folder = tmp_path / "pets"
    folder.mkdir()
    for photo in (*cat_photos[:3], *dog_photos[:3]):
        shutil.copy(photo, folder)
    return folder


@pytest.fixture()
def guard(pets: Path, outside: Path):
    """After the test: the sentinel is byte-identical and every photo is still in the folder."""
    before_outside = snapshot(outside)
    before = set(snapshot(pets).values())
    yield
    assert snapshot(outside) == before_outside
    assert before <= set(snapshot(pets).values())


def journal(folder: Path, *records: dict) -> Path:
    state = folder / STATE_DIR_NAME
    state.mkdir(exist_ok=True)
    path = state / "journal-29990101.jsonl"
    header = {"op": "header", "version": 1, "folder": str(folder.resolve())}
    path.write_text("".join(json.dumps(r) + "\n" for r in (header, *records)))
    return path


@pytest.mark.usefixtures("guard")
def test_undo_with_a_journal_naming_outside_files(pets: Path, outside: Path) -> None:
    victim = outside / "victim.txt"
    photo = next(pets.glob("dog*.jpg"))
    journal(
        pets,
        {"op": "move", "seq": 0, "src": str(victim), "dst": str(photo), "size": 1, "dev": 1,
         "ino": 1, "method": "link"},
        {"op": "done", "seq": 0, "dst": str(photo)},
    )  # fmt: skip
    before = snapshot(pets)
    result = cli("undo", str(pets))
    assert result.returncode == 1
    assert "Undo refused, nothing was moved" in result.stdout
    assert "not inside the folder" in result.stdout
    assert snapshot(pets) == before


@pytest.mark.usefixtures("guard")
def test_wrong_json_types_give_a_message_not_a_traceback(pets: Path) -> None:
    journal(pets, {"op": "move", "seq": "0", "src": 5, "dst": None})
    result = cli("undo", str(pets))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a whole number" in result.stdout
    sort = cli("sort", str(pets))
    assert sort.returncode == 1 and "Traceback" not in sort.stderr
    assert "Note: An earlier sort's journal was not acted on" in sort.stdout
    assert "Moved" in sort.stdout and any((pets / "dogs").iterdir())  # the sort went ahead


@pytest.mark.usefixtures("guard")
def test_sort_refuses_a_destination_that_is_a_link(pets: Path, outside: Path) -> None:
    (pets / "dogs").symlink_to(outside, target_is_directory=True)
    before = snapshot(pets, skip_links=True)
    for args in (("sort", "--dry-run", str(pets)), ("sort", str(pets))):
        result = cli(*args)
        assert result.returncode == 1
        line = one_line_error(result)
        assert "refused, nothing was moved" in line and "'dogs' is a symbolic link" in line
        assert snapshot(pets, skip_links=True) == before


@pytest.mark.usefixtures("guard")
def test_damaged_corrections_stop_the_sort_unless_ignored(pets: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "corrections.sqlite3").write_bytes(b"this is not a database" * 50)
    before = snapshot(pets)
    result = cli("sort", str(pets), DOGCAT_SORTER_DATA_DIR=str(data))
    assert result.returncode == 1
    line = one_line_error(result)
    assert "labels you set by hand could not be read" in line and "--ignore-corrections" in line
    assert snapshot(pets) == before
    ignored = cli("sort", "--ignore-corrections", str(pets), DOGCAT_SORTER_DATA_DIR=str(data))
    assert ignored.returncode == 0, ignored.stderr
    assert "Sorting on the model's labels alone" in one_line_error(ignored)
    assert (pets / "dogs").is_dir() and (pets / "cats").is_dir()
    undo = cli("undo", str(pets), DOGCAT_SORTER_DATA_DIR=str(data))
    assert undo.returncode == 1 and "not moved with the photos" in one_line_error(undo)
    assert snapshot(pets) == before


def test_damaged_cache_is_rebuilt_with_a_notice(pets: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "scan-cache.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    result = cli("classify", str(pets), DOGCAT_SORTER_CACHE_DIR=str(cache))
    assert result.returncode == 0
    assert "scan cache was damaged" in one_line_error(result)
    assert len(result.stdout.splitlines()) == 1 + 6
    again = cli("classify", str(pets), DOGCAT_SORTER_CACHE_DIR=str(cache))
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout == result.stdout


@pytest.mark.parametrize("damage", ["model", "card"])
def test_bad_model_file_or_card_gives_one_line(pets: Path, tmp_path: Path, damage: str) -> None:
    model = tmp_path / "model"
    shutil.copytree(BUNDLED_MODEL, model)
    if damage == "model":
        (model / "model.tflite").write_bytes((model / "model.tflite").read_bytes()[:5000])
    else:
        (model / "model_card.json").write_text('{"classes": ["dog", "cat"')
    before = snapshot(pets)
    for command in ("classify", "sort"):
        result = cli(command, str(pets), DOGCAT_SORTER_MODEL_DIR=str(model))
        assert result.returncode == 1
        line = one_line_error(result)
        assert ("model file" if damage == "model" else "model card") in line
        assert "reinstall the app" in line
    assert snapshot(pets) == before


def test_names_with_returns_and_formulas_are_safe_in_csv(pets: Path) -> None:
    photo = next(pets.glob("cat*.jpg"))
    names = ["=HYPERLINK(1).jpg", "+cmd.jpg", "-x.jpg", "@sum.jpg", "line\rbreak.jpg"]
    for name in names:
        shutil.copy(photo, pets / name)
    result = cli("classify", "--", *names, cwd=pets)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [row["path"] for row in rows] == [
        "'=HYPERLINK(1).jpg", "'+cmd.jpg", "'-x.jpg", "'@sum.jpg", "line\rbreak.jpg"
    ]  # fmt: skip
    assert all(row["label"] == "cat" for row in rows)
    as_json = cli("classify", "--format", "json", "--", *names, cwd=pets)
    assert [row["path"] for row in json.loads(as_json.stdout)] == names


@pytest.mark.usefixtures("guard")
def test_sort_of_a_subfolder_while_the_folder_is_sorted(pets: Path) -> None:
    sub = pets / "more"
    sub.mkdir()
    for photo in list(pets.glob("dog*.jpg"))[:2]:
        shutil.copy(photo, sub)
    with lock_held_by_another_process(pets):
        before = snapshot(pets)
        result = cli("sort", str(sub))
        assert result.returncode == 1
        assert "(a folder above it) is being sorted" in one_line_error(result)
        assert snapshot(pets) == before


@pytest.mark.usefixtures("guard")
def test_undo_after_the_folder_was_renamed(pets: Path, tmp_path: Path) -> None:
    before = snapshot(pets)
    sort = cli("sort", str(pets))
    assert sort.returncode == 0 and any((pets / "dogs").iterdir()), sort.stdout
    moved = sort.stdout.split("Moved ", 1)[1].split(" ", 1)[0]
    renamed = tmp_path / "pets, renamed"
    os.rename(pets, renamed)
    try:
        result = cli("undo", str(renamed))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"Put back {moved} photo" in result.stdout
        assert snapshot(renamed) == before
    finally:
        os.rename(renamed, pets)


@pytest.mark.usefixtures("guard")
def test_names_with_terminal_escapes_and_newlines_are_written_out(pets: Path) -> None:
    """A name can carry a terminal escape (``ESC [ 31 m``, a title change) or a newline: what a
    person reads shows it written out, one message a line; a pipe still gets the exact name."""
    photo = next(pets.glob("cat*.jpg"))
    coloured = "a\x1b[31mred\x1b]0;title\x07.jpg"
    shutil.copy(photo, pets / coloured)
    (pets / "two\nlines.jpg").write_bytes(b"not a photo")

    dry = cli("sort", "--dry-run", str(pets))
    assert "\x1b" not in dry.stdout + dry.stderr and "\x07" not in dry.stdout + dry.stderr
    assert "cannot read " + str(pets / "two\\nlines.jpg") + ": " in dry.stdout
    sorted_ = cli("sort", str(pets))
    assert "\x1b" not in sorted_.stdout + sorted_.stderr
    assert (pets / "cats" / coloured).exists()
    undone = cli("undo", str(pets))
    assert undone.returncode == 0 and (pets / coloured).exists()

    piped = cli("classify", "--", coloured, cwd=pets)  # a pipe: the data exactly
    rows = list(csv.DictReader(io.StringIO(piped.stdout, newline="")))
    assert [row["path"] for row in rows] == [coloured]


@pytest.mark.usefixtures("guard")
def test_damaged_species_means_are_said_once_and_the_sort_goes_on(
    pets: Path, tmp_path: Path
) -> None:
    """A damaged install's species_means.npz: one line, then pets told apart without it."""
    model = tmp_path / "model"
    shutil.copytree(BUNDLED_MODEL, model)
    (model / "species_means.npz").write_bytes(b"not an archive")
    env = {"DOGCAT_SORTER_MODEL_DIR": str(model)}
    cat = next(pets.glob("cat*.jpg"))
    labelled = cli("label", str(cat), "--as", "cat/Luna", **env)
    assert labelled.returncode == 0, labelled.stderr
    assert "species_means.npz cannot be read" in one_line_error(labelled)
    result = cli("sort", "--dry-run", str(pets), **env)
    assert result.returncode == 0, result.stderr
    line = one_line_error(result)
    assert "species_means.npz" in line and "told apart without" in line
    assert "cats/" in result.stdout
