"""The mean direction of each species among the user's photos, which named pets are told apart
against ("SimpleShot": centre, normalise, nearest prototype).

Kept as sums and counts of the scanned photos' unit embeddings, by the bundled model's label, so
each scan adds to them without keeping a photo. A folder scanned again counts again; the count is
capped so that the mean keeps following new photos rather than freezing on the first ones.
Until the user's photos are many, the bundled model's own means (its training photos', shipped
beside it) count as ``PRIOR_WEIGHT`` of them: without any mean, one named cat took the name to
half the other cats in ``benchmarks/personal.py``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .labels import SPECIES
from .training_set import EMBEDDING_SIZE

MIN_PHOTOS = 50  # fewer photos of a species than this and its mean is not trusted
CAP = 20_000  # beyond this many photos, older ones weigh less, as in a running mean
MEANS_FILE = "species_means.npz"  # beside the bundled model: its training photos' means
PRIOR_WEIGHT = MIN_PHOTOS  # how many of the user's photos the bundled model's means count as


@dataclass(frozen=True)
class SpeciesMeans:
    sums: np.ndarray  # (len(SPECIES), EMBEDDING_SIZE) float64: unit embeddings added up
    counts: np.ndarray  # (len(SPECIES),) int64

    @classmethod
    def empty(cls) -> SpeciesMeans:
        return cls(np.zeros((len(SPECIES), EMBEDDING_SIZE)), np.zeros(len(SPECIES), np.int64))

    @classmethod
    def of(cls, features: np.ndarray, labels: Sequence[str]) -> SpeciesMeans:
        """From unit embeddings and each photo's label (``other`` is not counted)."""
        features = np.asarray(features, np.float64).reshape(len(labels), -1)
        sums = np.zeros((len(SPECIES), features.shape[1]))
        counts = np.zeros(len(SPECIES), np.int64)
        for index, species in enumerate(SPECIES):
            rows = [i for i, label in enumerate(labels) if label == species]
            sums[index] = features[rows].sum(axis=0)
            counts[index] = len(rows)
        return cls(sums, counts)

    def plus(self, other: SpeciesMeans) -> SpeciesMeans:
        """Both together, with each species' count capped at ``CAP``."""
        sums, counts = self.sums + other.sums, self.counts + other.counts
        over = counts > CAP
        sums[over] *= (CAP / counts[over])[:, None]
        counts = np.minimum(counts, CAP)
        return SpeciesMeans(sums, counts)

    @classmethod
    def checked(cls, sums: np.ndarray, counts: np.ndarray) -> SpeciesMeans:
        """From arrays read from a file (the user's store, the bundled model's means), after
        checking they are what this app writes; ``ValueError`` says what is wrong."""
        if (
            sums.shape != (len(SPECIES), EMBEDDING_SIZE)
            or counts.shape != (len(SPECIES),)
            or sums.dtype != np.float64
            or counts.dtype.kind not in "iu"
        ):
            raise ValueError("the species' means are of the wrong shape or type")
        if not np.isfinite(sums).all() or (counts < 0).any():
            raise ValueError("the species' means are not finite")
        return cls(sums, counts.astype(np.int64))

    def with_prior(self, prior: SpeciesMeans | None) -> SpeciesMeans:
        """These means with ``prior``'s (the bundled model's training photos) counted as
        ``PRIOR_WEIGHT`` photos of each species: a new user's first named cat is told apart
        from the typical cat at once, and the user's own photos take over as they are scanned.
        For fitting only; what is saved stays the user's own."""
        if prior is None:
            return self
        weights = np.where(prior.counts > 0, PRIOR_WEIGHT, 0)
        means = prior.sums / np.maximum(prior.counts, 1)[:, None]
        return SpeciesMeans(self.sums + means * weights[:, None], self.counts + weights)

    def centre(self, species: str) -> np.ndarray | None:
        """The species' mean unit embedding, or None while fewer than ``MIN_PHOTOS`` were seen."""
        index = SPECIES.index(species)
        if self.counts[index] < MIN_PHOTOS:
            return None
        return (self.sums[index] / self.counts[index]).astype(np.float32)


class Tally:
    """Adds photos one at a time (a scan streams them), keeping only the sums."""

    def __init__(self) -> None:
        self.sums = np.zeros((len(SPECIES), EMBEDDING_SIZE))
        self.counts = np.zeros(len(SPECIES), np.int64)

    def add(self, embedding: np.ndarray, label: str) -> None:
        """One photo's embedding (any length; made unit here) and the bundled model's label."""
        if label not in SPECIES:
            return
        vector = np.asarray(embedding, np.float64).reshape(-1)
        norm = float(np.linalg.norm(vector))
        if vector.shape != (EMBEDDING_SIZE,) or not np.isfinite(norm) or norm == 0.0:
            return
        index = SPECIES.index(label)
        self.sums[index] += vector / norm
        self.counts[index] += 1

    def means(self) -> SpeciesMeans:
        return SpeciesMeans(self.sums.copy(), self.counts.copy())


class BundledMeansError(Exception):
    """The bundled model's means file is there but is not what a build writes (a damaged
    install): said to the person, and pets are told apart without it meanwhile."""


def bundled_means(model_dir: Path) -> SpeciesMeans | None:
    """The means a build ships beside its model (``training/typical.py``); None when it has
    none (a model built before them). ``BundledMeansError`` when the file cannot be used."""
    path = model_dir / MEANS_FILE
    try:
        with np.load(path, allow_pickle=False) as fields:
            sums, counts = fields["sums"], fields["counts"]
    except FileNotFoundError:
        return None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise BundledMeansError(f"{path} cannot be read ({exc})") from exc
    try:
        return SpeciesMeans.checked(sums, counts)
    except ValueError as exc:
        raise BundledMeansError(f"{path}: {exc}") from exc
