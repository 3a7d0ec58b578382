"""Which of the user's own pets a photo shows: nearest prototype among the named pets of a species.

A prototype (the mean direction of a pet's labelled embeddings) needs no fitting, works from two
photos, and measured as accurate as a logistic regression over the names (three Oxford-IIIT
breeds, five photos each, choosing among the three: cats 92.5% against 92.8%, dogs 98.6% both).
The confidence is a softmax over cosine similarities whose sharpness is chosen by leave-one-out
on the user's own named photos, so it means what it says on them. The photos labelled with the
species but no name are one more candidate ("none of them"), and a photo is only named when it
lies within the pet's acceptance radius, set by how close the pet's own photos are to it (each
left out in turn): their mean similarity less ``SPREAD`` standard deviations. With one pet the
choice among names is always sure, so the radius alone keeps it from taking every similar dog.

Photos are compared once the species' mean direction among the user's photos is taken away
(``means``; "SimpleShot"), which weighs what sets one cat apart from other cats. On Oxford-IIIT
breeds as pets, 5 labels each (``benchmarks/personal.py``), that and the radius named more of
the pets' photos right, and fewer cats of other breeds, than the earlier rule (no centring, the
least own similarity as the radius, 0.8 sure): cats, 3 pets, 82.5% right against 78.2% with
25.9% of other breeds named against 29.5%; dogs, 3 pets, 87.4% against 82.1%, 8.5% against 5.3%.
Whitening by the species' covariance and a logistic regression against the unnamed photos
were tried and did worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .softmax import softmax

NAME_THRESHOLD = 0.6  # sure of this pet rather than another; the radius does the rest
MIN_EXAMPLES = 2  # a name is suggested once a pet has this many labelled photos
SHARPNESS = (5.0, 10.0, 20.0, 40.0, 80.0)  # candidate softmax scales over cosine similarity
SPREAD = 2.0  # standard deviations of a pet's own similarities its acceptance radius allows


@dataclass(frozen=True)
class NameSuggestion:
    name: str | None  # None: no pet with confidence, the photo stays with its species
    confidence: float  # of ``name``; 0 when None


@dataclass(frozen=True)
class NameModel:
    """Named pets of one species, fitted from normalised embeddings."""

    names: tuple[str, ...]
    prototypes: np.ndarray  # (names [+ 1 for the unnamed], d), unit rows
    floors: np.ndarray  # per name: its acceptance radius, as the least cosine similarity
    sharpness: float
    has_unnamed: bool
    loo_correct: int  # named photos given their own name in leave-one-out
    loo_total: int
    centre: np.ndarray | None = None  # the species' mean direction, taken away before comparing

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        names: list[str | None],
        min_examples: int = MIN_EXAMPLES,
        centre: np.ndarray | None = None,
    ) -> NameModel | None:
        """Fit on one species' labelled photos; None when no pet has ``min_examples`` photos.

        ``centre``: the mean direction of the user's photos of the species; comparing what is
        left once it is taken away weighs what sets one animal apart from the others rather
        than what every cat shares.
        """
        features = _centred(features, centre)
        counts = {n: names.count(n) for n in dict.fromkeys(names) if n is not None}
        chosen = tuple(n for n, count in counts.items() if count >= min_examples)
        if not chosen:
            return None
        groups = [np.flatnonzero([n == name for n in names]) for name in chosen]
        unnamed = np.flatnonzero([n is None for n in names])
        if len(unnamed):
            groups.append(unnamed)
        sums = np.stack([features[group].sum(axis=0) for group in groups])
        prototypes = _unit(sums)
        # Leave-one-out: each photo against its own group's prototype without it.
        rows, truth = [], []
        for index, group in enumerate(groups):
            for member in group:
                own = sums[index] - features[member]
                candidates = prototypes.copy()
                candidates[index] = _unit(own[None])[0]
                rows.append(candidates @ features[member])
                truth.append(index)
        similarities, targets = np.array(rows), np.array(truth)
        sharpness = max(SHARPNESS, key=lambda s: _log_likelihood(s * similarities, targets))
        floors = np.array(
            [radius(similarities[targets == i, i]) for i in range(len(chosen))], np.float32
        )
        named = targets < len(chosen)
        correct = int((similarities[named].argmax(axis=1) == targets[named]).sum())
        return cls(
            chosen,
            prototypes,
            floors,
            sharpness,
            bool(len(unnamed)),
            correct,
            int(named.sum()),
            centre,
        )

    def suggest(self, features: np.ndarray, threshold: float) -> list[NameSuggestion]:
        """A name per photo when confident (at least ``threshold``) and close enough."""
        similarities = _centred(features, self.centre) @ self.prototypes.T
        probabilities = softmax(self.sharpness * similarities)
        best = probabilities.argmax(axis=1)
        suggestions = []
        for row, index in enumerate(best):
            confidence = float(probabilities[row, index])
            is_name = index < len(self.names)
            if (
                is_name
                and confidence >= threshold
                and similarities[row, index] >= self.floors[index]
            ):
                suggestions.append(NameSuggestion(self.names[index], confidence))
            else:
                suggestions.append(NameSuggestion(None, 0.0))
        return suggestions


def radius(own: np.ndarray, spread: float = SPREAD) -> float:
    """The least similarity to a pet's prototype that is still that pet: its own photos' (each
    left out of the prototype) mean less ``spread`` standard deviations."""
    return float(own.mean() - spread * own.std())


def _centred(features: np.ndarray, centre: np.ndarray | None) -> np.ndarray:
    return features if centre is None else _unit(features - centre)


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _log_likelihood(logits: np.ndarray, targets: np.ndarray) -> float:
    return float(np.log(softmax(logits)[np.arange(len(targets)), targets] + 1e-12).sum())
