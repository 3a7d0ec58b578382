"""The personal layer on disk: one file per user, next to the corrections.

A numpy ``.npz`` archive (no pickles), written whole to a temporary file and renamed over the old
one, so a crash leaves either the old file or the new one. Every field is checked on load: a
damaged or foreign file raises ``PersonalFileError`` with a reason for a person, and is never
overwritten until the user resets it (it is then set aside, not deleted, in case it matters).
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..labels import CLASSES
from .labels import LabelError, format_label, parse_label
from .means import SpeciesMeans
from .training_set import EMBEDDING_SIZE, TrainingSet

FILE_NAME = "personal-layer.npz"
FORMAT = 1
_FIELDS = (
    "format",
    "model_id",
    "enabled",
    "keys",
    "labels",
    "embeddings",
    "probabilities",
    "present",
)
# Absent from older files: pets named without photos, the species' means among the user's photos
_OPTIONAL = ("pets", "species_sums", "species_counts")


class PersonalFileError(Exception):
    """The personal layer's file cannot be used; the message is meant for a person."""


@dataclass(frozen=True)
class PersonalState:
    """What is kept: the labels with their embeddings, whether the layer is switched on, and
    the pets named with New Pet… (``dog/Rex``), which stay even before any photo has the name."""

    training: TrainingSet
    enabled: bool = True
    pets: tuple[str, ...] = ()
    means: SpeciesMeans = field(default_factory=SpeciesMeans.empty)  # for the training's model

    def with_pets(self, labels: Iterable[str]) -> PersonalState:
        """This state also knowing the pets ``labels`` (``dog/Rex``); a name already known under
        the same species, in any case, is not added twice."""
        pets = list(self.pets)
        known = {_folded(label) for label in pets}
        for label in labels:
            species, name = parse_label(label)
            if name is None:
                raise LabelError(f"{label!r} names no pet")
            if _folded(label) not in known:
                known.add(_folded(label))
                pets.append(format_label(species, name))
        return replace(self, pets=tuple(pets))


class PersonalStore:
    """Loads and saves one user's ``PersonalState``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._damaged = False

    def load(self, model_id: str) -> PersonalState:
        """The saved state, for ``model_id`` (labels made with another model keep their label
        and await a new scan); an empty, switched-on state when there is no file yet."""
        try:
            with np.load(self.path, allow_pickle=False) as archive:
                fields = {name: archive[name] for name in _FIELDS + _OPTIONAL if name in archive}
        except FileNotFoundError:
            return PersonalState(TrainingSet(model_id))
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            self._damaged = True
            raise PersonalFileError(f"{self.path} is damaged ({exc})") from exc
        try:
            state = _validated(fields)
        except PersonalFileError as exc:
            self._damaged = True
            raise PersonalFileError(f"{self.path} cannot be used: {exc}") from exc
        if state.training.model_id != model_id:  # another model's embeddings: start again
            state = replace(state, means=SpeciesMeans.empty())
        return replace(state, training=state.training.for_model(model_id))

    def save(self, state: PersonalState) -> None:
        """Write atomically; refuses to replace a file found damaged until ``reset``."""
        if self._damaged:
            raise PersonalFileError(
                f"{self.path} was found damaged; reset the personal layer to start again"
            )
        training = state.training
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "wb") as handle:
                np.savez(
                    handle,
                    format=np.int64(FORMAT),
                    model_id=np.str_(training.model_id),
                    enabled=np.bool_(state.enabled),
                    keys=np.array(training.keys, dtype=str),
                    labels=np.array(training.labels, dtype=str),
                    embeddings=training.embeddings.astype(np.float16),
                    probabilities=training.probabilities.astype(np.float32),
                    present=training.present.astype(bool),
                    pets=np.array(state.pets, dtype=str).reshape(-1),
                    species_sums=state.means.sums.astype(np.float64),
                    species_counts=state.means.counts.astype(np.int64),
                )
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
        _sync_folder(self.path.parent)

    def reset(self) -> Path | None:
        """Forget every label. A damaged file is set aside (its new name is returned), never
        deleted, so whatever it held can still be looked at."""
        aside = None
        if self._damaged and self.path.exists():
            aside = self.path.with_name(f"{self.path.stem}.damaged-{int(time.time())}.npz")
            os.replace(self.path, aside)
        else:
            self.path.unlink(missing_ok=True)
        self._damaged = False
        return aside


def _validated(fields: dict[str, np.ndarray]) -> PersonalState:
    missing = [name for name in _FIELDS if name not in fields]
    if missing:
        raise PersonalFileError(f"fields missing: {', '.join(missing)}")
    version = fields["format"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise PersonalFileError("no readable format number")
    if int(version) > FORMAT:
        raise PersonalFileError("written by a newer version of DogCat Sorter")
    if int(version) < 1:
        raise PersonalFileError(f"unknown format {int(version)}")
    keys, labels = fields["keys"], fields["labels"]
    embeddings, probabilities = fields["embeddings"], fields["probabilities"]
    count = len(keys)
    if (
        fields["model_id"].shape != ()
        or keys.ndim != 1
        or labels.shape != (count,)
        or embeddings.shape != (count, EMBEDDING_SIZE)
        or probabilities.shape != (count, len(CLASSES))
    ):
        raise PersonalFileError("fields of inconsistent shapes")
    if keys.dtype.kind != "U" or labels.dtype.kind != "U" or fields["model_id"].dtype.kind != "U":
        raise PersonalFileError("text fields are not text")
    if embeddings.dtype != np.float16 or probabilities.dtype != np.float32:
        raise PersonalFileError("numbers of the wrong type")
    marks, enabled = fields["present"], fields["enabled"]
    if (
        marks.shape != (count,)
        or marks.dtype != bool
        or enabled.shape != ()
        or enabled.dtype != bool
    ):
        raise PersonalFileError("flags of the wrong type")
    if not np.isfinite(embeddings[marks]).all() or not np.isfinite(probabilities[marks]).all():
        raise PersonalFileError("embeddings or probabilities are not finite")
    if len(set(keys.tolist())) != count:
        raise PersonalFileError("a photo is labelled twice")
    try:
        for label in labels.tolist():
            parse_label(label)
    except LabelError as exc:
        raise PersonalFileError(str(exc)) from exc
    pets = fields.get("pets", np.zeros(0, dtype=str))
    if pets.ndim != 1 or (len(pets) and pets.dtype.kind != "U"):
        raise PersonalFileError("the named pets are not a list of names")
    try:
        named = PersonalState(TrainingSet("")).with_pets(pets.tolist()).pets
    except LabelError as exc:
        raise PersonalFileError(str(exc)) from exc
    means = _means(fields)
    training = TrainingSet(
        str(fields["model_id"]),
        tuple(keys.tolist()),
        tuple(labels.tolist()),
        embeddings,
        probabilities,
        marks,
    )
    return PersonalState(training, bool(enabled), named, means)


def _means(fields: dict[str, np.ndarray]) -> SpeciesMeans:
    if "species_sums" not in fields or "species_counts" not in fields:
        return SpeciesMeans.empty()
    try:
        return SpeciesMeans.checked(fields["species_sums"], fields["species_counts"])
    except ValueError as exc:
        raise PersonalFileError(str(exc)) from exc


def _folded(label: str) -> tuple[str, str]:
    species, name = parse_label(label)
    return species, (name or "").casefold()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no folder handles to sync)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
