"""The other precision of the bundled model, for the benchmark only, when none ships beside it.

The model engineer decides what ships in ``resources/model/``; this measures what the other
choice would give: an int8 copy when float32 ships, a float32 one when int8 does. In the int8
copy weights and activations are int8 (calibrated on training photos decoded through
the app's contract); input and outputs stay float32 with the same signature names, so the app's
``Classifier`` runs it unchanged. Cached under ``.bench/`` by the float model's hash.

    python benchmarks/quantise.py        # prints the other precision and its model's path
"""

from __future__ import annotations

import contextlib
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


def is_int8(model: Path) -> bool:
    """Whether a LiteRT model computes in int8 (any int8 tensor inside)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]

    tensors = Interpreter(model_path=str(model)).get_tensor_details()
    return any(np.dtype(t["dtype"]) == np.int8 for t in tensors)


def other_model(model_dir: Path) -> tuple[str, Path]:
    """The precision the shipped ``model.tflite`` is not, and a model file in it."""
    if is_int8(model_dir / "model.tflite"):
        return "float32", _converted(model_dir, "float32")
    return "int8", int8_model(model_dir)


def int8_model(model_dir: Path) -> Path:
    """The shipped int8 model, or a quantised copy of ``model.keras`` made once and cached."""
    shipped = shipped_int8(model_dir)
    if shipped is not None:
        return shipped
    return _converted(model_dir, "int8")


def _converted(model_dir: Path, kind: str) -> Path:
    """``model.keras`` converted to LiteRT in ``kind``, made once and cached by its hash."""
    keras_path = model_dir / "model.keras"
    digest = hashlib.sha256(keras_path.read_bytes()).hexdigest()[:16]
    target = BENCH_DIR / "models" / f"model-{digest}-{kind}.tflite"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_convert(keras_path, quantise=kind == "int8"))
    return target


def _convert(keras_path: Path, quantise: bool) -> bytes:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    from dogcat_desktop.core.imaging import load_pixels

    with contextlib.suppress(ImportError):
        import training.model  # noqa: F401  (registers the model's own layers, if any)
    model = keras.saving.load_model(keras_path)
    photos = calibration_photos() if quantise else []
    pixels = [load_pixels(p).astype(np.float32)[None] for p in photos]

    def representative():
        for x in pixels:
            yield [x]

    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        if quantise:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        return converter.convert()


if __name__ == "__main__":
    from dogcat_desktop.resources import model_dir

    print(*other_model(model_dir()))
