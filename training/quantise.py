"""The int8 build: the backbone in int8, everything after its pooled embedding in float32.

Fully int8 costs 9 points on "neither" (the grouped ImageNet evidence is the log of small
probabilities, which 8-bit activations cannot carry), so the ImageNet classifier, the grouping,
the log and the head stay float32: only the MobileNetV2 convolutions (all but 0.04 ms a photo of
the cost) compute in int8. The backbone's rounding still moves the embedding (cosine 0.98 to
the float one on average), so a head fitted on float embeddings loses 2 points of "neither" on
int8 ones; fitted on the int8 backbone's own embeddings it does as well as the float build. So
the int8 build embeds every photo and view through the very int8 backbone it ships.

The quantisation is calibrated on a fixed sample of training photos: the same photos give the
same backbone, which ``check_same_backbone`` confirms on the exported file.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np

from .features import EMBEDDING_SIZE, Extractor, group_matrix
from .head import LinearHead

PRECISIONS = ("int8", "float32")
CALIBRATION_PHOTOS = 300
# Kept in float32: the ImageNet classifier, its grouping and log, the head, the temperature.
FLOAT_OPS = ["MEAN", "FULLY_CONNECTED", "SOFTMAX", "MAXIMUM", "LOG", "CONCATENATION", "MUL"]
# And the four backbone layers int8 hurts most (the QuantizationDebugger's error over the
# quantisation step, 100 training photos: 1.39, 0.72, 0.60, 0.54, where rounding alone gives
# 0.29): with them in float32 the embedding's cosine to the float one goes from 0.978 to 0.991
# on the test photos, for 0.2 ms a photo (3.66 -> 3.86 ms, one thread; float32: 7.27).
FLOAT_LAYERS = (
    "expanded_conv_depthwise_relu",
    "block_2_depthwise_relu",
    "block_5_depthwise_relu",
    "block_13_project_BN",
)


def calibration_pixels(pixels: list[np.ndarray], seed: int) -> np.ndarray:
    """A fixed sample of ``CALIBRATION_PHOTOS`` photos (uint8, 224x224x3) from ``pixels``."""
    every = np.concatenate(pixels)
    order = np.random.default_rng(seed).permutation(len(every))[:CALIBRATION_PHOTOS]
    return every[np.sort(order)]


def to_litert(model, calibration: np.ndarray | None) -> bytes:
    """A Keras model as a LiteRT flatbuffer: float32, or the int8 build when given photos."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        if calibration is None:
            return converter.convert()
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def representative():
            for photo in calibration:
                yield [photo[None].astype(np.float32)]

        converter.representative_dataset = representative
        options = tf.lite.experimental.QuantizationDebugOptions(
            denylisted_ops=FLOAT_OPS, denylisted_nodes=_float_layer_tensors(saved)
        )
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=representative, debug_options=options
        )
        return debugger.get_nondebug_quantized_model()


def _float_layer_tensors(saved: Path) -> list[str]:
    """The converted graph's names for the outputs of ``FLOAT_LAYERS`` (fused ops' names join
    their parts with ';', the first part naming the layer)."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]

    flatbuffer = tf.lite.TFLiteConverter.from_saved_model(str(saved)).convert()
    interpreter = Interpreter(model_content=flatbuffer)
    tensors = {t["index"]: t["name"] for t in interpreter.get_tensor_details()}
    names = [tensors[i] for op in interpreter._get_ops_details() for i in op["outputs"]]
    found = [n for n in names if any(f"/{layer}" in n.split(";")[0] for layer in FLOAT_LAYERS)]
    if len(found) != len(FLOAT_LAYERS):
        raise RuntimeError(f"expected one tensor per layer of {FLOAT_LAYERS}, found {found}")
    return found


def placeholder_head() -> LinearHead:
    """A head of the right shape; the int8 backbone does not depend on it."""
    inputs = EMBEDDING_SIZE + group_matrix().shape[1]
    return LinearHead(np.zeros((inputs, 3), np.float32), np.zeros(3, np.float32), {})


class QuantisedExtractor(Extractor):
    """Embeddings from the int8 backbone the build ships, run by LiteRT as the app runs it."""

    def __init__(self, weights: str, calibration: np.ndarray, work_dir: Path) -> None:
        from .model import export_model

        super().__init__(weights)
        flatbuffer = to_litert(export_model(weights, placeholder_head(), 1.0), calibration)
        self.path = work_dir / "backbone-int8.tflite"
        self.path.write_bytes(flatbuffer)
        # Cached embeddings are keyed by what this backbone computes on a few photos, not by the
        # file's bytes: those hold Keras's layer names, which depend on what was built before.
        fingerprint = self.embeddings(calibration[:8]).tobytes()
        self.weights_id = f"{self.weights_id};int8:{hashlib.sha256(fingerprint).hexdigest()[:16]}"

    def embeddings(self, pixels: np.ndarray) -> np.ndarray:
        return litert_embeddings(self.path, pixels)


def litert_embeddings(path: Path, pixels: np.ndarray, batch: int = 16) -> np.ndarray:
    """The ``embedding`` output of a LiteRT model for uint8 photos."""
    from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]

    runner = Interpreter(model_path=str(path), num_threads=2).get_signature_runner()
    name = next(iter(runner.get_input_details()))
    out = np.empty((len(pixels), EMBEDDING_SIZE), np.float32)
    for start in range(0, len(pixels), batch):
        chunk = pixels[start : start + batch].astype(np.float32)
        out[start : start + len(chunk)] = runner(**{name: chunk})["embedding"]
    return out


def check_same_backbone(extractor: QuantisedExtractor, exported: Path, pixels: np.ndarray) -> float:
    """The largest embedding difference between the features' backbone and the shipped file.

    Raises if they differ: the head would then have been fitted on another backbone's output.
    """
    difference = float(
        np.abs(extractor.embeddings(pixels) - litert_embeddings(exported, pixels)).max()
    )
    if difference > 1e-5:
        raise RuntimeError(
            f"the exported int8 backbone differs from the one the head was fitted on "
            f"(embedding difference {difference:.3g})"
        )
    return difference
