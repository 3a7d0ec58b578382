"""The personal layer: the user's labels, learnt on top of the bundled model's embedding.

``PersonalLayer.fit(training_set)`` returns an immutable fitted layer (fit it in the background,
swap it in when done); ``predict`` gives each photo a label, a confidence, a pet's name where one
is recognised, and where the answer came from; ``status`` says whether the layer is used and how
it scores, for the About dialog and ``classify --verbose``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from ..labels import CLASSES
from .guard import MIN_LABELS, GuardScore, cross_validate
from .labels import SPECIES, format_label, parse_label
from .means import SpeciesMeans
from .names import NAME_THRESHOLD, NameModel
from .species import SpeciesModel, normalise, project
from .training_set import TrainingSet


class Source(str, Enum):
    """Where a photo's label came from: the bundled model, the personal layer, or the user."""

    MODEL = "model"
    PERSONAL = "personal"
    YOU = "you"  # set by the caller for photos the user labelled; ``predict`` never says it

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class PersonalPrediction:
    label: str  # dog, cat or other
    confidence: float
    probabilities: tuple[float, ...]  # in CLASSES order
    name: str | None  # a named pet, only when recognised with confidence
    name_confidence: float
    source: Source
    model_label: str  # what the bundled model alone says

    @property
    def full_label(self) -> str:
        """``dog/Rex`` for a recognised pet, else the class."""
        return format_label(self.label, self.name)

    @property
    def changed(self) -> bool:
        """The personal layer overruled the bundled model (the grid brings these forward)."""
        return self.label != self.model_label


@dataclass(frozen=True)
class LayerStatus:
    enabled: bool
    active: bool  # the personal layer decides dog, cat or other
    labels: int  # labels it learnt from
    missing: int  # labels waiting for their photo to be scanned with the current model
    score: GuardScore | None
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # species -> named pets
    names_correct: int = 0  # named photos recognised in leave-one-out
    names_total: int = 0
    problem: str | None = None  # e.g. a damaged file; the layer is not used while it stands

    def describe(self) -> str:
        """One or two sentences for a person."""
        if self.problem:
            return f"Personal layer: not used: {self.problem}"
        if not self.enabled:
            return "Personal layer: switched off."
        lines = [f"Personal layer: {self._species_sentence()}"]
        if self.missing:
            lines.append(
                f"{self.missing} labelled photos are learnt from again once scanned with the"
                " current model."
            )
        pets = [f"{', '.join(names)} ({kind}s)" for kind, names in self.names.items() if names]
        if pets:
            lines.append(
                f"Named pets: {'; '.join(pets)}; {self.names_correct} of {self.names_total}"
                " of their photos recognised when left out."
            )
        return "\n".join(lines)

    def _species_sentence(self) -> str:
        score = self.score
        if score is None or score.labels < MIN_LABELS:
            return f"not used yet: {self.labels} labels, it needs at least {MIN_LABELS}."
        figures = (
            f"on your {score.labels} labels, each predicted without it, it is right"
            f" {score.personal_correct} times ({score.personal_accuracy:.0%}), the bundled model"
            f" {score.model_correct} times ({score.model_accuracy:.0%})"
        )
        return f"active: {figures}." if self.active else f"not used: {figures}."


@dataclass(frozen=True)
class PersonalLayer:
    species: SpeciesModel | None  # None while the guard keeps the bundled model
    names: dict[str, NameModel]
    state: LayerStatus
    name_threshold: float = NAME_THRESHOLD

    @classmethod
    def fit(
        cls,
        training: TrainingSet,
        *,
        enabled: bool = True,
        name_threshold: float = NAME_THRESHOLD,
        means: SpeciesMeans | None = None,
    ) -> PersonalLayer:
        """Learn from every usable label; the guard decides whether the species level is used.

        ``means``: the mean embedding of each species among the user's photos, which pets are
        told apart against (None, or too few photos seen: compared as they are)."""
        missing = len(training.missing())
        if not enabled:
            return cls(None, {}, LayerStatus(False, False, 0, missing, None), name_threshold)
        usable = training.usable()
        parsed = [parse_label(label) for label in usable.labels]
        targets = np.array([CLASSES.index(kind) for kind, _ in parsed], np.intp)
        features = normalise(usable.embeddings)
        score = species = None
        if len(usable):
            landmarks, reduced = project(features)
            score = cross_validate(reduced, targets, usable.probabilities)
            if score.personal_wins:
                species = SpeciesModel.fit(landmarks, reduced, targets, usable.probabilities)
        names = {}
        for kind in SPECIES:
            rows = [i for i, (k, _) in enumerate(parsed) if k == kind]
            centre = means.centre(kind) if means is not None else None
            names_of = [parsed[i][1] for i in rows]
            model = NameModel.fit(features[rows], names_of, centre=centre) if rows else None
            if model is not None:
                names[kind] = model
        status = LayerStatus(
            enabled=True,
            active=species is not None,
            labels=len(usable),
            missing=missing,
            score=score,
            names={kind: model.names for kind, model in names.items()},
            names_correct=sum(model.loo_correct for model in names.values()),
            names_total=sum(model.loo_total for model in names.values()),
        )
        return cls(species, names, status, name_threshold)

    @classmethod
    def unavailable(cls, problem: str) -> PersonalLayer:
        """A layer that is not used because of ``problem`` (say, a damaged file), and says so."""
        return cls(None, {}, LayerStatus(True, False, 0, 0, None, problem=problem))

    def status(self) -> LayerStatus:
        return self.state

    def predict(
        self, embeddings: np.ndarray, model_probabilities: np.ndarray
    ) -> list[PersonalPrediction]:
        """Per photo: the label (the layer's while the guard allows it, else the model's), its
        confidence, a pet's name where recognised, and where the answer came from."""
        model_probabilities = np.asarray(model_probabilities, np.float32).reshape(-1, len(CLASSES))
        if not len(model_probabilities):
            return []
        features = normalise(np.asarray(embeddings).reshape(len(model_probabilities), -1))
        if self.species is None:
            probabilities = model_probabilities
        else:
            probabilities = self.species.probabilities(features, model_probabilities)
        labels = probabilities.argmax(axis=1)
        suggestions: dict[int, tuple[str | None, float]] = {}
        for kind, model in self.names.items():
            rows = np.flatnonzero(labels == CLASSES.index(kind))
            if len(rows):
                found = model.suggest(features[rows], self.name_threshold)
                suggestions.update(
                    (int(row), (s.name, s.confidence)) for row, s in zip(rows, found, strict=True)
                )
        model_labels = model_probabilities.argmax(axis=1)
        predictions = []
        for row, index in enumerate(labels):
            name, name_confidence = suggestions.get(row, (None, 0.0))
            personal = self.species is not None or name is not None
            predictions.append(
                PersonalPrediction(
                    label=CLASSES[index],
                    confidence=float(probabilities[row, index]),
                    probabilities=tuple(float(p) for p in probabilities[row]),
                    name=name,
                    name_confidence=name_confidence,
                    source=Source.PERSONAL if personal else Source.MODEL,
                    model_label=CLASSES[model_labels[row]],
                )
            )
        return predictions
