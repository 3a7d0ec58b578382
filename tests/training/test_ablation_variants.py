"""The ablation's experimental variants: other framings of a photo, a head fitted around a fixed
prior, the evidence in three groups. None ships; these check they do what their rows in the
README say."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dogcat_desktop.core.imaging import load_pixels
from training import head as heads
from training.features import PET_GROUPS, group_matrix
from training.framing import PAD_GREY, framed_pixels
from training.model import head_features

RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def wide(tmp_path: Path) -> Path:
    """400x200: a red square in the middle, blue on either side."""
    image = Image.new("RGB", (400, 200), BLUE)
    image.paste(Image.new("RGB", (200, 200), RED), (100, 0))
    path = tmp_path / "wide.png"
    image.save(path)
    return path


def test_squash_is_the_contract(wide: Path):
    assert np.array_equal(framed_pixels(wide, "squash"), load_pixels(wide))


def test_squash_keeps_the_sides_that_the_crops_leave_out(wide: Path):
    squash = framed_pixels(wide, "squash")
    assert tuple(squash[112, 5]) == BLUE
    for framing in ("crop", "crop875"):
        pixels = framed_pixels(wide, framing)
        assert pixels.shape == (224, 224, 3)
        inside = pixels[:, 2:-2].astype(int)  # the filter reads a pixel past the crop's edge
        assert (np.abs(inside - RED) <= 2).all(), framing


def test_pad_letterboxes_with_grey(wide: Path):
    pixels = framed_pixels(wide, "pad")
    assert tuple(pixels[0, 112]) == PAD_GREY  # above the photo
    assert tuple(pixels[223, 112]) == PAD_GREY  # below it
    assert tuple(pixels[112, 112]) == RED
    assert tuple(pixels[112, 2]) == BLUE


def test_unknown_framing_is_refused(wide: Path):
    with pytest.raises(ValueError, match="unknown framing"):
        framed_pixels(wide, "stretch")


def test_a_head_fitted_around_a_prior_learns_only_what_the_prior_lacks():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    features = np.eye(3, dtype=np.float32)[labels]  # as telling as the prior
    prior = 8.0 * features  # sure and right: nothing left to learn

    def kernel_size(offsets) -> float:
        fitted = heads.fit(features, labels, None, None, classes=3, epochs=200, offsets=offsets)
        return float(np.abs(fitted.kernel).sum())

    assert kernel_size((prior, prior)) < 0.5 * kernel_size(None)


def test_embeddings_made_from_other_pixels_are_cached_under_another_key(tmp_path: Path):
    from training.data import Example
    from training.features import PLAIN, _cache_key
    from training.pixels import CONTRACT_VERSION, DecodedSet

    photo = tmp_path / "cat.1.jpg"
    Image.new("RGB", (32, 32), RED).save(photo)
    examples = [Example(path=photo, label=1, root=tmp_path, key="cat.1.jpg")]
    empty = np.zeros((1, 224, 224, 3), np.uint8)

    def key(contract: str) -> str:
        decoded = DecodedSet(examples, empty, np.array([1]), [], contract)
        return _cache_key(decoded, PLAIN, 0, "weights")

    assert key(CONTRACT_VERSION) == key(CONTRACT_VERSION)
    assert len({key(CONTRACT_VERSION), key("2"), key("crop875")}) == 3


def test_three_groups_merge_the_lookalikes_into_the_rest():
    shipped, merged = group_matrix(), group_matrix(PET_GROUPS)
    assert merged.shape == (1000, 3) and (merged.sum(axis=1) == 1).all()
    assert np.array_equal(merged[:, :2], shipped[:, :2])  # dog breeds, domestic cats
    assert np.array_equal(merged[:, 2], shipped[:, 2:].sum(axis=1))  # everything else
    probabilities = np.random.default_rng(0).dirichlet(np.ones(1000), size=4)
    features = head_features(np.zeros((4, 1280)), probabilities, PET_GROUPS)
    rest = probabilities @ shipped[:, 2:].sum(axis=1)
    assert features.shape == (4, 1283) and np.allclose(np.exp(features[:, -1]), rest)
