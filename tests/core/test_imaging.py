"""The preprocessing contract: orientation, colour handling, reduced decode, clear errors."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from dogcat_desktop.core import imaging
from dogcat_desktop.core.imaging import (
    INPUT_SIZE,
    THUMBNAIL_SIZE,
    ImageReadError,
    decode,
    load_display,
)


@pytest.fixture(scope="module")
def photo(cat_photos) -> Image.Image:
    return Image.open(cat_photos[0]).convert("RGB")


def _jpeg(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, **kwargs)
    return buffer.getvalue()


def test_output_shape_and_type(photo):
    decoded = decode(_jpeg(photo))
    assert decoded.pixels.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert decoded.pixels.dtype == np.uint8
    assert max(decoded.thumbnail.size) <= THUMBNAIL_SIZE
    assert decoded.thumbnail.mode == "RGB"
    assert (decoded.width, decoded.height) == photo.size


def test_exif_orientation_is_applied(photo):
    upright = decode(_jpeg(photo))
    # Store the pixels turned a quarter, with orientation 6 ("rotate 90 CW to view").
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = photo.transpose(Image.Transpose.ROTATE_90)
    rotated = decode(_jpeg(stored, exif=exif.tobytes()))
    assert (rotated.width, rotated.height) == photo.size
    assert rotated.thumbnail.size == upright.thumbnail.size
    difference = np.abs(rotated.pixels.astype(int) - upright.pixels.astype(int)).mean()
    assert difference < 4, difference
    # Ignoring the tag would give a very different picture.
    ignored = np.asarray(stored.resize((INPUT_SIZE, INPUT_SIZE)))
    assert np.abs(ignored.astype(int) - upright.pixels.astype(int)).mean() > 20


def test_png_alpha_is_composited_over_white():
    image = Image.new("RGBA", (300, 300), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 150, 300))  # left half fully transparent black
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pixels = decode(buffer.getvalue()).pixels
    assert pixels[:, :100].min() == 255  # transparent shows as white, not black
    assert tuple(pixels[100, 200]) == (200, 30, 30)


def test_grayscale_becomes_three_equal_channels(photo):
    gray = photo.convert("L")
    pixels = decode(_jpeg(gray)).pixels
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()


def test_cmyk_jpeg_matches_rgb(photo):
    rgb = decode(_jpeg(photo)).pixels.astype(int)
    cmyk = decode(_jpeg(photo.convert("CMYK"))).pixels.astype(int)
    assert np.abs(rgb - cmyk).mean() < 6


def test_sixteen_bit_png_scaled_not_clipped():
    ramp = (np.linspace(0, 65535, 256, dtype=np.uint32)[None, :].repeat(64, 0)).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, format="PNG")
    pixels = decode(buffer.getvalue()).pixels
    assert pixels[..., 0].max() >= 250 and pixels[..., 0].min() <= 5
    assert 100 < pixels[:, INPUT_SIZE // 2, 0].mean() < 160  # mid-grey stays mid-grey


@pytest.mark.parametrize("fast", [True, False], ids=["simplejpeg", "pillow"])
def test_large_jpeg_uses_reduced_decode(photo, monkeypatch, fast):
    big = photo.resize((4000, 3000))
    data = _jpeg(big)
    sizes = []
    original_load = Image.Image.load
    original_reduced = imaging.decode_reduced

    def spy_load(self):
        result = original_load(self)
        sizes.append(self.size)
        return result

    def spy_reduced(image, target):
        result = original_reduced(image, target) if fast else None
        if result is not None:
            sizes.append(result.size)
        return result

    monkeypatch.setattr(Image.Image, "load", spy_load)
    monkeypatch.setattr(imaging, "decode_reduced", spy_reduced)
    decoded = decode(data)
    assert (decoded.width, decoded.height) == (4000, 3000)
    # 4000x3000 at 1/8 scale is 500x375: still above 224 on both sides, never full size.
    assert sizes and max(w for w, _ in sizes) <= 500


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"this is just text, not a picture\n", "not an image"),
    ],
)
def test_unreadable_bytes_have_reasons(tmp_path, content, reason):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=reason):
        decode(path)


def test_truncated_jpeg(tmp_path, cat_photos):
    path = tmp_path / "cut.jpg"
    path.write_bytes(cat_photos[1].read_bytes()[:4000])
    with pytest.raises(ImageReadError, match=r"truncated|corrupt"):
        decode(path)


def test_missing_file_is_not_lasting(tmp_path):
    with pytest.raises(ImageReadError, match="not found") as info:
        decode(tmp_path / "gone.jpg")
    assert info.value.lasting is False


def test_decompression_bomb_refused(monkeypatch):
    monkeypatch.setattr(imaging, "MAX_PIXELS", 1000)
    image = Image.new("RGB", (100, 100))
    with pytest.raises(ImageReadError, match="too large"):
        decode(_jpeg(image))


def test_full_size_formats_have_a_lower_limit(monkeypatch):
    """A PNG is decoded at full size, so it is refused sooner than a JPEG of the same size,
    which is decoded at up to 1/8 scale."""
    monkeypatch.setattr(imaging, "MAX_FULL_DECODE_PIXELS", 300 * 300)
    image = Image.new("RGB", (400, 400), (10, 120, 200))
    png = io.BytesIO()
    image.save(png, format="PNG")
    with pytest.raises(ImageReadError, match="too large"):
        decode(png.getvalue())
    assert decode(_jpeg(image)).pixels.shape == (INPUT_SIZE, INPUT_SIZE, 3)


def test_first_frame_of_animated_gif():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    pixels = decode(buffer.getvalue()).pixels
    assert pixels[..., 0].mean() > 200 and pixels[..., 2].mean() < 50


# ------------------------------------------------------------------ the large preview's decode


def test_display_image_is_upright_and_bounded(photo, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned a quarter
    path = tmp_path / "turned.jpg"
    path.write_bytes(_jpeg(photo.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes()))

    shown = load_display(path, 128)

    assert shown.mode == "RGB" and max(shown.size) == 128
    assert (shown.width > shown.height) == (photo.width > photo.height)


def test_display_image_keeps_transparency(tmp_path):
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(path)
    shown = load_display(path, 100)
    assert shown.mode == "RGBA" and shown.size == (40, 30)


def test_display_refuses_what_the_scanner_refuses(tmp_path, monkeypatch):
    """The same open and limits as the model input: no pipe, no bomb, no folder."""
    monkeypatch.setattr(imaging, "MAX_FULL_DECODE_PIXELS", 300 * 300)
    big = tmp_path / "big.png"
    Image.new("RGB", (400, 400)).save(big)
    with pytest.raises(ImageReadError, match="too large"):
        load_display(big, 100)
    with pytest.raises(ImageReadError, match="folder"):
        load_display(tmp_path, 100)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.jpg")
        with pytest.raises(ImageReadError, match="not a regular file"):
            load_display(tmp_path / "pipe.jpg", 100)  # returns at once: never opens it blocking
