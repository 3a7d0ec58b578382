"""AVIF (Android phones, the web; Pillow) and HEIC (an iPhone's default; the ``heif`` extra,
which the test environment installs): upright, scanned, and a damaged file reported, never a
crash.

``tests/data/turned.heic`` (633 bytes, written by pillow-heif) and ``turned.avif`` (392 bytes,
Pillow) hold a 96x64 picture, left half red, right half blue, stored turned a quarter (64x96)
with EXIF orientation 6, the way a phone held upright stores it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import FIXTURES, child_env

from dogcat_desktop.core.imaging import (
    AVIF_AVAILABLE,
    HEIF_AVAILABLE,
    ImageReadError,
    decode,
    is_image_name,
)
from dogcat_desktop.core.scan import list_photos

TURNED = FIXTURES / "turned.heic"
NEEDS_HEIF = pytest.mark.skipif(not HEIF_AVAILABLE, reason="the heif extra is not installed")
FORMATS = [pytest.param(TURNED, marks=NEEDS_HEIF), FIXTURES / "turned.avif"]
RED, BLUE = np.array([220, 30, 30]), np.array([30, 30, 220])


def test_avif_is_read_without_any_extra():
    assert AVIF_AVAILABLE
    assert is_image_name("PXL_20260101.AVIF")


@NEEDS_HEIF
def test_heic_is_read_with_the_extra():
    assert is_image_name("IMG_0001.HEIC") and is_image_name("burst.heif")


@pytest.mark.parametrize("photo", FORMATS, ids=lambda p: p.suffix)
def test_a_turned_photo_decodes_upright(photo: Path):
    decoded = decode(photo)
    assert (decoded.width, decoded.height) == (96, 64)
    left, right = decoded.pixels[112, 20].astype(int), decoded.pixels[112, 200].astype(int)
    assert np.abs(left - RED).max() <= 12 and np.abs(right - BLUE).max() <= 12
    assert decoded.thumbnail.size == (96, 64)


@NEEDS_HEIF
def test_an_embedded_heic_thumbnail_never_decides_the_label():
    """An iPhone's HEIC carries a small copy of the photo; the model reads the photo itself.
    (pillow-heif's ``draft`` picks such a copy when it is at least the size asked for.)"""
    import pillow_heif

    noise = np.random.default_rng(0).integers(0, 256, (600, 800, 3), dtype=np.uint8)
    heif = pillow_heif.from_pillow(Image.fromarray(noise))
    files = {}
    for thumbnails in ([], [320]):  # 320 x 240: big enough for the model's 224 x 224
        buffer = io.BytesIO()
        heif.save(buffer, quality=90, thumbnails=thumbnails)
        files[len(thumbnails)] = buffer.getvalue()
    assert pillow_heif.open_heif(io.BytesIO(files[1])).info["thumbnails"]
    assert np.array_equal(decode(files[1]).pixels, decode(files[0]).pixels)


@pytest.mark.parametrize("photo", FORMATS, ids=lambda p: p.suffix)
def test_a_truncated_photo_is_a_clear_error(tmp_path: Path, photo: Path):
    broken = tmp_path / f"IMG_0002{photo.suffix}"
    broken.write_bytes(photo.read_bytes()[:200])
    with pytest.raises(ImageReadError):
        decode(broken)


@NEEDS_HEIF
def test_classify_reads_heic_photos_in_a_folder(tmp_path: Path):
    folder = tmp_path / "iphone"
    folder.mkdir()
    shutil.copy(TURNED, folder / "IMG_0001.HEIC")
    assert [p.name for p in list_photos(folder)] == ["IMG_0001.HEIC"]
    result = subprocess.run(
        [sys.executable, "-m", "dogcat_desktop.cli", "classify", str(folder)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["path"].endswith("IMG_0001.HEIC")
    assert row["label"] in ("dog", "cat", "other") and row["error"] == ""


def test_answers_cached_before_the_read_changed_are_not_reused(tmp_path: Path):
    """A HEIC labelled from its embedded thumbnail by an earlier version is classified again."""
    import sqlite3

    from dogcat_desktop.core.cache import CachedResult, ScanCache
    from dogcat_desktop.core.imaging import READ_REVISION

    path, photo = tmp_path / "cache.sqlite3", tmp_path / "IMG_0001.HEIC"
    answer = CachedResult(np.array([0.1, 0.8, 0.1]), None, None, 4032, 3024, None)
    ScanCache(path, "model-x").put(photo, 10, 20, answer)
    assert ScanCache(path, "model-x").get(photo, 10, 20) is not None  # this version's own
    with sqlite3.connect(path) as db:  # as the version before READ_REVISION 2 wrote it
        db.execute("UPDATE results SET model = 'model-x'")
    assert READ_REVISION >= 2 and ScanCache(path, "model-x").get(photo, 10, 20) is None
