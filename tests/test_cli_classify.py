"""``dogcat-sorter-cli classify`` on real photos and on broken files, as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from support import child_env


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = child_env()
    return subprocess.run(
        [sys.executable, "-m", "dogcat_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture()
def mixed_folder(tmp_path, cat_photos, dog_photos):
    folder = tmp_path / "photos"
    folder.mkdir()
    for photo in (*cat_photos[:3], *dog_photos[:3]):
        shutil.copy(photo, folder)
    corrupt = bytearray(cat_photos[10].read_bytes())
    corrupt[200:4000] = os.urandom(3800)  # scrambled entropy-coded data after the header
    (folder / "corrupt.jpg").write_bytes(bytes(corrupt[:2000]) + b"\xff\xd9")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.png").write_text("these are my notes, not a picture\n")
    png = io.BytesIO()
    from PIL import Image

    Image.open(dog_photos[5]).save(png, format="PNG")
    (folder / "truncated.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 3])
    (folder / "readme.txt").write_text("not a photo; skipped silently unless named\n")
    return folder


def test_classify_lists_errors_with_reasons_and_exits_1(mixed_folder):
    result = run_cli("classify", str(mixed_folder))
    assert result.returncode == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "path",
        "label",
        "confidence",
        "p_dog",
        "p_cat",
        "p_other",
        "status",
        "error",
        "source",
        "name",
    ]
    by_name = {os.path.basename(r["path"]): r for r in rows}
    assert "readme.txt" not in by_name  # non-image skipped silently when not named
    bad = {"corrupt.jpg", "empty.jpg", "notes.png", "truncated.png"}
    for name in bad:
        assert by_name[name]["status"] == "error", by_name[name]
        assert by_name[name]["error"], f"{name} has no reason"
        assert by_name[name]["label"] == ""
    assert "empty" in by_name["empty.jpg"]["error"]
    assert "not an image" in by_name["notes.png"]["error"]
    good = [r for n, r in by_name.items() if n not in bad]
    assert len(good) == 6
    for row in good:
        assert row["status"] in ("ok", "unsure")
        probabilities = [float(row[k]) for k in ("p_dog", "p_cat", "p_other")]
        assert abs(sum(probabilities) - 1) < 1e-3
        assert float(row["confidence"]) == pytest.approx(max(probabilities), abs=1e-4)
        assert row["label"] == ("dog", "cat", "other")[probabilities.index(max(probabilities))]
    assert "4 of 10 files could not be read" in result.stderr


def test_classify_json_output_file_and_explicit_non_image(mixed_folder, tmp_path):
    out = tmp_path / "out.json"
    good = sorted(mixed_folder.glob("cat.*.jpg"))[0]
    result = run_cli(
        "classify",
        str(good),
        str(mixed_folder / "readme.txt"),
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert result.returncode == 1
    rows = json.loads(out.read_text())
    assert [r["status"] for r in rows][1] == "error"
    assert rows[0]["status"] in ("ok", "unsure") and rows[0]["error"] is None


def test_classify_all_readable_exits_0(tmp_path, cat_photos):
    folder = tmp_path / "sub" / "deeper"
    folder.mkdir(parents=True)
    shutil.copy(cat_photos[0], folder)
    flat = run_cli("classify", str(tmp_path))
    assert flat.returncode == 0 and flat.stdout.count("\n") == 1  # header only
    deep = run_cli("classify", str(tmp_path), "--recursive")
    assert deep.returncode == 0, deep.stderr
    assert deep.stdout.count("\n") == 2


def test_bad_usage_exits_2():
    assert run_cli("classify").returncode == 2
    assert run_cli("classify", "x.jpg", "--format", "xml").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_classify_help_names_every_column_in_order(capsys):
    from dogcat_desktop.cli import build_parser
    from dogcat_desktop.core.report import COLUMNS

    with pytest.raises(SystemExit):
        build_parser().parse_args(["classify", "--help"])
    assert ",".join(COLUMNS) in "".join(capsys.readouterr().out.split())
