"""An int8 copy of the bundled model, for the benchmark only, when none ships beside it.

The model engineer decides what ships in ``resources/model/``; this measures what int8 would give
in the meantime. Weights and activations are int8 (calibrated on training photos decoded through
the app's contract); input and outputs stay float32 with the same signature names, so the app's
``Classifier`` runs it unchanged. Cached under ``.bench/`` by the float model's hash.

    python benchmarks/quantise.py        # prints the path of the int8 model it made or found
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import BENCH_DIR, SHARED  # noqa: E402

CALIBRATION_PHOTOS = 200


def shipped_int8(model_dir: Path) -> Path | None:
    """An int8 LiteRT model the model engineer left beside the float one, if any."""
    found = sorted(p for p in model_dir.glob("*.tflite") if "int8" in p.name or "quant" in p.name)
    return found[0] if found else None


def calibration_photos(count: int = CALIBRATION_PHOTOS) -> list[Path]:
    """Training photos only (never the held-out ones), cats, dogs and neither interleaved."""
    pools = [
        sorted((SHARED / "dogs-vs-cats" / "train" / "cats").glob("*.jpg")),
        sorted((SHARED / "dogs-vs-cats" / "train" / "dogs").glob("*.jpg")),
        sorted((SHARED / "other" / "intel-scenes").rglob("*.jpg")),
    ]
    return [pools[i % 3][(i // 3) * 7 % len(pools[i % 3])] for i in range(count)]


def int8_model(model_dir: Path) -> Path:
    """The shipped int8 model, or a quantised copy of ``model.keras`` made once and cached."""
    shipped = shipped_int8(model_dir)
    if shipped is not None:
        return shipped
    keras_path = model_dir / "model.keras"
    digest = hashlib.sha256(keras_path.read_bytes()).hexdigest()[:16]
    target = BENCH_DIR / "int8" / f"model-{digest}-int8.tflite"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_quantise(keras_path))
    return target


def _quantise(keras_path: Path) -> bytes:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    from dogcat_desktop.core.imaging import load_pixels

    model = keras.saving.load_model(keras_path)
    pixels = [load_pixels(p).astype(np.float32)[None] for p in calibration_photos()]

    def representative():
        for x in pixels:
            yield [x]

    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        return converter.convert()


if __name__ == "__main__":
    from dogcat_desktop.resources import model_dir

    print(int8_model(model_dir()))
