"""A tiny end-to-end rebuild: every output written, and the export runs in the app's runtime."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.imaging import load_pixels
from training.__main__ import main

pytestmark = pytest.mark.training


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory, shared_data):
    """A few dozen shared photos in both layouts the trainer reads (folders and Kaggle names)."""
    root = tmp_path_factory.mktemp("tiny")
    train, test = root / "train", root / "test"
    source = shared_data / "dogs-vs-cats" / "train"
    for label in ("cats", "dogs"):
        (test / label).mkdir(parents=True)
        photos = sorted((source / label).glob("*.jpg"))
        flat = train / "kaggle"
        flat.mkdir(parents=True, exist_ok=True)
        for photo in photos[:14]:
            shutil.copy(photo, flat)  # cat.N.jpg / dog.N.jpg: labelled by name
        for photo in photos[14:20]:
            shutil.copy(photo, test / label)
    other = train / "other" / "scenes"
    other.mkdir(parents=True)
    for photo in sorted((shared_data / "other" / "intel-scenes").glob("*.jpg"))[:20]:
        shutil.copy(photo, other)
    (other / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    return train, test


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data, base_weights):
    train, test = tiny_data
    out = tmp_path_factory.mktemp("model")
    status = main(
        [
            "--data",
            str(train),
            "--test",
            str(test),
            "--base-weights",
            str(base_weights),
            "--out",
            str(out),
            "--views",
            "2",
            "--head-epochs",
            "1",
            "--fine-tune-epochs",
            "1",
            "--val-fraction",
            "0.25",
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
        "predictions.png",
    ):
        assert (trained / name).stat().st_size > 1000, name
    card = json.loads((trained / "model_card.json").read_text())
    assert card["classes"] == ["dog", "cat", "other"]
    assert card["input"]["size"] == [224, 224]
    assert card["data"]["test"]["per_class"]["other"] > 0  # the 'other' test slice was taken
    assert card["data"]["train"]["file_list_sha256"] != card["data"]["test"]["file_list_sha256"]
    assert [f["reason"] for f in card["unreadable_files"]] == [
        "not an image, or a format this app cannot read"
    ]
    matrix = np.array(card["test"]["confusion_matrix"]["counts"])
    assert matrix.shape == (3, 3) and matrix.sum() == card["test"]["photos"]
    assert card["calibration"]["temperature"] > 0
    assert set(card["training"]["epochs"]) == {"phase 1", "phase 2"}


def test_export_runs_in_app_runtime_and_matches_keras(trained, tiny_data):
    import keras

    _, test = tiny_data
    pixels = np.stack([load_pixels(p) for p in sorted(test.rglob("*.jpg"))[:6]])
    lite = Classifier(trained).run(pixels)
    reference = keras.saving.load_model(trained / "model.keras").predict(
        pixels.astype(np.float32), verbose=0
    )
    assert lite["embedding"].shape == (6, 1280)
    np.testing.assert_allclose(lite["probabilities"].sum(axis=1), 1, atol=1e-4)
    assert np.abs(lite["probabilities"] - reference["probabilities"]).max() < 1e-3
