"""Load: a 20,000-file scan through the CLI with bounded memory, and a 5,000-file sort and undo.

Marked slow; each takes up to about two minutes on two cores. The figures (time, files per
second, peak memory) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import csv
import io
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import child_env, snapshot

from dogcat_desktop.core.journal import list_journals
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.undo import undo_last
from dogcat_desktop.resources import model_dir

pytestmark = pytest.mark.slow

SCAN_FILES = 20_000
BAD_FILES = 800  # of the 20,000
SORT_FILES = 5_000
MEMORY_LIMIT_KIB = 1024 * 1024  # 1 GiB

# The CLI, reporting its own peak memory at the end. ru_maxrss is inherited from the parent
# across fork and exec on Linux, so the child's own high-water mark (VmHWM) is read as well.
CLI_WITH_PEAK = """
import sys
from dogcat_desktop.cli import main
code = main(sys.argv[1:])
try:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"PEAK_KIB {peak}", file=sys.stderr)
except OSError:
    pass
sys.exit(code)
"""


def tiny_jpegs(count: int, rng: np.random.Generator) -> list[bytes]:
    """Distinct small photos (64 x 48): decoding and inference cost the same as for any size."""
    variants = []
    for _ in range(count):
        base = rng.integers(0, 256, 3)
        noise = rng.integers(-40, 40, (48, 64, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
        variants.append(buffer.getvalue())
    return variants


def bad_content(index: int, jpeg: bytes) -> bytes:
    kind = index % 4
    if kind == 0:
        return jpeg[: len(jpeg) // 2]  # truncated
    if kind == 1:
        return b""  # empty
    if kind == 2:
        return b"not a photo, just text\n"
    return b"\xff\xd8\xff\xe0" + bytes(200)  # a JPEG start, then nothing valid


def test_scan_of_20000_files_has_a_row_for_each_and_bounded_memory(tmp_path: Path) -> None:
    if not (model_dir() / "model_card.json").exists():
        pytest.skip(f"no classifier model in {model_dir()}")
    folder = tmp_path / "many"
    rng = np.random.default_rng(20_000)
    variants = tiny_jpegs(64, rng)
    bad: set[str] = set()
    started = time.perf_counter()
    for i in range(SCAN_FILES):
        sub = folder / f"batch {i // 1000:02d}"  # 20 subfolders of 1,000
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        path = sub / f"photo {i:05d}.jpg"
        if i % (SCAN_FILES // BAD_FILES) == 7:
            path.write_bytes(bad_content(len(bad), variants[i % 64]))
            bad.add(str(path))
        else:
            path.write_bytes(variants[i % 64])
    made_in = time.perf_counter() - started
    assert len(bad) == BAD_FILES

    out = tmp_path / "rows.csv"
    env = child_env()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CLI_WITH_PEAK, "classify", "-r", "-o", str(out), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    children_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert result.returncode == 1, result.stderr  # 1: some files could not be read
    peak_lines = [line for line in result.stderr.splitlines() if line.startswith("PEAK_KIB")]
    own_peak = int(peak_lines[0].split()[1]) if peak_lines else children_maxrss

    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_path = {row["path"]: row for row in rows}
    assert len(rows) == len(by_path) == SCAN_FILES  # every file exactly one row
    errors = {path for path, row in by_path.items() if row["status"] == "error"}
    assert errors == bad
    assert all(by_path[path]["error"] for path in bad)
    labels = {row["label"] for path, row in by_path.items() if path not in bad}
    assert labels <= {"dog", "cat", "other"}
    assert f"{BAD_FILES} of {SCAN_FILES} files could not be read" in result.stderr

    print(
        f"\nscan of {SCAN_FILES} files ({BAD_FILES} bad): {elapsed:.1f} s, "
        f"{SCAN_FILES / elapsed:.0f} files/s; peak memory of the CLI {own_peak / 1024:.0f} MiB "
        f"(VmHWM; RUSAGE_CHILDREN ru_maxrss {children_maxrss / 1024:.0f} MiB); "
        f"files made in {made_in:.1f} s"
    )
    assert own_peak < MEMORY_LIMIT_KIB
    # ru_maxrss bounds the child from above (it includes this process's peak, inherited).
    if resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MEMORY_LIMIT_KIB:
        assert children_maxrss < MEMORY_LIMIT_KIB


def test_sort_and_undo_of_5000_files(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    rng = random.Random(5000)
    items: list[tuple[Path, str | None]] = []
    for i in range(SORT_FILES):
        sub = folder / ("", "trip", "trip/day 2")[i % 3]
        sub.mkdir(parents=True, exist_ok=True)
        # Names repeat across the subfolders, so many moves need a numbered name.
        path = sub / f"IMG_{i % 2000:04d}.jpg"
        if path.exists():
            path = sub / f"IMG_{i:04d}.jpg"
        path.write_bytes(f"{i}".encode() + rng.randbytes(rng.randint(200, 3000)))
        items.append((path, ("dog", "cat", "other", None)[i % 4]))
    before = snapshot(folder)
    assert len(before) == SORT_FILES

    started = time.perf_counter()
    plan = plan_sort(folder, items)
    planned_in = time.perf_counter() - started
    started = time.perf_counter()
    report = execute_plan(plan)
    sorted_in = time.perf_counter() - started
    assert report.failures == [] and report.error is None
    assert report.moved == len(plan.moves) == SORT_FILES // 2
    after = snapshot(folder)
    assert sorted(after.values()) == sorted(before.values())  # nothing lost, nothing doubled
    assert sum(1 for name in after if name.startswith(("dogs/", "cats/"))) == report.moved

    started = time.perf_counter()
    undo = undo_last(folder)
    undone_in = time.perf_counter() - started
    assert undo.complete and undo.restored == report.moved
    assert undo.failures == [] and undo.missing == [] and undo.renamed == []
    assert snapshot(folder) == before
    assert list_journals(folder) == []
    print(
        f"\nsort of {SORT_FILES} files ({report.moved} moved, {len(plan.collisions)} renamed): "
        f"plan {planned_in:.2f} s, sort {sorted_in:.1f} s "
        f"({report.moved / sorted_in:.0f} moves/s), undo {undone_in:.1f} s"
    )
