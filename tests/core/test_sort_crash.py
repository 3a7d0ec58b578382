"""A sort killed with SIGKILL at any moment loses nothing.

A child process sorts about 300 files and is killed at a random point (including between a hard
link and the unlink after it, and in the middle of a cross-disk copy). Afterwards either undo
brings back the exact original tree, or sorting again leaves every file in exactly one place.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from support import TRAIN_PHOTOS, child_env, folders, kill_when, label_of, labelled, snapshot

from dogcat_desktop.core.journal import list_journals
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.transfer import TEMP_PREFIX
from dogcat_desktop.core.undo import undo_last

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

CHILD = Path(__file__).with_name("sort_child.py")


def make_folder(root: Path, rng: random.Random) -> None:
    """A few real photos (when the shared data is there) and many small generated ones, some
    with the same name."""
    for kind, prefix in (("dogs", "dog"), ("cats", "cat")):
        for n in range(3):
            source = TRAIN_PHOTOS / kind / f"{prefix}.{n}.jpg"
            if source.exists():
                (root / "real").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, root / "real" / source.name)
    for i in range(294):
        prefix = ("dog", "cat", "other", "blurry")[i % 4]
        sub = ("", "a", "b/c")[i % 3]
        # Names repeat across subfolders so that collisions and numbered names occur too.
        name = f"{prefix}_{i % 40:03d}.jpg"
        path = root / sub / name
        if path.exists():
            path = path.with_name(f"{prefix}_{i:03d}.jpg")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"{i}:{name}:".encode() + rng.randbytes(rng.randint(1, 3000)))
    (root / "cats").mkdir()  # a destination that exists before the sort
    (root / "cats" / "cat_000.jpg").write_bytes(b"sorted long ago")


def run_and_kill(folder: Path, env_extra: dict[str, str], kill_after: int | None) -> str:
    """Run the child; kill it after ``kill_after`` progress lines, or when it says LINKED."""
    return kill_when(
        [sys.executable, str(CHILD), str(folder)],
        lambda line: line in ("LINKED", f"PROGRESS {kill_after}"),
        child_env(**env_extra),
    )


SCENARIOS = {
    # name: (environment for the child, kill after this many progress lines; None: on LINKED)
    "hard-link, random moment": ({}, "random"),
    "hard-link, between link and unlink": ({"DOGCAT_CHILD_PAUSE_AT": "random"}, None),
    "cross-disk copy, random moment": ({"DOGCAT_CHILD_MODE": "copy"}, "random"),
    "cross-disk copy, copy named but source not yet removed": (
        {"DOGCAT_CHILD_MODE": "copy", "DOGCAT_CHILD_PAUSE_AT": "random"},
        None,
    ),
}


def _kill_a_sort(
    tmp_path: Path, scenario: str, seed: int
) -> tuple[Path, dict[str, str], set[str], str]:
    rng = random.Random(seed)
    folder = tmp_path / "photos"
    make_folder(folder, rng)
    before, dirs_before = snapshot(folder), folders(folder)
    env, kill = SCENARIOS[scenario]
    env = {key: (str(rng.randint(5, 120)) if v == "random" else v) for key, v in env.items()}
    kill_after = rng.randint(1, 120) if kill == "random" else None
    last = run_and_kill(folder, env, kill_after)
    assert last in ("LINKED", f"PROGRESS {kill_after}"), f"seed {seed}: child ended at {last!r}"
    killed_at = snapshot(folder)
    assert killed_at != before
    if last == "LINKED":
        # Killed mid-move: the photo (or its copy) exists under more than one name right now.
        assert len(killed_at) > len(before), f"seed {seed}"
    return (
        folder,
        before,
        dirs_before,
        f"seed {seed}, {scenario}, env {env}, kill after {kill_after}",
    )


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_undo_after_a_killed_sort_restores_the_exact_tree(tmp_path: Path, scenario: str) -> None:
    seed = random.randrange(1 << 30)
    folder, before, dirs_before, context = _kill_a_sort(tmp_path, scenario, seed)

    report = undo_last(folder)
    assert report.complete, context
    assert report.failures == [] and report.missing == [] and report.renamed == [], context
    assert snapshot(folder) == before, context
    assert folders(folder) == dirs_before, context
    assert list_journals(folder) == [], context


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_sorting_again_after_a_kill_leaves_each_file_in_one_place(
    tmp_path: Path, scenario: str
) -> None:
    seed = random.randrange(1 << 30)
    folder, before, _dirs, context = _kill_a_sort(tmp_path, scenario, seed)

    report = execute_plan(plan_sort(folder, labelled(folder)))
    assert report.failures == [] and report.error is None, context
    after = snapshot(folder)
    # Every file exactly once: same contents, same count, no temporary copies.
    assert Counter(after.values()) == Counter(before.values()), context
    assert not [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)], context
    where_now = {digest: path for path, digest in after.items()}
    for path, digest in before.items():
        label = label_of(Path(path))
        if path == "cats/cat_000.jpg" or label not in ("dog", "cat"):
            assert after.get(path) == digest, f"{context}: {path} should not have moved"
        else:
            assert where_now[digest].startswith(f"{label}s/"), f"{context}: {path}"

    # Both sorts undo cleanly, the second first, back to the very first state.
    assert len(list_journals(folder)) == 2
    undo_last(folder)
    undo_last(folder)
    assert snapshot(folder) == before, context
    assert list_journals(folder) == [], context
