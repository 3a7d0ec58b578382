"""Writing the trained model in the formats the app's light runtimes read."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from .quantise import to_litert

FORMATS = ("tflite", "onnx")


def save_keras(model: keras.Model, out_dir: Path) -> Path:
    path = out_dir / "model.keras"
    model.save(path, include_optimizer=False)
    return path


def save_tflite(model: keras.Model, out_dir: Path, calibration: np.ndarray | None) -> Path:
    """LiteRT flatbuffer via a SavedModel (named signature outputs): float32, or the int8 build
    (``training/quantise.py``) when given its calibration photos."""
    path = out_dir / "model.tflite"
    path.write_bytes(to_litert(model, calibration))
    return path


def save_onnx(model: keras.Model, out_dir: Path) -> Path:
    """ONNX graph through Keras's exporter (needs tf2onnx, part of the ``train`` extra)."""
    path = out_dir / "model.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "model.onnx"
        model.export(target, format="onnx", verbose=False)
        shutil.move(target, path)
    return path


def export(
    model: keras.Model,
    out_dir: Path,
    formats: tuple[str, ...],
    calibration: np.ndarray | None = None,
) -> dict[str, Path]:
    """Every requested format plus the ``.keras`` model (float32; LiteRT is int8 when given
    ``calibration``); returns the written paths by format."""
    written = {"keras": save_keras(model, out_dir)}
    for fmt in formats:
        if fmt == "tflite":
            written[fmt] = save_tflite(model, out_dir, calibration)
        elif fmt == "onnx":
            written[fmt] = save_onnx(model, out_dir)
        else:
            raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    return written
