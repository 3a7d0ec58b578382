"""The model the app runs: frozen ImageNet MobileNetV2, grouped ImageNet evidence, a linear head.

Everything the head reads is computed inside the exported graph (the pooled embedding, the
ImageNet classifier and its grouped log-probabilities), so the app feeds RGB 0..255 pixels and
reads calibrated probabilities and the 1280-d embedding, exactly as before.
"""

from __future__ import annotations

import keras
import numpy as np

from dogcat_desktop.core.imaging import INPUT_SIZE
from dogcat_desktop.core.labels import CLASSES

from .calibration import softmax
from .features import (
    EMBEDDING_SIZE,
    IMAGENET_CLASSES,
    IMAGENET_GROUPS,
    Groups,
    build_backbone,
    group_matrix,
    pooling_layer,
)
from .head import LinearHead

LOG_FLOOR = 1e-6  # grouped probabilities are clipped here before the log, in training too


def normalise() -> keras.layers.Layer:
    """0..255 RGB to MobileNetV2's [-1, 1]; lives inside the exported model."""
    return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="normalise")


@keras.saving.register_keras_serializable(package="dogcat")
class ClippedLog(keras.layers.Layer):
    """log(max(x, floor)): grouped probabilities as the log-evidence the head was fitted on."""

    def __init__(self, floor: float = LOG_FLOOR, **kwargs) -> None:
        super().__init__(**kwargs)
        self.floor = floor

    def call(self, inputs):
        return keras.ops.log(keras.ops.maximum(inputs, self.floor))

    def get_config(self) -> dict:
        return {**super().get_config(), "floor": self.floor}


def group_log_evidence(probabilities: np.ndarray, groups: Groups = IMAGENET_GROUPS) -> np.ndarray:
    """The numpy twin of the graph's grouping, used to fit the head on cached features."""
    return np.log(np.maximum(probabilities @ group_matrix(groups), LOG_FLOOR))


def head_features(
    embeddings: np.ndarray, imagenet_probabilities: np.ndarray, groups: Groups = IMAGENET_GROUPS
) -> np.ndarray:
    """What the head reads: the embedding and the grouped ImageNet log-evidence (``groups``:
    the shipped grouping, or an experiment's)."""
    evidence = group_log_evidence(imagenet_probabilities, groups)
    return np.concatenate([embeddings, evidence], axis=1)


def tail_probabilities(model: keras.Model, embeddings: np.ndarray) -> np.ndarray:
    """The numpy twin of the graph after the embedding (ImageNet layer, grouping, head,
    temperature), read from ``model``'s weights: what the exported file must compute from its
    own embedding, whatever precision its backbone ran in."""
    kernel, bias = model.get_layer("imagenet").get_weights()
    weights, offset = model.get_layer("logits").get_weights()
    scores = head_features(embeddings, softmax(embeddings @ kernel + bias)) @ weights + offset
    return softmax(scores * model.get_layer("temperature").scale)


def export_model(weights: str, head: LinearHead, temperature: float) -> keras.Model:
    """RGB 0..255 in; calibrated probabilities and the embedding out."""
    backbone = build_backbone(weights)
    backbone.trainable = False
    embed = keras.Model(backbone.input, pooling_layer(backbone).output, name="mobilenetv2")
    imagenet = keras.layers.Dense(IMAGENET_CLASSES, activation="softmax", name="imagenet")
    groups = keras.layers.Dense(group_matrix().shape[1], use_bias=False, name="imagenet_groups")
    logits = keras.layers.Dense(len(CLASSES), name="logits")

    pixels = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="pixels")
    embedding = embed(normalise()(pixels), training=False)
    evidence = ClippedLog(name="group_log_evidence")(groups(imagenet(embedding)))
    features = keras.layers.Concatenate(name="head_features")([embedding, evidence])
    calibrated = keras.layers.Rescaling(1.0 / temperature, name="temperature")(logits(features))
    probabilities = keras.layers.Softmax(name="probabilities")(calibrated)
    model = keras.Model(
        pixels,
        {
            "probabilities": probabilities,
            "embedding": keras.layers.Identity(name="embedding")(embedding),
        },
        name="dogcat",
    )
    imagenet.set_weights(backbone.get_layer("predictions").get_weights())
    groups.set_weights([group_matrix()])
    logits.set_weights([head.kernel, head.bias])
    assert embedding.shape[-1] == EMBEDDING_SIZE
    return model
