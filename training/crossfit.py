"""Out-of-source predictions for every non-test photo, by a k-fold split over whole sources.

The move threshold of the bundled model is chosen on 336 validation pets, so one confident mistake
moves it a lot. Cross-fitting gives every photo of the training and validation sources a
prediction from a head that never saw its source, so the temperature and the threshold can be
chosen on all of them (about 750 pets and 2,600 neither photos) and the shipped head can then be
fitted on training and validation together.

Kaggle's dogs-vs-cats is one huge, homogeneous source (3,788 of the 4,500 non-test pets). Holding
it out whole would leave one fold's head with a fifth of the pets of the others, unlike any head
that ships; so its photos are dealt into every fold at random, and, because those predictions are
then in-distribution ones (shelter photos like the ones beside them in training), they are left
out of what chooses the temperature and the threshold. Every other source is held out whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .head import LinearHead

POOLED = "kaggle"  # dealt into every fold, and left out of the choices (see the module docstring)
OTHER = 2  # class index of "neither"

FitFn = Callable[[np.ndarray], LinearHead]  # rows to train on -> fitted head


def source_folds(
    labels: np.ndarray, sources: np.ndarray, k: int = 5, seed: int = 0, pooled: str = POOLED
) -> np.ndarray:
    """A fold number per photo: the pooled source at random, every other source whole.

    Sources are placed largest first into the fold that has the fewest pets so far (or, for a
    source without pets, the fewest neither photos), so every fold holds pets and neither photos.
    """
    fold = np.full(len(labels), -1)
    pooled_rows = np.flatnonzero(sources == pooled)
    fold[pooled_rows] = np.random.default_rng(seed).permutation(len(pooled_rows)) % k
    pets, others = np.zeros(k), np.zeros(k)
    names = [n for n in dict.fromkeys(sources.tolist()) if n != pooled]
    for name in sorted(names, key=lambda n: (-(sources == n).sum(), n)):
        rows = sources == name
        n_pets = int((labels[rows] != OTHER).sum())
        target = int(np.argmin(pets + 0.3 * others)) if n_pets else int(np.argmin(others))
        fold[rows] = target
        pets[target] += n_pets
        others[target] += int((labels[rows] == OTHER).sum())
    return fold


def out_of_fold_logits(plain: np.ndarray, folds: np.ndarray, fit: FitFn) -> np.ndarray:
    """Logits of every photo's plain view from the head fitted without its fold."""
    logits = np.zeros((len(plain), 3), np.float32)
    for f in np.unique(folds):
        held = folds == f
        logits[held] = fit(~held).logits(plain[held])
    return logits


def choice_rows(sources: np.ndarray, pooled: str = POOLED) -> np.ndarray:
    """The photos that choose the temperature and threshold: every source held out whole."""
    return sources != pooled


def stack_views(views: Sequence[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """The training matrix of some photos: every view of each, view after view."""
    return np.concatenate([v[rows] for v in views])
