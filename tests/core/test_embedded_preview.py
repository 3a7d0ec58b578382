"""A photo's embedded preview (a camera's EXIF thumbnail, an iPhone's HEIC thumbnail) is found,
turned upright like the photo, and shown while the photo waits; it never decides the label."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import BLUE, RED, camera_photo

from dogcat_desktop.core.imaging import HEIF_AVAILABLE, decode, embedded_preview


def _colour(image: Image.Image) -> np.ndarray:
    return np.asarray(image).reshape(-1, 3).mean(axis=0)


def test_a_cameras_exif_thumbnail_is_the_preview_and_never_the_label(tmp_path: Path):
    photo = camera_photo(tmp_path / "DSC_0001.JPG")
    preview = embedded_preview(photo)
    assert preview is not None and preview.size == (160, 120) and preview.mode == "RGB"
    assert np.abs(_colour(preview) - RED).max() < 12
    assert np.abs(decode(photo).pixels.reshape(-1, 3).mean(axis=0) - BLUE).max() < 12


def test_the_preview_is_turned_as_the_photo_is(tmp_path: Path):
    photo = camera_photo(tmp_path / "IMG_0001.JPG", orientation=6)
    preview = embedded_preview(photo)
    assert preview is not None and preview.size == (120, 160)  # upright, like decode's
    assert (decode(photo).width, decode(photo).height) == (600, 800)


def test_no_preview_where_there_is_none_or_it_is_damaged(tmp_path: Path):
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (800, 600), BLUE).save(plain)
    png = tmp_path / "drawing.png"
    Image.new("RGB", (64, 64), RED).save(png)
    pointing_past = camera_photo(tmp_path / "broken.jpg", offset_shift=100_000)
    pointing_wrong = camera_photo(tmp_path / "shifted.jpg", offset_shift=3)  # not at a JPEG
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    missing = tmp_path / "gone.jpg"
    for path in (plain, png, pointing_past, pointing_wrong, empty, missing):
        assert embedded_preview(path) is None, path.name


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_pipe_named_like_a_photo_is_not_waited_on(tmp_path: Path):
    pipe = tmp_path / "IMG_0002.JPG"
    os.mkfifo(pipe)
    assert embedded_preview(pipe) is None  # returns at once: nothing writes to the pipe


@pytest.mark.skipif(not HEIF_AVAILABLE, reason="the heif extra is not installed")
def test_an_iphone_heic_thumbnail_is_the_preview(tmp_path: Path):
    import pillow_heif

    picture = Image.new("RGB", (800, 600), BLUE)
    picture.paste(Image.new("RGB", (400, 600), RED))
    heif = pillow_heif.from_pillow(picture)
    with_one, without = tmp_path / "IMG_0003.HEIC", tmp_path / "IMG_0004.HEIC"
    heif.save(with_one, quality=80, thumbnails=[320])
    heif.save(without, quality=80, thumbnails=[])

    preview = embedded_preview(with_one)
    assert preview is not None and preview.size == (320, 240)
    left, right = np.asarray(preview)[120, 40].astype(int), np.asarray(preview)[120, 280]
    assert np.abs(left - RED).max() < 24 and np.abs(right.astype(int) - BLUE).max() < 24
    assert embedded_preview(without) is None
