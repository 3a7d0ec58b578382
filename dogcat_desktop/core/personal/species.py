"""Dog, cat or neither, learnt from the user's labels on top of the bundled model.

A multinomial logistic regression whose logits start from the bundled model's own (its
log-probabilities are a fixed offset) and whose inputs are similarities to the labelled photos
(``exp(SHARPNESS * (cos - 1))``, one per landmark). With no bias term, a correction weighs on a
photo as much as the photo resembles the corrected ones, and fades for photos unlike any. A
linear layer on the embedding with a bias, tried first, did not fade: twenty labels of wild
animals as "neither" turned every cat of the collection into "neither" too
(``benchmarks/personal.py`` measures both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..labels import CLASSES
from .softmax import Softmax, fit_softmax

LANDMARKS = 128  # labelled photos the similarities are measured to, at most
SHARPNESS = 3.0  # how fast a correction fades: similarity 0.41 at cosine 0.7, 0.17 at 0.4
L2 = 1e-3
ITERATIONS = 60  # stopping early also regularises: a refit on 5,000 labels stays well under 1 s
PROBABILITY_FLOOR = 1e-4  # a model's certainty is never absolute; keeps log-probabilities finite


def normalise(embeddings: np.ndarray) -> np.ndarray:
    """Unit-length float32 rows (a zero row stays zero)."""
    rows = np.asarray(embeddings, np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def prior(probabilities: np.ndarray) -> np.ndarray:
    """The bundled model's log-probabilities, the offset the personal logits start from."""
    return np.log(np.clip(np.asarray(probabilities, np.float32), PROBABILITY_FLOOR, 1.0))


def choose_landmarks(features: np.ndarray, count: int = LANDMARKS, seed: int = 0) -> np.ndarray:
    """Every labelled photo up to ``count``, else an even random draw of them."""
    if len(features) <= count:
        return features
    return features[np.sort(np.random.default_rng(seed).permutation(len(features))[:count])]


def similarities(features: np.ndarray, landmarks: np.ndarray, sharpness: float) -> np.ndarray:
    """(photos, landmarks): 1 for the same direction, fading to 0 for unrelated photos."""
    return np.exp(sharpness * (features @ landmarks.T - 1.0)).astype(np.float32)


def project(features: np.ndarray, sharpness: float = SHARPNESS) -> tuple[np.ndarray, np.ndarray]:
    """(landmarks, the labelled photos' similarities to them): computed once per refit and
    shared by the fit and its guard."""
    landmarks = choose_landmarks(features)
    return landmarks, similarities(features, landmarks, sharpness)


@dataclass(frozen=True)
class SpeciesModel:
    """Fitted: ``probabilities(features, model_probabilities)`` in CLASSES order."""

    landmarks: np.ndarray
    softmax: Softmax
    use_prior: bool = True
    sharpness: float = SHARPNESS

    @classmethod
    def fit(
        cls,
        landmarks: np.ndarray,
        reduced: np.ndarray,
        targets: np.ndarray,
        model_probabilities: np.ndarray,
        *,
        use_prior: bool = True,
        sharpness: float = SHARPNESS,
        l2: float = L2,
    ) -> SpeciesModel:
        """Fit on the labelled photos as ``project`` gives them and their class indices."""
        offset = prior(model_probabilities) if use_prior else None
        fitted = fit_softmax(
            reduced,
            targets,
            len(CLASSES),
            offset=offset,
            l2=l2,
            fit_bias=False,
            max_iterations=ITERATIONS,
        )
        return cls(landmarks, fitted, use_prior, sharpness)

    def probabilities(self, features: np.ndarray, model_probabilities: np.ndarray) -> np.ndarray:
        """For normalised features (see ``normalise``) and the bundled model's probabilities."""
        offset = prior(model_probabilities) if self.use_prior else None
        near = similarities(features, self.landmarks, self.sharpness)
        return self.softmax.probabilities(near, offset)
