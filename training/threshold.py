"""The move threshold, chosen so that each moved folder is right at a target rate.

A photo moves to ``dogs/`` or ``cats/`` when its top class is dog or cat with at least this
confidence. The threshold is the lowest confidence at which, on the validation sources, every
folder's precision (moved photos that belong there) meets the target: precise by construction,
without tuning on the test sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dogcat_desktop.core.labels import CLASSES, SORT_FOLDERS

GRID = np.round(np.arange(0.5, 1.0, 0.0025), 4)
MOVABLE = tuple(CLASSES.index(name) for name in SORT_FOLDERS)


@dataclass
class CurvePoint:
    threshold: float
    coverage: float  # share of the cat and dog photos that move
    precision: float  # of the worse folder: moved photos that belong in it
    wrong_moves: float  # share of all photos moved to the wrong folder


@dataclass
class ThresholdChoice:
    threshold: float
    curve: list[CurvePoint]
    reached: bool  # False: no grid point met the target, and threshold is the fallback


def point(probs: np.ndarray, labels: np.ndarray, threshold: float) -> CurvePoint:
    predicted = probs.argmax(axis=1)
    sure = probs.max(axis=1) >= threshold
    pets = np.isin(labels, MOVABLE)
    precisions = []
    for cls in MOVABLE:
        moved = sure & (predicted == cls)
        precisions.append(float((labels[moved] == cls).mean()) if moved.any() else 1.0)
    moved_any = sure & np.isin(predicted, MOVABLE)
    return CurvePoint(
        threshold=float(threshold),
        coverage=float((moved_any & pets & (predicted == labels)).sum() / max(pets.sum(), 1)),
        precision=min(precisions),
        wrong_moves=float((moved_any & (predicted != labels)).mean()),
    )


def curve(probs: np.ndarray, labels: np.ndarray) -> list[CurvePoint]:
    return [point(probs, labels, t) for t in GRID]


def choose_threshold(
    probs: np.ndarray, labels: np.ndarray, target: float, fallback: float
) -> ThresholdChoice:
    """The lowest threshold on the grid whose every moved folder reaches ``target``."""
    points = curve(probs, labels)
    for p in points:
        if p.precision >= target:
            return ThresholdChoice(p.threshold, points, reached=True)
    return ThresholdChoice(fallback, points, reached=False)
