"""Lighter precisions of the bundled model than full int8, against float32 in one run.

    python benchmarks/precisions.py

Full int8 (``benchmarks/int8.py``) loses the grouped ImageNet evidence. This tries the two
converter options that keep activations in float: *dynamic* (int8 weights, activations
quantised on the fly) and *fp16* (float16 weights, float32 compute). Each is converted from the
bundled ``model.keras`` and measured on the held-out test sources and Kaggle's validation photos
at the model card's threshold, with its one-thread CPU time a photo at batch 1 (the app's call
size). Nothing here ships; the README says what was chosen.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.int8 import CACHE, DATA, figures, run_model  # noqa: E402
from dogcat_desktop.resources import model_dir  # noqa: E402
from training.pixels import decode_examples  # noqa: E402
from training.sources import load_split  # noqa: E402


def convert(keras_path: Path, out_dir: Path) -> dict[str, Path]:
    import keras
    import tensorflow as tf

    import training.model  # noqa: F401 - registers the custom layer

    model = keras.saving.load_model(keras_path)
    paths = {}
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(saved, format="tf_saved_model", verbose=False)
        for kind in ("dynamic", "fp16"):
            converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            if kind == "fp16":
                converter.target_spec.supported_types = [tf.float16]
            paths[kind] = out_dir / f"model_{kind}.tflite"
            paths[kind].write_bytes(converter.convert())
    return paths


def cpu_ms(path: Path, pixels: np.ndarray, photos: int = 64) -> float:
    """One thread, one photo a call, CPU milliseconds a photo, best of three passes."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path), num_threads=1).get_signature_runner()
    name = next(iter(runner.get_input_details()))
    x = pixels[:photos].astype(np.float32)
    for i in range(4):
        runner(**{name: x[i : i + 1]})
    best = np.inf
    for _ in range(3):
        start = time.process_time()
        for i in range(len(x)):
            runner(**{name: x[i : i + 1]})
        best = min(best, (time.process_time() - start) / len(x) * 1000)
    return float(best)


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    folder = model_dir()
    card = json.loads((folder / "model_card.json").read_text())
    split = load_split(DATA)

    def pixels_of(group: str) -> tuple[np.ndarray, np.ndarray]:
        decoded = [decode_examples(split.examples[n], CACHE) for n in split.source_names(group)]
        return np.concatenate([d.pixels for d in decoded]), np.concatenate(
            [d.labels for d in decoded]
        )

    sets = {group: pixels_of(group) for group in ("test", "reference")}
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        models = {"float32": folder / "model.tflite", **convert(folder / "model.keras", Path(tmp))}
        for title, path in models.items():
            row: dict = {"MB": round(path.stat().st_size / 1e6, 1)}
            row["ms_1_thread_cpu"] = round(cpu_ms(path, sets["test"][0]), 2)
            for group, (pixels, labels) in sets.items():
                found = figures(run_model(path, pixels), labels, card["threshold"])
                row[group] = {k: None if v is None else round(100 * v, 2) for k, v in found.items()}
            print(title, json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
