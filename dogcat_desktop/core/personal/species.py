"""Dog, cat or neither, learnt from the user's labels on top of the bundled model.

A multinomial logistic regression over the L2-normalised embedding whose logits start from the
bundled model's own (its log-probabilities are a fixed offset): with a handful of labels the
answer is the model's, nudged only where the labels agree with each other. The weights live in
the span of the labelled embeddings (exactly, up to ``RANK`` labels; a randomised estimate of
its main directions beyond), which keeps a fit on 5,000 labels to a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..labels import CLASSES
from .softmax import Softmax, fit_softmax

RANK = 192
L2 = 1.0
PROBABILITY_FLOOR = 1e-4  # a model's certainty is never absolute; keeps log-probabilities finite


def normalise(embeddings: np.ndarray) -> np.ndarray:
    """Unit-length float32 rows (a zero row stays zero)."""
    rows = np.asarray(embeddings, np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def prior(probabilities: np.ndarray) -> np.ndarray:
    """The bundled model's log-probabilities, the offset the personal logits start from."""
    return np.log(np.clip(np.asarray(probabilities, np.float32), PROBABILITY_FLOOR, 1.0))


def span_basis(features: np.ndarray, rank: int = RANK, seed: int = 0) -> np.ndarray:
    """An orthonormal (d, r) basis of the rows' span, or of its ``rank`` main directions."""
    if len(features) <= rank:
        return _orthonormal(features.T)
    sketch = np.random.default_rng(seed).standard_normal((features.shape[1], rank), np.float32)
    return _orthonormal(features.T @ (features @ sketch))


def _orthonormal(columns: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns' span, through the eigenvectors of their small Gram
    matrix rather than a QR, whose threaded LAPACK slows down a hundredfold on a busy machine.
    Directions with almost no variance are left out; the regression could not use them."""
    values, vectors = np.linalg.eigh((columns.T @ columns).astype(np.float64))
    keep = values > values.max() * 1e-6
    scale = vectors[:, keep] / np.sqrt(values[keep])
    return (columns @ scale.astype(np.float32)).astype(np.float32)


def project(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(basis, features in it): computed once per refit, shared by the fit and its guard."""
    basis = span_basis(features)
    return basis, features @ basis


@dataclass(frozen=True)
class SpeciesModel:
    """Fitted: ``probabilities(features, model_probabilities)`` in CLASSES order."""

    softmax: Softmax
    use_prior: bool = True

    @classmethod
    def fit(
        cls,
        basis: np.ndarray,
        reduced: np.ndarray,
        targets: np.ndarray,
        model_probabilities: np.ndarray,
        *,
        use_prior: bool = True,
        l2: float = L2,
    ) -> SpeciesModel:
        """Fit on the labelled photos as ``project`` gives them and their class indices."""
        offset = prior(model_probabilities) if use_prior else None
        fitted = fit_softmax(reduced, targets, len(CLASSES), offset=offset, l2=l2)
        return cls(Softmax(basis @ fitted.weights, fitted.bias), use_prior)

    def probabilities(self, features: np.ndarray, model_probabilities: np.ndarray) -> np.ndarray:
        """For normalised features (see ``normalise``) and the bundled model's probabilities."""
        offset = prior(model_probabilities) if self.use_prior else None
        return self.softmax.probabilities(features, offset)
