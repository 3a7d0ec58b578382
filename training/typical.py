"""The bundled model's typical dog and cat: the mean direction of its training photos' embeddings.

The app tells a user's named pets apart from the species' typical photo (the mean of the user's
own photos of it, ``core/personal/means.py``). A new user has scanned too few photos for such a
mean, and without one a single named cat took the name to half the other cats of the benchmark
(``benchmarks/personal.py``). So a build ships the means of its own training photos, embedded by
the backbone it ships, and the app counts them as a few of the user's photos until the user's
own outnumber them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from dogcat_desktop.core.labels import CLASSES
from dogcat_desktop.core.personal.means import MEANS_FILE, SpeciesMeans
from dogcat_desktop.core.personal.species import normalise

from .features import EMBEDDING_SIZE, PLAIN, Extractor, cached_embeddings
from .pixels import DecodedSet


def training_means(
    extractor: Extractor,
    decoded: list[DecodedSet],
    seed: int,
    cache_dir: Path | None,
    log: Callable[[str], None] = print,
) -> SpeciesMeans:
    """Sums and counts of the unit embeddings of each species' photos (plain view), by their
    true label, as the app keeps its own (``SpeciesMeans.of``)."""
    embeddings, labels = [], []
    for source in decoded:
        embeddings.append(cached_embeddings(extractor, source, PLAIN, seed, cache_dir, log))
        labels += [CLASSES[int(label)] for label in source.labels]
    rows = np.concatenate(embeddings) if embeddings else np.zeros((0, EMBEDDING_SIZE), np.float32)
    return SpeciesMeans.of(normalise(rows), labels)


def write(means: SpeciesMeans, out_dir: Path) -> Path:
    """``species_means.npz`` beside the model, in the form the app reads."""
    path = out_dir / MEANS_FILE
    np.savez(path, sums=means.sums.astype(np.float64), counts=means.counts.astype(np.int64))
    return path
