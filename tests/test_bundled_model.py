"""The bundled model on the held-out test sources, through the app's own ``classify`` path.

The test sources are whole collections named in ``training/splits.txt`` that training never saw
(not even to choose the threshold), so these figures say how the model does on other people's
photos. Kaggle's validation 1,000 is checked too, as the in-distribution line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from support import BUNDLED_MODEL as MODEL

from dogcat_desktop import cli
from dogcat_desktop.core.labels import CLASSES, SORT_FOLDERS
from training import data as datasets
from training.calibration import expected_calibration_error
from training.sources import load_split

CARD = json.loads((MODEL / "model_card.json").read_text()) if MODEL.exists() else None

# The product's targets, and the bound this model is held to where it falls short of one: what it
# measured when built (card: evaluation.test), so any regression fails. The README names the gaps.
TARGETS = {
    "cat_dog_accuracy": 0.985,
    "pets_unsure": 0.04,
    "other_recognised": 0.98,
    "wrong_moves": 0.005,
    "kaggle_accuracy": 0.990,
    "ece": 0.02,
}
FLOORS = {
    **TARGETS,
    "cat_dog_accuracy": 0.964,  # measured 96.46% (791 of 820)
    "pets_unsure": 0.093,  # measured 9.27% (76 of 820)
    "other_recognised": 0.946,  # measured 94.68% (463 of 489)
    "kaggle_accuracy": 0.985,  # measured 98.50%
}

pytestmark = [
    pytest.mark.accuracy,
    pytest.mark.skipif(CARD is None, reason="no bundled model in resources/model"),
]


def _group(shared_data: Path, group: str) -> dict[Path, str]:
    split = load_split(shared_data)
    examples = split.group(group)
    assert len(examples) == CARD["data"][group]["files"]
    assert datasets.file_list_hash(examples) == CARD["data"][group]["file_list_sha256"]
    return {e.path.resolve(): e.class_name for e in examples}


def _classify(truth: dict[Path, str], out: Path) -> dict[Path, dict]:
    status = cli.main(["classify", "--no-cache", *map(str, truth), "--output", str(out)])
    assert status == 0
    with out.open() as stream:
        rows = {Path(row["path"]).resolve(): row for row in csv.DictReader(stream)}
    assert set(rows) == set(truth)
    return rows


@pytest.fixture(scope="module")
def test_set(shared_data) -> dict[Path, str]:
    return _group(shared_data, "test")


@pytest.fixture(scope="module")
def classified(test_set, tmp_path_factory) -> dict[Path, dict]:
    return _classify(test_set, tmp_path_factory.mktemp("classify") / "test.csv")


def _figures(truth: dict[Path, str], rows: dict[Path, dict]) -> dict[str, float]:
    pets = [p for p, label in truth.items() if label != "other"]
    others = [p for p, label in truth.items() if label == "other"]
    moved_wrong = [
        p
        for p, row in rows.items()
        if row["status"] == "ok" and row["label"] in SORT_FOLDERS and row["label"] != truth[p]
    ]
    probs = np.array([[float(rows[p][f"p_{c}"]) for c in CLASSES] for p in truth])
    labels = np.array([CLASSES.index(truth[p]) for p in truth])
    return {
        "cat_dog_accuracy": sum(rows[p]["label"] == truth[p] for p in pets) / len(pets),
        "pets_unsure": sum(rows[p]["status"] == "unsure" for p in pets) / len(pets),
        "other_recognised": sum(rows[p]["label"] == "other" for p in others) / len(others),
        "wrong_moves": len(moved_wrong) / len(truth),
        "ece": expected_calibration_error(probs, labels),
    }


@pytest.fixture(scope="module")
def figures(test_set, classified) -> dict[str, float]:
    measured = _figures(test_set, classified)
    print("held-out test sources:", {k: round(v, 4) for k, v in measured.items()})
    return measured


@pytest.mark.parametrize("name", ["cat_dog_accuracy", "other_recognised"])
def test_at_least(figures, name):
    assert figures[name] >= FLOORS[name], f"{name} {figures[name]:.4f} (target {TARGETS[name]})"


@pytest.mark.parametrize("name", ["pets_unsure", "wrong_moves", "ece"])
def test_at_most(figures, name):
    assert figures[name] <= FLOORS[name], f"{name} {figures[name]:.4f} (target {TARGETS[name]})"


def test_kaggle_validation_still_right(shared_data, tmp_path):
    truth = _group(shared_data, "reference")
    rows = _classify(truth, tmp_path / "kaggle.csv")
    accuracy = sum(rows[p]["label"] == truth[p] for p in truth) / len(truth)
    print(f"Kaggle validation accuracy {accuracy:.4f} on {len(truth)} photos")
    assert accuracy >= FLOORS["kaggle_accuracy"]


def test_card_matches_what_the_app_measures(figures):
    card = CARD["evaluation"]["test"]
    for name in ("cat_dog_accuracy", "other_recognised", "pets_unsure", "wrong_moves"):
        assert abs(figures[name] - card[name]) < 0.003, name


def test_threshold_comes_from_validation_not_test():
    choice = CARD["threshold_choice"]
    assert CARD["threshold"] == choice["validation_point"]["threshold"]
    assert choice["validation_point"]["precision"] >= 0.995
    assert not set(CARD["data"]["test"]["sources"]) & set(CARD["data"]["validation"]["sources"])


def test_int8_costs_at_most_a_fifth_of_a_point():
    """The int8 build ships only if it is as right as the float32 one fitted in the same run:
    at most 0.2 points fewer of the held-out photos right (the test sources together, and
    Kaggle's validation), and its calibration error still under the target."""
    builds = CARD["precisions"]
    assert CARD["precision"] in builds
    if CARD["precision"] != "int8":
        pytest.skip("the float32 build ships")
    int8, float32 = builds["int8"], builds["float32"]
    for group, name in (("test", "accuracy"), ("reference", "cat_dog_accuracy")):
        lost = float32["evaluation"][group][name] - int8["evaluation"][group][name]
        assert lost <= 0.002 + 1e-9, f"int8 loses {lost:.2%} on {group} {name}"
    assert int8["ece_test"] <= max(TARGETS["ece"], float32["ece_test"] + 0.005)


def test_exported_model_matches_keras(test_set):
    """The LiteRT file computes what ``model.keras`` says: its float32 tail exactly (the ImageNet
    layer, the grouping, the head and the temperature, from the file's own embedding), and an
    embedding close to the float backbone's (to within int8 rounding when the build is int8)."""
    keras = pytest.importorskip("keras")
    from dogcat_desktop.core.classifier import Classifier
    from dogcat_desktop.core.imaging import load_pixels
    from training.model import tail_probabilities  # registers the model's custom layer too

    paths = sorted(test_set)[::13][:100]
    pixels = np.stack([load_pixels(p) for p in paths])
    lite = Classifier(MODEL).run(pixels)
    model = keras.saving.load_model(MODEL / "model.keras")
    reference = model.predict(pixels.astype(np.float32), batch_size=25, verbose=0)
    assert len(paths) == 100
    assert reference["probabilities"].shape[1] == len(CLASSES)
    assert lite["embedding"].shape == (100, 1280)

    assert (
        np.abs(tail_probabilities(model, reference["embedding"]) - reference["probabilities"]).max()
        < 1e-4
    )
    difference = np.abs(tail_probabilities(model, lite["embedding"]) - lite["probabilities"]).max()
    print(f"max abs probability difference LiteRT vs Keras's tail: {difference:.2e}")
    assert difference < 1e-3
    a, b = lite["embedding"], reference["embedding"]
    cosine = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    print(f"embedding cosine LiteRT vs Keras: mean {cosine.mean():.4f}, least {cosine.min():.4f}")
    if CARD["precision"] == "int8":
        assert cosine.mean() > 0.95
    else:
        assert np.abs(lite["probabilities"] - reference["probabilities"]).max() < 1e-3


def test_the_model_ships_its_typical_dog_and_cat():
    """The means named pets are first told apart against: one per species, from as many
    training photos as the card lists, the card naming the file."""
    from dogcat_desktop.core.personal.means import bundled_means
    from dogcat_desktop.core.personal.species import normalise

    means = bundled_means(MODEL)
    assert means is not None and CARD["files"]["species_means"] == "species_means.npz"
    per_class = CARD["data"]["train"]["per_class"]
    assert means.counts.tolist() == [per_class["dog"], per_class["cat"]]
    dog, cat = means.centre("dog"), means.centre("cat")
    assert dog is not None and cat is not None
    assert float((normalise(dog[None]) @ normalise(cat[None]).T)[0, 0]) < 0.99  # two directions
