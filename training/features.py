"""The frozen ImageNet MobileNetV2 as a feature extractor, with every view's embedding cached.

The backbone never trains, so each photo (and each augmented view of it) goes through it once per
machine; head experiments and rebuilds then cost seconds. The ImageNet classifier on top of the
same embedding is kept: its 1000 classes already tell ~118 dog breeds and 5 domestic cats from
wolves, foxes, big cats, bears and toys, which is the evidence a three-class head needs most.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dogcat_desktop.core.imaging import INPUT_SIZE

from . import augment
from .calibration import softmax
from .data import content_digest
from .pixels import DecodedSet

EMBEDDING_SIZE = 1280
IMAGENET_CLASSES = 1000
PLAIN, FLIPPED = 0, 1  # view numbers; 2.. are augmented views
# Embeddings cached under the first contract were keyed without it; their keys stay valid.
FIRST_CONTRACT = "1"
BATCH = 64

Groups = dict[str, tuple[int, ...]]

# ImageNet class indices (Keras order) grouped into the evidence the head reads.
IMAGENET_GROUPS: Groups = {
    "dog": tuple(range(151, 269)),  # dog breeds
    "cat": tuple(range(281, 286)),  # tabby, tiger cat, Persian, Siamese, Egyptian cat
    "wild_canid": tuple(range(269, 281)),  # wolves, coyote, dingo, dhole, hyena, foxes
    "wild_cat": tuple(range(286, 294)),  # cougar, lynx, leopard, lion, tiger, cheetah...
    "bear": tuple(range(294, 298)),
    "teddy": (850,),
}
# An experiment (``training.ablation``, ``training.crossfit_table``): dog breeds, domestic cats
# and the rest, the look-alikes merged into the rest, whose one weight thousands of training
# photos fit, where each look-alike group's own weight rests on a handful of them.
PET_GROUPS: Groups = {"dog": IMAGENET_GROUPS["dog"], "cat": IMAGENET_GROUPS["cat"]}


def group_matrix(groups: Groups = IMAGENET_GROUPS) -> np.ndarray:
    """(1000, groups + 1): sums ImageNet probabilities into each group, and the rest."""
    matrix = np.zeros((IMAGENET_CLASSES, len(groups) + 1), np.float32)
    for column, indices in enumerate(groups.values()):
        matrix[list(indices), column] = 1.0
    matrix[matrix.sum(axis=1) == 0, -1] = 1.0
    return matrix


def build_backbone(weights: str):
    """MobileNetV2 1.0/224 with its ImageNet classifier; weights: 'imagenet' or a file path."""
    import keras

    return keras.applications.MobileNetV2(
        input_shape=(INPUT_SIZE, INPUT_SIZE, 3),
        alpha=1.0,
        include_top=True,
        classes=IMAGENET_CLASSES,
        weights=weights,
    )


def pooling_layer(backbone):
    """The global average pooling that makes the embedding (its name varies per build)."""
    return next(layer for layer in backbone.layers if "global_average_pooling" in layer.name)


class Extractor:
    """Pixels (0..255) to the pooled embedding, and the ImageNet layer as numpy arrays."""

    def __init__(self, weights: str) -> None:
        import keras

        backbone = build_backbone(weights)
        self.embed = keras.Model(backbone.input, pooling_layer(backbone).output, name="embed")
        kernel, bias = backbone.get_layer("predictions").get_weights()
        self.imagenet_kernel, self.imagenet_bias = kernel, bias
        self.backbone = backbone
        self.weights_id = _weights_id(weights)

    def embeddings(self, pixels: np.ndarray) -> np.ndarray:
        out = np.empty((len(pixels), EMBEDDING_SIZE), np.float32)
        for start in range(0, len(pixels), BATCH):
            batch = pixels[start : start + BATCH].astype(np.float32) / 127.5 - 1.0
            out[start : start + len(batch)] = self.embed(batch, training=False).numpy()
        return out

    def imagenet_probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.imagenet_kernel + self.imagenet_bias)


def _weights_id(weights: str) -> str:
    path = Path(weights)
    if not path.is_file():
        return weights
    return f"{path.name}:{content_digest(path)[:16]}"


def view_pixels(decoded: DecodedSet, view: int, seed: int) -> np.ndarray:
    if view == PLAIN:
        return decoded.pixels
    if view == FLIPPED:
        return np.stack([augment.flip(p) for p in decoded.pixels])
    return np.stack(
        [
            augment.augmented(p, e.key, view, seed)
            for p, e in zip(decoded.pixels, decoded.examples, strict=True)
        ]
    )


def _cache_key(decoded: DecodedSet, view: int, seed: int, weights_id: str) -> str:
    """Names one view's embeddings of a decoded set: its files, how their pixels were made (the
    contract), the view and the weights, so that a changed contract never reuses stale ones."""
    how = "plain" if view <= FLIPPED else f"aug={augment.VERSION};seed={seed}"
    if decoded.contract != FIRST_CONTRACT:
        how += f";contract={decoded.contract}"
    digest = hashlib.sha256(f"{weights_id};{how}".encode())
    for example in decoded.examples:
        digest.update(f"\n{example.key}\t{content_digest(example.path)}".encode())
    return f"{digest.hexdigest()[:20]}-view{view}"


def cached_embeddings(
    extractor: Extractor,
    decoded: DecodedSet,
    view: int,
    seed: int,
    cache_dir: Path | None,
    log: Callable[[str], None] = print,
) -> np.ndarray:
    """(N, 1280) embeddings of one view of a decoded set, from the cache when it has them."""
    if not decoded.examples:
        return np.zeros((0, EMBEDDING_SIZE), np.float32)
    path = None
    if cache_dir is not None:
        key = _cache_key(decoded, view, seed, extractor.weights_id)
        path = cache_dir / f"embeddings-{key}.npy"
        if path.exists():
            return np.load(path)
    embeddings = extractor.embeddings(view_pixels(decoded, view, seed))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, embeddings)
        os.replace(tmp, path)
    log(f"  embedded view {view} of {len(decoded.examples)} photos")
    return embeddings
