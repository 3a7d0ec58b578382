"""The shipped model against a fully int8 copy, in one run: held-out accuracy, calibration, speed.

The shipped build keeps the ImageNet layer and the head in float32 (``training/quantise.py``);
this converts the bundled ``model.keras`` with every layer in int8 (float32 input and outputs,
so the app's interface is unchanged; calibrated on photos of the validation sources), then runs
both on the test sources and Kaggle's validation photos and times both at batch 1 and 16.
The float32 build is compared in the model card (``precisions``), fitted in the same training run.
Usage: ``python benchmarks/int8.py [--out DIR] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dogcat_desktop.core.labels import CLASSES, SORT_FOLDERS  # noqa: E402
from dogcat_desktop.resources import model_dir  # noqa: E402
from training.calibration import expected_calibration_error  # noqa: E402
from training.pixels import decode_examples  # noqa: E402
from training.sources import load_split  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = Path.home() / ".cache" / "dogcat-training"


def convert_int8(model_path: Path, calibration: np.ndarray, out: Path) -> Path:
    import keras
    import tensorflow as tf

    import training.model  # noqa: F401 - registers the custom layer

    model = keras.saving.load_model(model_path)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def representative():
            for image in calibration:
                yield [image[None].astype(np.float32)]

        converter.representative_dataset = representative
        out.write_bytes(converter.convert())
    return out


def run_model(path: Path, pixels: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path), num_threads=2).get_signature_runner()
    name = next(iter(runner.get_input_details()))
    out = [
        runner(**{name: pixels[i : i + 16].astype(np.float32)})["probabilities"]
        for i in range(0, len(pixels), 16)
    ]
    return np.concatenate(out)


def speed(path: Path, pixels: np.ndarray, batch: int, repeats: int = 5) -> float:
    """Milliseconds per photo, best of ``repeats``, two threads."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path), num_threads=2).get_signature_runner()
    name = next(iter(runner.get_input_details()))
    x = pixels[:batch].astype(np.float32)
    runner(**{name: x})
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        runner(**{name: x})
        best = min(best, time.perf_counter() - start)
    return 1000 * best / batch


def figures(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    predicted = probs.argmax(axis=1)
    pets = labels != CLASSES.index("other")
    sure = probs.max(axis=1) >= threshold
    movable = np.isin(predicted, [CLASSES.index(c) for c in SORT_FOLDERS])
    return {
        "cat_dog_accuracy": float((predicted[pets] == labels[pets]).mean()),
        "other_recognised": float((predicted[~pets] == labels[~pets]).mean())
        if (~pets).any()
        else None,
        "wrong_moves": float((sure & movable & (predicted != labels)).mean()),
        "ece": expected_calibration_error(probs, labels),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=model_dir())
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    card = json.loads((args.model / "model_card.json").read_text())
    split = load_split(DATA)

    def pixels_of(group: str) -> tuple[np.ndarray, np.ndarray]:
        decoded = [decode_examples(split.examples[n], CACHE) for n in split.source_names(group)]
        return np.concatenate([d.pixels for d in decoded]), np.concatenate(
            [d.labels for d in decoded]
        )

    calibration, _ = pixels_of("validation")
    rng = np.random.default_rng(0)
    int8_path = convert_int8(
        args.model / "model.keras",
        calibration[rng.permutation(len(calibration))[:300]],
        args.out / "model_int8.tflite",
    )
    float_path = args.model / "model.tflite"
    results: dict = {"threshold": card["threshold"], "models": {}}
    sets = {g: pixels_of(g) for g in ("test", "reference")}
    shipped = "int8 backbone (shipped)" if card.get("precision") == "int8" else "float32 (shipped)"
    for title, path in ((shipped, float_path), ("fully int8", int8_path)):
        entry: dict = {"bytes": path.stat().st_size}
        for group, (pixels, labels) in sets.items():
            entry[group] = figures(run_model(path, pixels), labels, card["threshold"])
        entry["ms_per_photo_batch1"] = speed(path, sets["test"][0], 1)
        entry["ms_per_photo_batch16"] = speed(path, sets["test"][0], 16)
        results["models"][title] = entry
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
