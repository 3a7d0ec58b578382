"""Training and the app see the same tensor for the same file: one contract, no drift."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dogcat_desktop.core.scan import _decode_file
from training.data import Example
from training.pixels import decode_examples


def _make_files(tmp_path, source: Image.Image) -> dict[str, object]:
    files = {}
    exif = Image.Exif()
    exif[0x0112] = 6
    files["exif.jpg"] = lambda p: source.transpose(Image.Transpose.ROTATE_90).save(
        p, quality=92, exif=exif.tobytes()
    )
    rgba = source.convert("RGBA")
    alpha = Image.linear_gradient("L").resize(source.size)
    rgba.putalpha(alpha)
    files["alpha.png"] = rgba.save
    files["gray.jpg"] = source.convert("L").save
    files["cmyk.jpg"] = source.convert("CMYK").save
    for name, save in files.items():
        save(tmp_path / name)
    return files


@pytest.mark.parametrize("cache", [False, True], ids=["fresh", "cached"])
def test_training_pipeline_equals_app_decode(tmp_path, cat_photos, cache):
    source = Image.open(cat_photos[3]).convert("RGB")
    names = _make_files(tmp_path, source)
    examples = [Example(tmp_path / n, 1, tmp_path, n) for n in names]
    cache_dir = tmp_path / "cache" if cache else None
    if cache:
        decode_examples(examples, cache_dir)  # fill the cache; the second read comes from it
    training_set = decode_examples(examples, cache_dir)
    assert not training_set.failures
    for example, tensor in zip(training_set.examples, training_set.pixels, strict=True):
        app = _decode_file(example.path)
        assert app.image is not None
        np.testing.assert_array_equal(tensor, app.image.pixels, err_msg=example.key)
    # The files really differ in kind, so the test is not comparing four copies of one thing.
    modes = {Image.open(tmp_path / n).mode for n in names}
    assert {"RGBA", "L", "CMYK", "RGB"} <= modes


def test_unreadable_training_files_are_listed_not_fatal(tmp_path, cat_photos):
    good = tmp_path / "cat.1.jpg"
    good.write_bytes(cat_photos[0].read_bytes())
    bad = tmp_path / "cat.2.jpg"
    bad.write_bytes(b"not a jpeg")
    result = decode_examples(
        [Example(good, 1, tmp_path, good.name), Example(bad, 1, tmp_path, bad.name)], None
    )
    assert [e.path for e in result.examples] == [good]
    assert result.failures == [(bad, "not an image, or a format this app cannot read")]
