"""A tiny end-to-end rebuild: every output written, and the export runs in the app's runtime."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from support import SHARED, require

from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.imaging import load_pixels
from training.__main__ import main

pytestmark = pytest.mark.training

SPLITS = """\
# group source glob
train       kaggle      kaggle/*.jpg
train       scenes      scenes/other/*.jpg
validation  pets        pets/*/*.jpg
validation  bees        bees/other/*.jpg
test        held-pets   held/*/*.jpg
test        held-other  held-other/other/*.jpg
reference   kaggle-val  kaggle-val/*/*.jpg
"""


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory, shared_data):
    """A few shared photos per source, in both layouts the trainer reads (folders, Kaggle names)."""
    root = tmp_path_factory.mktemp("tiny")
    kaggle = shared_data / "dogs-vs-cats" / "train"
    for label in ("cats", "dogs"):
        photos = sorted((kaggle / label).glob("*.jpg"))
        for folder, chosen in (("kaggle", photos[:8]), (f"pets/{label}", photos[8:11])):
            (root / folder).mkdir(parents=True, exist_ok=True)
            for photo in chosen:
                shutil.copy(photo, root / folder)  # kaggle/: labelled by the name cat.N.jpg
        for folder, chosen in (
            (f"held/{label}", photos[11:14]),
            (f"kaggle-val/{label}", photos[14:16]),
        ):
            (root / folder).mkdir(parents=True, exist_ok=True)
            for photo in chosen:
                shutil.copy(photo, root / folder)
    scenes = sorted((shared_data / "other" / "intel-scenes").glob("*.jpg"))
    bees = sorted((shared_data / "other" / "hymenoptera").glob("*.jpg"))
    for folder, chosen in (
        ("scenes/other", scenes[:12]),
        ("bees/other", bees[:4]),
        ("held-other/other", scenes[12:16]),
    ):
        (root / folder).mkdir(parents=True)
        for photo in chosen:
            shutil.copy(photo, root / folder)
    (root / "scenes" / "other" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    (root / "splits.txt").write_text(SPLITS)
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data):
    weights = require(SHARED / "weights" / "mobilenet_v2_1.00_224.weights.h5")
    out = tmp_path_factory.mktemp("model")
    status = main(
        [
            "--data-dir",
            str(tiny_data),
            "--splits",
            str(tiny_data / "splits.txt"),
            "--base-weights",
            str(weights),
            "--out",
            str(out),
            "--views",
            "3",
            "--max-steps",
            "20",
            "--no-cache",
            "--formats",
            "tflite,onnx",
        ]
    )
    assert status == 0
    return out


def test_every_output_is_written(trained):
    for name in (
        "model.keras",
        "model.tflite",
        "model.onnx",
        "model_card.json",
        "curves.png",
        "coverage.png",
        "predictions.png",
    ):
        assert (trained / name).stat().st_size > 1000, name
    card = json.loads((trained / "model_card.json").read_text())
    assert card["classes"] == ["dog", "cat", "other"]
    assert card["input"]["size"] == [224, 224]
    assert card["data"]["test"]["sources"]["held-other"] == {"dog": 0, "cat": 0, "other": 4}
    assert card["data"]["train"]["sources"]["kaggle"] == {"dog": 8, "cat": 8, "other": 0}
    assert not card["data"]["data_dir"].startswith("/")  # relative to where training ran
    assert [f["reason"] for f in card["unreadable_files"]] == [
        "not an image, or a format this app cannot read"
    ]
    test = card["evaluation"]["test"]
    matrix = np.array(test["confusion_matrix"]["counts"])
    assert matrix.shape == (3, 3) and matrix.sum() == test["photos"] == 10
    assert set(test["per_source"]) == {"held-pets", "held-other"}
    assert card["calibration"]["temperature"] > 0
    assert 0.5 <= card["threshold"] < 1


def test_both_precisions_are_fitted_and_int8_ships(trained):
    card = json.loads((trained / "model_card.json").read_text())
    assert card["precision"] == "int8"
    assert set(card["precisions"]) == {"int8", "float32"}
    for build in card["precisions"].values():
        assert build["evaluation"]["test"]["photos"] == 10
        assert build["temperature"] > 0 and 0.5 <= build["threshold"] < 1
    assert card["threshold"] == card["precisions"]["int8"]["threshold"]


def test_export_runs_in_app_runtime_and_matches_keras(trained, tiny_data):
    """The int8 file's backbone is int8 and its float tail is the Keras model's, to 1e-3."""
    import keras
    from ai_edge_litert.interpreter import Interpreter

    from training.model import tail_probabilities  # registers the model's custom layer too

    tensors = Interpreter(model_path=str(trained / "model.tflite")).get_tensor_details()
    assert sum(np.dtype(t["dtype"]) == np.int8 for t in tensors) > 100
    pixels = np.stack([load_pixels(p) for p in sorted((tiny_data / "held").rglob("*.jpg"))])
    lite = Classifier(trained).run(pixels)
    model = keras.saving.load_model(trained / "model.keras")
    reference = model.predict(pixels.astype(np.float32), verbose=0)
    assert lite["embedding"].shape == (6, 1280)
    np.testing.assert_allclose(lite["probabilities"].sum(axis=1), 1, atol=1e-4)
    tail = tail_probabilities(model, lite["embedding"])
    assert np.abs(lite["probabilities"] - tail).max() < 1e-3
    a, b = lite["embedding"], reference["embedding"]
    cosine = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosine.mean() > 0.9
