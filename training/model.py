"""The network: MobileNetV2 base, a three-class head, and the model the app runs.

The base is split at ``CUT_LAYER``. Everything below it stays frozen in both phases, so its output
for each (augmented) photo is computed once and cached; phase 2 fine-tunes only the blocks above
the cut, which is what makes a rebuild fit in an hour on two CPU cores.
"""

from __future__ import annotations

import keras

from dogcat_desktop.core.imaging import INPUT_SIZE
from dogcat_desktop.core.labels import CLASSES

CUT_LAYER = "block_13_project_BN"  # 7x7x160; blocks 14-16 and Conv_1 above it are fine-tuned
EMBEDDING_SIZE = 1280


def build_base(weights: str) -> keras.Model:
    """MobileNetV2 1.0/224 without its top, with ImageNet weights ('imagenet' or a file path)."""
    return keras.applications.MobileNetV2(
        input_shape=(INPUT_SIZE, INPUT_SIZE, 3),
        alpha=1.0,
        include_top=False,
        pooling=None,
        weights=weights,
    )


def split_base(base: keras.Model) -> tuple[keras.Model, keras.Model]:
    """(lower, upper): two models sharing the base's layers, meeting at CUT_LAYER."""
    cut = base.get_layer(CUT_LAYER).output
    return keras.Model(base.input, cut, name="lower"), keras.Model(cut, base.output, name="upper")


def freeze_batchnorm(model: keras.Model) -> None:
    """BatchNorm stays in inference mode with its statistics fixed while fine-tuning."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def normalise() -> keras.layers.Layer:
    """0..255 RGB to MobileNetV2's [-1, 1]; lives inside the exported model."""
    return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="normalise")


def augmentation(seed: int) -> keras.Sequential:
    """Training-only distortions of a 0..255 image, chosen for how pet photos vary."""
    return keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomRotation(0.06, fill_mode="reflect", seed=seed + 1),
            keras.layers.RandomZoom((-0.25, 0.1), fill_mode="reflect", seed=seed + 2),
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="reflect", seed=seed + 3),
            keras.layers.RandomContrast(0.15, seed=seed + 4),
            keras.layers.RandomBrightness(0.1, value_range=(0, 255), seed=seed + 5),
        ],
        name="augment",
    )


class Head(keras.layers.Layer):
    """Dropout then a dense layer to one logit per class."""

    def __init__(self, dropout: float = 0.2, **kwargs):
        super().__init__(**kwargs)
        self.dropout = keras.layers.Dropout(dropout)
        self.dense = keras.layers.Dense(len(CLASSES), name="logits")

    def call(self, features, training=None):
        return self.dense(self.dropout(features, training=training))


def pooled(upper: keras.Model) -> keras.Model:
    """Cut activations to the 1280-d embedding, in inference mode."""
    inputs = keras.Input(upper.input.shape[1:])
    features = keras.layers.GlobalAveragePooling2D()(upper(inputs, training=False))
    return keras.Model(inputs, features, name="pooled")


def fine_tune_model(upper: keras.Model, head: keras.layers.Layer) -> keras.Model:
    """Cut activations to logits; the blocks above the cut and the head train."""
    inputs = keras.Input(upper.input.shape[1:])
    features = keras.layers.GlobalAveragePooling2D()(upper(inputs, training=False))
    return keras.Model(inputs, head(features), name="fine_tune")


def export_model(base: keras.Model, head: Head, temperature: float) -> keras.Model:
    """The model the app runs: RGB 0..255 in; calibrated probabilities and the embedding out."""
    pixels = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="pixels")
    features = keras.layers.GlobalAveragePooling2D(name="pool")(
        base(normalise()(pixels), training=False)
    )
    logits = head.dense(features)
    calibrated = keras.layers.Rescaling(1.0 / temperature, name="temperature")(logits)
    probabilities = keras.layers.Softmax(name="probabilities")(calibrated)
    embedding = keras.layers.Identity(name="embedding")(features)
    return keras.Model(
        pixels, {"probabilities": probabilities, "embedding": embedding}, name="dogcat"
    )
