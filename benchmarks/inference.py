"""Float32 against int8 inference, in one run: speed per photo and accuracy on held-out photos.

Both models run through the app's own ``Classifier`` (LiteRT, batches of 16) on the same pixels,
decoded once through the contract. Accuracy is on the photos training never saw: the ``test``
collections of ``training/splits.txt`` where that file exists, else the Kaggle validation split
and the slice of ``other`` that the model card says was set aside.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.corpus import SHARED
from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.labels import CLASSES

BATCH = 16


def held_out() -> tuple[list[Path], np.ndarray]:
    """Held-out photos and their class indices (in CLASSES order)."""
    try:
        from training.sources import load_split  # the split by collection
    except ImportError:
        return _held_out_by_slice()
    split = load_split(SHARED)
    tested = {s.name for s in split.sources if s.group == "test"}
    examples = [e for name in sorted(tested) for e in split.examples[name]]
    return [e.path for e in examples], np.array([e.label for e in examples])


def _held_out_by_slice() -> tuple[list[Path], np.ndarray]:
    from dogcat_desktop.resources import model_dir
    from training import data as datasets

    card = json.loads((model_dir() / "model_card.json").read_text())
    validation, _ = datasets.discover([SHARED / "dogs-vs-cats" / "validation"])
    other, _ = datasets.discover([SHARED / "other"])
    fraction = card["training"]["config"]["test_slices"]["other"]
    _, other_slice = datasets.split_fraction(other, fraction, salt="test-slice")
    examples = [*validation, *other_slice]
    return [e.path for e in examples], np.array([e.label for e in examples])


def model_folder(model: Path, card: Path) -> Path:
    """A model folder the app can load (``DOGCAT_SORTER_MODEL_DIR``) for any ``.tflite`` file."""
    folder = Path(tempfile.mkdtemp(prefix="dogcat-model-"))
    (folder / "model.tflite").symlink_to(model.resolve())
    shutil.copy(card, folder / "model_card.json")
    return folder


def time_inference(folder: Path, pixels: np.ndarray, threads: int) -> float:
    """ms per photo, batches of BATCH, best of three passes: CPU time on one thread (one
    core's cost, whatever else runs), wall time on more."""
    classifier = Classifier(folder, threads=threads)
    classifier.run(pixels[:BATCH])
    usable = len(pixels) // BATCH * BATCH
    clock = time.process_time if threads == 1 else time.perf_counter
    best = float("inf")
    for _ in range(3):
        started = clock()
        for start in range(0, usable, BATCH):
            classifier.run(pixels[start : start + BATCH])
        best = min(best, clock() - started)
    return 1000 * best / usable


def accuracy(folder: Path, pixels: np.ndarray, truth: np.ndarray) -> dict:
    """Cat/dog accuracy, other recognised, and the predicted labels."""
    classifier = Classifier(folder)
    labels = np.concatenate(
        [
            classifier.run(pixels[i : i + BATCH])["probabilities"].argmax(axis=1)
            for i in range(0, len(pixels), BATCH)
        ]
    )
    pets = truth != CLASSES.index("other")
    return {
        "cat_dog_accuracy": float((labels[pets] == truth[pets]).mean()),
        "other_recognised": float((labels[~pets] == truth[~pets]).mean()),
        "labels": labels,
    }


def compare(models: dict[str, Path], card: Path, timing_pixels: np.ndarray) -> dict[str, dict]:
    """Every model: ms per photo on one thread and on all, and held-out accuracy."""
    from dogcat_desktop.core.imaging import load_pixels

    paths, truth = held_out()
    pixels = np.stack([load_pixels(p) for p in paths])
    out: dict[str, dict] = {}
    for name, model in models.items():
        folder = model_folder(model, card)
        try:
            scores = accuracy(folder, pixels, truth)
            out[name] = {
                "file_mb": model.stat().st_size / 1e6,
                "ms_1": time_inference(folder, timing_pixels, 1),
                "ms_2": time_inference(folder, timing_pixels, 2),
                "held_out_photos": len(paths),
                **scores,
            }
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    reference = next(iter(out.values()))["labels"]
    for figures in out.values():
        figures["agreement"] = float((figures.pop("labels") == reference).mean())
    return out
