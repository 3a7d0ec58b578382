"""The guard: the personal layer is used only while it beats the bundled model on the user's labels.

Both are scored on the same photos, each predicted by a layer fitted without it (k-fold cross
validation; leave-one-out while there are few labels, where every label counts). A tie keeps the
bundled model: a layer that is not shown to help must not change anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..labels import CLASSES
from .softmax import fit_softmax
from .species import ITERATIONS, L2, prior

MIN_LABELS = 4  # fewer than this and no comparison means anything
LEAVE_ONE_OUT_UP_TO = 30
FOLDS = 5
SAMPLE = 1000  # beyond this many labels, a random sample of them is enough to compare on


@dataclass(frozen=True)
class GuardScore:
    """How the two did on the user's own labels, each photo predicted without its own label."""

    labels: int
    personal_correct: int
    model_correct: int

    @property
    def personal_accuracy(self) -> float:
        return self.personal_correct / self.labels if self.labels else 0.0

    @property
    def model_accuracy(self) -> float:
        return self.model_correct / self.labels if self.labels else 0.0

    @property
    def personal_wins(self) -> bool:
        return self.labels >= MIN_LABELS and self.personal_correct > self.model_correct


def folds(count: int, seed: int = 0) -> list[np.ndarray]:
    """Held-out index sets: one per photo up to LEAVE_ONE_OUT_UP_TO, else FOLDS shuffled ones."""
    if count <= LEAVE_ONE_OUT_UP_TO:
        return [np.array([i]) for i in range(count)]
    order = np.random.default_rng(seed).permutation(count)
    return [order[k::FOLDS] for k in range(FOLDS)]


def cross_validate(
    reduced: np.ndarray,
    targets: np.ndarray,
    model_probabilities: np.ndarray,
    *,
    use_prior: bool = True,
) -> GuardScore:
    """Score a layer fitted per fold against the bundled model on the held-out labels.

    ``reduced`` are the labelled photos as ``species.project`` gives them; sharing its landmarks
    across folds lets them include held-out photos, but never their labels. Beyond ``SAMPLE``
    labels the comparison is made on a random sample of them, which keeps a refit fast.
    """
    if len(targets) > SAMPLE:
        chosen = np.sort(np.random.default_rng(0).permutation(len(targets))[:SAMPLE])
        reduced, targets = reduced[chosen], targets[chosen]
        model_probabilities = model_probabilities[chosen]
    count = len(targets)
    if count < MIN_LABELS:
        return GuardScore(count, 0, int((model_probabilities.argmax(axis=1) == targets).sum()))
    offset = prior(model_probabilities) if use_prior else np.zeros_like(model_probabilities)
    predicted = np.empty(count, np.intp)
    for held in folds(count):
        train = np.setdiff1d(np.arange(count), held)
        fitted = fit_softmax(
            reduced[train],
            targets[train],
            len(CLASSES),
            offset=offset[train],
            l2=L2,
            fit_bias=False,
            max_iterations=ITERATIONS,
        )
        predicted[held] = fitted.logits(reduced[held], offset[held]).argmax(axis=1)
    personal = int((predicted == targets).sum())
    model = int((model_probabilities.argmax(axis=1) == targets).sum())
    return GuardScore(count, personal, model)
