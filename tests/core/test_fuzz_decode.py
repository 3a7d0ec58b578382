"""Damaged photo bytes of every format the app reads (JPEG, PNG, WebP, TIFF, GIF, BMP, AVIF and,
with the heif extra, HEIC) through ``imaging.decode``: a photo or an ImageReadError, no more.

Real photo bytes are mutated (bit flips, truncation, inserted and deleted runs, overwritten
header bytes) and every outcome must be either a valid (224, 224, 3) uint8 model input or an
``ImageReadError`` with a reason: never another exception, never a hang. A few hundred cases per
format run by default; ``DOGCAT_FUZZ_EXAMPLES=5000`` runs longer.
"""

from __future__ import annotations

import faulthandler
import io
import os
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from support import DATA, FIXTURES, exif_with_thumbnail, require

from dogcat_desktop.core.imaging import (
    HEIF_AVAILABLE,
    INPUT_SIZE,
    ImageReadError,
    decode,
    embedded_preview,
)

PHOTO = DATA / "dogs-vs-cats" / "validation" / "cats" / "cat.2000.jpg"
# HEIC bytes come from the fixture (see test_phone_formats.py); read with the heif extra only.
HEIC = FIXTURES / "turned.heic"
EXAMPLES = int(os.environ.get("DOGCAT_FUZZ_EXAMPLES", "300"))
# One decode of these small images takes milliseconds; a minute means it hangs.
HANG_SECONDS = 60

# Pillow warns about damaged metadata (EXIF tags) and reads on; the outcome is what counts here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timing varies on a busy CI machine; hangs are caught below instead
    database=None,  # leave no example database in the working tree
    print_blob=True,  # a failure prints what reproduces it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def _picture() -> Image.Image:
    return Image.open(require(PHOTO)).convert("RGB").resize((160, 120))


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "camera maker"
    return exif.tobytes()


SEEDS: dict[str, Callable[[], bytes]] = {
    "jpeg baseline": lambda: _encode(_picture(), "JPEG", quality=85),
    "jpeg with exif orientation": lambda: _encode(_picture(), "JPEG", exif=_exif(6)),
    "jpeg with an exif thumbnail": lambda: _encode(
        _picture(), "JPEG", exif=exif_with_thumbnail(_encode(_picture(), "JPEG"), 6)
    ),
    "jpeg progressive": lambda: _encode(_picture(), "JPEG", progressive=True),
    "jpeg grayscale": lambda: _encode(_picture().convert("L"), "JPEG"),
    "jpeg cmyk": lambda: _encode(_picture().convert("CMYK"), "JPEG"),
    "png rgb": lambda: _encode(_picture(), "PNG"),
    "png rgba": lambda: _encode(_picture().convert("RGBA"), "PNG"),
    "png palette": lambda: _encode(_picture().convert("P"), "PNG", transparency=0),
    "png 16-bit gray": lambda: _encode(
        Image.fromarray(np.asarray(_picture().convert("L"), np.uint16) * 257), "PNG"
    ),
    "png interlaced": lambda: _encode(_picture(), "PNG", interlace=1),
    "webp lossy": lambda: _encode(_picture(), "WEBP", quality=80),
    "webp lossless": lambda: _encode(_picture().convert("RGBA"), "WEBP", lossless=True),
    "tiff deflate": lambda: _encode(_picture(), "TIFF", compression="tiff_adobe_deflate"),
    "tiff jpeg": lambda: _encode(_picture(), "TIFF", compression="jpeg"),
    "gif": lambda: _encode(_picture().convert("P"), "GIF"),
    "bmp": lambda: _encode(_picture(), "BMP"),
    "avif": lambda: _encode(_picture(), "AVIF", quality=60),
    "avif with exif orientation": lambda: _encode(_picture(), "AVIF", exif=_exif(6)),
}
if HEIF_AVAILABLE:
    SEEDS["heic turned"] = HEIC.read_bytes
FAMILIES = {  # what the fuzz test damages, family by family: seed names by their start
    family: [name for name in SEEDS if name.startswith(starts)]
    for family, starts in {
        "jpeg": ("jpeg",),
        "png": ("png",),
        "heic and avif": ("heic", "avif"),
        "webp, tiff, gif and bmp": ("webp", "tiff", "gif", "bmp"),
    }.items()
}


@cache
def seed_bytes(name: str) -> bytes:
    return SEEDS[name]()


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> bytes:
    """A seed image with one to eight random kinds of damage applied in turn."""
    data = bytearray(seed_bytes(draw(st.sampled_from(seeds))))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "header", "run"]))
        where = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[where:]
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 256))]
        elif kind == "header":
            # Markers, sizes and chunk lengths all live in the first few hundred bytes.
            at = draw(st.integers(0, min(len(data), 400) - 1))
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        else:
            run = draw(st.binary(min_size=1, max_size=512))
            data[where : where + len(run)] = run
    return bytes(data)


def check(data: bytes) -> None:
    """The photo decodes or says why; its embedded preview is one or none, never an error."""
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    try:
        preview = embedded_preview(data)
        assert preview is None or (preview.mode == "RGB" and min(preview.size) > 0)
        decoded = decode(data)
    except ImageReadError as exc:
        assert str(exc), "an ImageReadError without a reason"
        return
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert decoded.pixels.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert decoded.pixels.dtype == np.uint8
    assert decoded.thumbnail.mode == "RGB"
    assert decoded.width > 0 and decoded.height > 0


@pytest.mark.parametrize("name", list(SEEDS))
def test_every_seed_decodes_when_intact(name: str) -> None:
    assert decode(seed_bytes(name)).pixels.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert (embedded_preview(seed_bytes(name)) is not None) == ("thumbnail" in name)


@pytest.mark.parametrize("family", list(FAMILIES))
@FUZZ
@given(data=st.data())
def test_damaged_photos_decode_or_give_a_reason(family: str, data: st.DataObject) -> None:
    """Each family of formats gets its own examples (a few hundred each by default)."""
    check(data.draw(mutated(FAMILIES[family])))


@pytest.mark.parametrize("name", list(SEEDS))
def test_every_truncation_of_the_first_kilobyte(name: str) -> None:
    """Exhaustive where it is cheap: each length the header region can be cut to."""
    data = seed_bytes(name)
    for length in range(min(len(data), 1024)):
        check(data[:length])
