"""JPEG through simplejpeg inside ``decode`` gives Pillow's pixels exactly, or is not used."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dogcat_desktop.core import imaging, jpeg
from dogcat_desktop.core.imaging import INPUT_SIZE, ImageReadError, decode


def _pillow_only(data: bytes, monkeypatch: pytest.MonkeyPatch) -> imaging.DecodedImage:
    with monkeypatch.context() as patch:
        patch.setattr(imaging, "decode_reduced", lambda image, target: None)
        return decode(data)


def _through_simplejpeg(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return jpeg.decode_reduced(image, INPUT_SIZE) is not None


def _assert_same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    app = decode(data)
    reference = _pillow_only(data, monkeypatch)
    np.testing.assert_array_equal(app.pixels, reference.pixels)
    np.testing.assert_array_equal(np.asarray(app.thumbnail), np.asarray(reference.thumbnail))
    assert (app.width, app.height) == (reference.width, reference.height)


def _jpeg(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo(cat_photos) -> Image.Image:
    return Image.open(cat_photos[2]).convert("RGB")


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(300, 200), (500, 460), (1000, 900), (2400, 1800)])
def test_every_scale_and_orientation_matches_pillow(photo, monkeypatch, orientation, size):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _jpeg(photo.resize(size), quality=92, exif=exif.tobytes())
    assert _through_simplejpeg(data)  # the fast path really ran, so two decoders are compared
    _assert_same(data, monkeypatch)


@pytest.mark.parametrize(
    "options",
    [{"progressive": True}, {"subsampling": 0}, {"subsampling": 1}, {"quality": 60}],
    ids=["progressive", "444", "422", "q60"],
)
def test_encodings_match_pillow(photo, monkeypatch, options):
    data = _jpeg(photo.resize((1300, 977)), **options)
    assert _through_simplejpeg(data)
    _assert_same(data, monkeypatch)


def test_multi_picture_jpeg_matches_pillow(photo, monkeypatch):
    buffer = io.BytesIO()
    big = photo.resize((1200, 900))
    big.save(buffer, format="MPO", save_all=True, append_images=[big.rotate(90)])
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert _through_simplejpeg(data)
    _assert_same(data, monkeypatch)


def test_real_photos_match_pillow(cat_photos, dog_photos, monkeypatch):
    for path in [*cat_photos[:15], *dog_photos[:15]]:
        data = path.read_bytes()
        assert _through_simplejpeg(data), path
        _assert_same(data, monkeypatch)


def test_grey_and_cmyk_are_left_to_pillow(photo):
    for mode in ("L", "CMYK"):
        assert not _through_simplejpeg(_jpeg(photo.convert(mode)))


def test_damaged_jpeg_keeps_pillows_reading(cat_photos, monkeypatch):
    data = cat_photos[1].read_bytes()
    cut = data[:4000]
    assert not _through_simplejpeg(cut)
    with pytest.raises(ImageReadError, match="truncated"):
        decode(cut)
    # Junk between markers: libjpeg-turbo warns (simplejpeg refuses), Pillow decodes it.
    end_of_header = data.index(b"\xff\xdb")
    junk = data[:end_of_header] + b"\x00\x00\x00" + data[end_of_header:]
    assert not _through_simplejpeg(junk)
    _assert_same(junk, monkeypatch)


@pytest.mark.parametrize(
    ("size", "scale"), [((223, 500), 1), ((500, 375), 1), ((448, 448), 2), ((4000, 3000), 8)]
)
def test_draft_scale_is_pillows(size, scale):
    assert jpeg.draft_scale(size, INPUT_SIZE) == scale
    image = Image.open(io.BytesIO(_jpeg(Image.new("RGB", size))))
    image.draft("RGB", (INPUT_SIZE, INPUT_SIZE))
    assert image.size == tuple(-(-side // scale) for side in size)
