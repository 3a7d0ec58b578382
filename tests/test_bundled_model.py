"""The bundled model on the held-out test set, through the app's own ``classify`` path.

Test set: ``dogs-vs-cats/validation`` plus the slice of ``other`` that training set aside by
hash (the same function and salt training used, so no training decision saw these photos).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from support import BUNDLED_MODEL as MODEL

from dogcat_desktop import cli
from dogcat_desktop.core.labels import CLASSES
from training import data as datasets

CARD = json.loads((MODEL / "model_card.json").read_text()) if MODEL.exists() else None

pytestmark = [
    pytest.mark.accuracy,
    pytest.mark.skipif(CARD is None, reason="no bundled model in resources/model"),
]


@pytest.fixture(scope="module")
def test_set(shared_data) -> dict[Path, str]:
    """Test file -> true class, rebuilt exactly as training split it."""
    truth = {}
    validation, _ = datasets.discover([shared_data / "dogs-vs-cats" / "validation"])
    other, _ = datasets.discover([shared_data / "other"])
    fraction = CARD["training"]["config"]["test_slices"]["other"]
    _, other_slice = datasets.split_fraction(other, fraction, salt="test-slice")
    for example in (*validation, *other_slice):
        truth[example.path] = example.class_name
    assert len(truth) == CARD["data"]["test"]["files"]
    assert (
        datasets.file_list_hash([*validation, *other_slice])
        == (CARD["data"]["test"]["file_list_sha256"])
    )
    return truth


@pytest.fixture(scope="module")
def classified(test_set, tmp_path_factory) -> dict[Path, dict]:
    out = tmp_path_factory.mktemp("classify") / "rows.csv"
    # The class folders are named explicitly: a recursive scan skips top-level cats/ and dogs/,
    # which are where the app itself sorts photos to.
    folders = sorted({str(p.parent) for p, label in test_set.items() if label != "other"})
    others = [str(p) for p, label in test_set.items() if label == "other"]
    status = cli.main(["classify", "--no-cache", *folders, *others, "--output", str(out)])
    assert status == 0
    with out.open() as stream:
        return {Path(row["path"]).resolve(): row for row in csv.DictReader(stream)}


def test_cats_and_dogs_accuracy(test_set, classified):
    pets = [p for p, label in test_set.items() if label != "other"]
    correct = sum(classified[p]["label"] == test_set[p] for p in pets)
    accuracy = correct / len(pets)
    print(f"cats+dogs accuracy {accuracy:.4f} on {len(pets)} photos")
    assert accuracy >= 0.985


def test_other_recognised_as_neither(test_set, classified):
    others = [p for p, label in test_set.items() if label == "other"]
    recognised = sum(classified[p]["label"] == "other" for p in others) / len(others)
    print(f"other recognised {recognised:.4f} on {len(others)} photos")
    assert recognised >= 0.97


def test_card_matches_what_the_app_measures(test_set, classified):
    pets = [p for p, label in test_set.items() if label != "other"]
    accuracy = sum(classified[p]["label"] == test_set[p] for p in pets) / len(pets)
    assert abs(accuracy - CARD["test"]["cat_dog_accuracy"]) < 0.002


def test_exported_model_matches_keras(test_set):
    keras = pytest.importorskip("keras")
    from dogcat_desktop.core.classifier import Classifier
    from dogcat_desktop.core.imaging import load_pixels

    paths = sorted(test_set)[::13][:100]
    pixels = np.stack([load_pixels(p) for p in paths])
    lite = Classifier(MODEL).run(pixels)["probabilities"]
    reference = keras.saving.load_model(MODEL / "model.keras").predict(
        pixels.astype(np.float32), batch_size=25, verbose=0
    )["probabilities"]
    assert len(paths) == 100
    difference = np.abs(lite - reference).max()
    print(f"max abs probability difference LiteRT vs Keras: {difference:.2e}")
    assert difference < 1e-3
    assert reference.shape[1] == len(CLASSES)
