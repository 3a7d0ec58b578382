"""The user's labels as the personal layer learns from them: one example per photo.

Each example keeps the photo's embedding and the bundled model's probabilities, so a refit never
decodes a photo again and survives a cleared scan cache. Embeddings belong to one model: when
the bundled model changes, the labels are kept and the embeddings are marked missing until the
photos are scanned again (``missing()`` lists them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..labels import CLASSES
from .labels import SPECIES, format_label, parse_label

EMBEDDING_SIZE = 1280


@dataclass(frozen=True)
class TrainingSet:
    """Immutable: every change returns a new set, so a fit in the background never sees a half
    applied one. ``keys`` identify photos (the window and the CLI use the path key)."""

    model_id: str
    keys: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # "dog", "cat", "other", "dog/NAME" or "cat/NAME"
    embeddings: np.ndarray = field(
        default_factory=lambda: np.zeros((0, EMBEDDING_SIZE), np.float16)
    )
    probabilities: np.ndarray = field(
        default_factory=lambda: np.zeros((0, len(CLASSES)), np.float32)
    )
    present: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # False: awaits a scan

    def __len__(self) -> int:
        return len(self.keys)

    def label_of(self, key: str) -> str | None:
        try:
            return self.labels[self.keys.index(key)]
        except ValueError:
            return None

    def names(self, species: str) -> list[str]:
        """The named pets of a species, in the order they were first labelled."""
        found: dict[str, None] = {}
        for label in self.labels:
            kind, name = parse_label(label)
            if kind == species and name is not None:
                found.setdefault(name)
        return list(found)

    def with_label(
        self, key: str, label: str, embedding: np.ndarray, probabilities: np.ndarray
    ) -> TrainingSet:
        """This set with ``key`` labelled ``label``, replacing any earlier label of it."""
        return self.with_labels([(key, label, embedding, probabilities)])

    def with_labels(
        self, examples: Iterable[tuple[str, str, np.ndarray, np.ndarray]]
    ) -> TrainingSet:
        """This set with each (key, label, embedding, probabilities) added, in one copy.

        A name that differs from an existing one only by case is taken as that one, since
        ``Rex`` and ``rex`` would be one folder on Windows and macOS.
        """
        size = self.embeddings.shape[1]
        added: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        known = {s: {n.casefold(): n for n in self.names(s)} for s in SPECIES}
        for key, label, embedding, probabilities in examples:
            species, name = parse_label(label)
            if name is not None:
                name = known[species].setdefault(name.casefold(), name)
            vector = np.asarray(embedding, np.float32).reshape(-1)
            probs = np.asarray(probabilities, np.float32).reshape(-1)
            if vector.shape != (size,) or probs.shape != (len(CLASSES),):
                raise ValueError(
                    f"expected an embedding of {size} and {len(CLASSES)} probabilities,"
                    f" got {vector.shape} and {probs.shape}"
                )
            if not (np.isfinite(vector).all() and np.isfinite(probs).all()):
                raise ValueError("embedding or probabilities are not finite")
            added[key] = (format_label(species, name), vector, probs)
        if not added:
            return self
        rest = self.without(added)
        return TrainingSet(
            self.model_id,
            (*rest.keys, *added),
            (*rest.labels, *(label for label, _, _ in added.values())),
            np.vstack([rest.embeddings, *(v[None] for _, v, _ in added.values())]).astype(
                np.float16
            ),
            np.vstack([rest.probabilities, *(p[None] for _, _, p in added.values())]),
            np.concatenate([rest.present, np.ones(len(added), bool)]),
        )

    def without(self, keys: Iterable[str]) -> TrainingSet:
        """This set with the labels of ``keys`` forgotten (``label --clear``)."""
        drop = set(keys)
        keep = [i for i, key in enumerate(self.keys) if key not in drop]
        return self._subset(keep)

    def follow(self, moves: Iterable[tuple[str, str]]) -> TrainingSet:
        """Re-key examples whose photos moved (a sort or its undo), as corrections do."""
        renamed = dict(moves)
        keys = tuple(renamed.get(key, key) for key in self.keys)
        last = {key: index for index, key in enumerate(keys)}  # a move onto a key replaces it
        keep = sorted(last.values())
        moved = TrainingSet(
            self.model_id, keys, self.labels, self.embeddings, self.probabilities, self.present
        )
        return moved._subset(keep)

    def for_model(self, model_id: str) -> TrainingSet:
        """The same labels for another model: embeddings made by an older model are unusable."""
        if model_id == self.model_id:
            return self
        return TrainingSet(
            model_id,
            self.keys,
            self.labels,
            np.zeros_like(self.embeddings),
            np.zeros_like(self.probabilities),
            np.zeros(len(self.keys), bool),
        )

    def missing(self) -> list[tuple[str, str]]:
        """(key, label) of every example whose photo must be scanned again to be learnt from."""
        return [
            (k, lab)
            for k, lab, ok in zip(self.keys, self.labels, self.present, strict=True)
            if not ok
        ]

    def usable(self) -> TrainingSet:
        """Only the examples with an embedding: what a fit can use."""
        return self._subset(np.flatnonzero(self.present).tolist())

    def _subset(self, indices: list[int]) -> TrainingSet:
        index = np.asarray(indices, dtype=np.intp)
        return TrainingSet(
            self.model_id,
            tuple(self.keys[i] for i in indices),
            tuple(self.labels[i] for i in indices),
            self.embeddings[index],
            self.probabilities[index],
            self.present[index],
        )
