"""Running the exported model on LiteRT: batches of 224x224 RGB in, probabilities out.

LiteRT was chosen over ONNX Runtime by measurement (see README): faster on this class of CPU
at batch 1 and 16, quicker to start, and a smaller install.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .labels import CLASSES, Status

DEFAULT_THRESHOLD = 0.8
# Photos per interpreter call. LiteRT runs a call layer by layer, so every photo's activations
# in a layer (4.8 MB each in MobileNetV2's widest) are live at once: 16 at a time outgrow the
# caches, and one at a time took 15-20% less CPU a photo here, with the same outputs to the
# bit and no slower on two threads (README, benchmarks/inference_chunk.py).
RUN_CHUNK = 1


@dataclass(frozen=True)
class ModelCard:
    """What the app needs from ``model_card.json``, plus the raw card for the About dialog."""

    classes: tuple[str, ...]
    threshold: float
    raw: dict

    @classmethod
    def load(cls, path: Path) -> ModelCard:
        """Read and check the card; ModelLoadError, in words, if it is damaged."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("it is not a JSON object")
            classes = raw.get("classes", list(CLASSES))
            threshold = raw.get("threshold", DEFAULT_THRESHOLD)
            if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
                raise ValueError("'classes' is not a list of names")
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
                raise ValueError("'threshold' is not a number")
            if not 0 <= threshold <= 1:
                raise ValueError("'threshold' is not between 0 and 1")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ModelLoadError(
                f"the model card {path} is damaged ({exc}); reinstall the app or rebuild the model"
            ) from exc
        return cls(classes=tuple(classes), threshold=float(threshold), raw=raw)


@dataclass(frozen=True)
class Prediction:
    probabilities: tuple[float, ...]  # in CLASSES order
    label: str
    confidence: float

    @property
    def p_dog(self) -> float:
        return self.probabilities[CLASSES.index("dog")]

    @property
    def p_cat(self) -> float:
        return self.probabilities[CLASSES.index("cat")]

    @property
    def p_other(self) -> float:
        return self.probabilities[CLASSES.index("other")]

    def status(self, threshold: float) -> Status:
        return Status.OK if self.confidence >= threshold else Status.UNSURE


class ModelLoadError(Exception):
    """The bundled model is missing or unreadable; the message is meant for a person."""


class ModelRunner:
    """One LiteRT interpreter of the model. Thread-safe: calls are serialised by a lock, so
    threads that should run the model at the same time each take a runner of their own."""

    def __init__(self, model_path: Path, threads: int) -> None:
        self.threads = threads
        try:
            from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelLoadError("the LiteRT runtime (ai-edge-litert) is not installed") from exc
        try:
            self._interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
            self._runner = self._interpreter.get_signature_runner()
            self._input_name = next(iter(self._runner.get_input_details()))
            with _quiet_first_delegate():
                outputs = self._runner(**{self._input_name: np.zeros((1, 224, 224, 3), np.float32)})
            if outputs["probabilities"].shape != (1, len(CLASSES)):
                raise ValueError("its output is not one probability per class")
        except (ValueError, RuntimeError, KeyError, StopIteration, OSError) as exc:
            raise ModelLoadError(
                f"the model file {model_path} could not be loaded ({exc}); reinstall the app or "
                "rebuild the model"
            ) from exc
        self._lock = threading.Lock()

    def run(self, pixels: np.ndarray) -> dict[str, np.ndarray]:
        """Raw outputs for a (N, 224, 224, 3) batch of RGB 0..255: probabilities and embedding.

        Any N; the interpreter sees at most RUN_CHUNK photos a call."""
        batch = np.asarray(pixels)
        if batch.ndim == 3:
            batch = batch[None]
        parts: list[dict[str, np.ndarray]] = []
        with self._lock:
            for start in range(0, max(len(batch), 1), RUN_CHUNK):
                chunk = np.ascontiguousarray(batch[start : start + RUN_CHUNK], dtype=np.float32)
                outputs = self._runner(**{self._input_name: chunk})
                parts.append({name: np.array(value) for name, value in outputs.items()})
        if len(parts) == 1:
            return parts[0]
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


class Classifier:
    """The exported model on LiteRT, its card and its identity. Thread-safe: calls are
    serialised; ``runner`` gives a thread an interpreter of its own."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        model_path = model_dir / "model.tflite"
        card_path = model_dir / "model_card.json"
        if not model_path.exists() or not card_path.exists():
            raise ModelLoadError(f"the classifier model was not found in {model_dir}")
        self.card = ModelCard.load(card_path)
        if tuple(self.card.classes) != CLASSES:
            raise ModelLoadError(f"model classes {self.card.classes} do not match {CLASSES}")
        self.model_dir = model_dir
        self.model_path = model_path
        self.main_runner = ModelRunner(model_path, threads or os.cpu_count() or 1)
        self.model_id = model_id_of(model_dir)

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def run(self, pixels: np.ndarray) -> dict[str, np.ndarray]:
        """Raw outputs for a (N, 224, 224, 3) batch of RGB 0..255: probabilities and embedding."""
        return self.main_runner.run(pixels)

    def runner(self, threads: int = 1) -> ModelRunner:
        """Another interpreter of the same model, for a thread that runs it alongside others."""
        return ModelRunner(self.model_path, threads)

    def predict(self, pixels: np.ndarray) -> list[Prediction]:
        probabilities = self.run(pixels)["probabilities"]
        return [to_prediction(row) for row in probabilities]


_QUIET_LOCK = threading.Lock()
_delegate_started = False


@contextlib.contextmanager
def _quiet_first_delegate() -> Iterator[None]:
    """LiteRT prints an INFO line the first time a process starts its delegate; silence it.

    Only that first start touches file descriptor 2, which is the whole process's, and under a
    lock: two threads each saving and restoring it at once would leave it silenced for good
    (the window loads its model on a thread of its own while others may run)."""
    global _delegate_started
    with _QUIET_LOCK:
        if _delegate_started:
            yield
            return
        _delegate_started = True
        with _quiet_native_stderr():
            yield


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (native libraries' logging) for the duration."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a windowed app)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def model_id_of(model_dir: Path) -> str:
    """Names the model's version (the scan cache and the personal layer are per model); read
    without loading it, for commands that need no inference. OSError if it cannot be read."""
    return hashlib.sha256((model_dir / "model.tflite").read_bytes()).hexdigest()[:16]


def to_prediction(probabilities: np.ndarray) -> Prediction:
    index = int(np.argmax(probabilities))
    return Prediction(
        probabilities=tuple(float(p) for p in probabilities),
        label=CLASSES[index],
        confidence=float(probabilities[index]),
    )
