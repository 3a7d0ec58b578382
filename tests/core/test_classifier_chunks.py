"""``Classifier.run`` feeds the interpreter a few photos a call; the outputs are the batch's."""

from __future__ import annotations

import numpy as np
import pytest
from support import BUNDLED_MODEL

from dogcat_desktop.core import classifier
from dogcat_desktop.core.imaging import load_pixels


@pytest.fixture(scope="module")
def model() -> classifier.Classifier:
    if not (BUNDLED_MODEL / "model.tflite").exists():
        pytest.skip("no bundled model")
    return classifier.Classifier(BUNDLED_MODEL, threads=1)


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_chunked_run_equals_one_call(model, cat_photos, dog_photos, monkeypatch, chunk):
    pixels = np.stack([load_pixels(p) for p in [*cat_photos[:3], *dog_photos[:4]]])
    monkeypatch.setattr(classifier, "RUN_CHUNK", len(pixels))
    whole = model.run(pixels)
    calls = []
    runner = model.main_runner._runner
    monkeypatch.setattr(model.main_runner, "_runner", lambda **kw: calls.append(kw) or runner(**kw))
    monkeypatch.setattr(classifier, "RUN_CHUNK", chunk)
    parts = model.run(pixels)
    assert len(calls) == -(-len(pixels) // chunk)  # really split, so two paths are compared
    assert max(len(next(iter(kw.values()))) for kw in calls) <= chunk
    assert parts.keys() == whole.keys()
    for name in whole:
        assert parts[name].shape == whole[name].shape
        np.testing.assert_allclose(parts[name], whole[name], atol=1e-5)
    # The photos really differ, so rows in the wrong order would fail.
    assert len({tuple(row.round(3)) for row in whole["probabilities"]}) > 1


def test_single_photo_without_batch_axis(model, cat_photos):
    one = load_pixels(cat_photos[0])
    assert model.run(one)["probabilities"].shape == (1, 3)
