"""The personal layer in the window: every label set feeds it, and the grid follows its answers.

A label is saved and the layer refitted on a background thread (well under a second), then every
row is predicted again; labels set meanwhile wait and go in together with the next refit, so
refits never overlap and the file is written by one thread at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from ..core.corrections import FileVersion
from ..core.learning import LabelBook, fit_state, open_personal_store, personal_key, tally
from ..core.personal import (
    PersonalFileError,
    PersonalLayer,
    PersonalState,
    TrainingSet,
    check_name,
    format_label,
    parse_label,
)
from ..core.personal.labels import SPECIES
from ..core.personal.means import BundledMeansError, SpeciesMeans, Tally, bundled_means
from ..core.scan import ScanResult
from .session import Session
from .workers import Task

Change = Callable[[TrainingSet], TrainingSet]


@dataclass(frozen=True)
class Refit:
    """What one background refit gives back."""

    state: PersonalState | None  # None when the file cannot be used
    layer: PersonalLayer


class LearningController(QObject):
    """Owns the window's personal layer: loads it with the model, refits after labels."""

    layer_changed = Signal(object)  # PersonalLayer, after the grid was predicted again
    pets_changed = Signal()  # the list of named pets changed

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self.store = open_personal_store()
        self.layer = PersonalLayer.unavailable("it is loaded with the model")
        self.state: PersonalState | None = None
        self.created: list[tuple[str, str]] = []  # pets made with New Pet… in this session
        self._new_pets: list[str] = []  # of those, the ones waiting to be saved
        # Scanned photos waiting to count in the species' means (counted on the refit's thread:
        # 100,000 photos took about a second).
        self._seen: list[ScanResult] = []
        self._model_id: str | None = None
        self._prior: SpeciesMeans | None = None  # the bundled model's species means
        self._changes: list[Change] = []
        self._enabled: bool | None = None
        self._reset = False
        self._running = False
        self._closed = False
        self._problem_said = False
        session.model_ready.connect(self._model_ready)
        session.labels_changed.connect(self.learn)
        session.files_moved.connect(self.follow)

    # What the window asks -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.state.enabled if self.state is not None else True

    @property
    def busy(self) -> bool:
        """A refit runs or waits (tests wait for this to clear)."""
        return self._running or self._pending()

    def _pending(self) -> bool:
        """Something waits to be saved: labels, the switch, a reset or a new pet."""
        waiting = self._changes or self._new_pets or self._seen
        return bool(waiting) or self._reset or self._enabled is not None

    def pet_labels(self) -> list[str]:
        """The named pets' labels (``cat/Luna``), in the order of ``pets`` and of keys 1 to 9."""
        return [format_label(species, name) for species, name in self.pets()]

    def pets(self) -> list[tuple[str, str]]:
        """(species, name) of every named pet: those with labelled photos, then new ones."""
        known: list[tuple[str, str]] = []
        if self.state is not None:
            for species in SPECIES:
                known.extend((species, name) for name in self.state.training.names(species))
            for label in self.state.pets:
                species, name = parse_label(label)
                known.append((species, name or ""))
        found: dict[tuple[str, str], tuple[str, str]] = {}
        for species, name in known + self.created:
            found.setdefault((species, name.casefold()), (species, name))
        return list(found.values())

    def add_pet(self, species: str, name: str) -> str:
        """Remember a new named pet (``dog/Rex``) before any photo has its name; returns the
        label, using the existing spelling when the name differs only by case."""
        name = check_name(name)
        for known_species, known in self.pets():
            if known_species == species and known.casefold() == name.casefold():
                return format_label(species, known)
        self.created.append((species, name))
        self._new_pets.append(format_label(species, name))
        self.pets_changed.emit()
        self._start()  # saved with the layer, so the pet is there after a restart
        return format_label(species, name)

    def learn(self, changes: Sequence[tuple[FileVersion, str | None]]) -> None:
        """Labels set (None: cleared) in the window: learnt from with each photo's embedding."""
        results = self.session.results
        cleared: list[str] = []
        added = []
        for version, label in changes:
            key = personal_key(version.path)
            number = results.row_for_path(version.path)
            row = results.row(number) if number is not None else None
            cleared.append(key)
            if label is None or row is None:
                continue
            prediction, embedding = row.result.prediction, row.result.embedding
            if prediction is not None and embedding is not None:
                added.append((key, label, embedding, np.asarray(prediction.probabilities)))
        self._queue(lambda training: training.without(cleared).with_labels(added))

    def follow(self, moves: Sequence[tuple[Path, Path]]) -> None:
        """Photos a sort or an undo moved keep their labels in the training set."""
        pairs = [(personal_key(old), personal_key(new)) for old, new in moves]
        if pairs:
            self._queue(lambda training: training.follow(pairs))

    def refill(self) -> None:
        """After a scan: the photos count towards the species' means named pets are told apart
        against, and labels made under an older model learn again from new embeddings."""
        scanned = [
            row.result
            for row in self.session.results.rows()
            if row.result.embedding is not None
            and row.result.prediction is not None
            and row.result.prediction.label in SPECIES
        ]
        if scanned:
            self._seen.extend(scanned)
            self._start()
        if self.state is None or not self.state.training.missing():
            return
        waiting = dict(self.state.training.missing())
        found = []
        for row in self.session.results.rows():
            key = personal_key(row.path)
            if key in waiting and row.result.embedding is not None and row.result.prediction:
                probabilities = np.asarray(row.result.prediction.probabilities)
                found.append((key, waiting[key], row.result.embedding, probabilities))
        if found:
            self._queue(lambda training: training.with_labels(found))

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        self._start()

    def reset(self) -> None:
        """Forget every label learnt (the labels on the photos stay)."""
        self._reset = True
        self._changes.clear()
        self.created.clear()
        self._new_pets.clear()
        self._start()

    def stop(self) -> None:
        """When the window closes: no refit starts any more (its thread would outlive the
        window); the one running is waited for, and labels still waiting are saved now."""
        self._closed = True
        self.session.wait_for_tasks()
        changes, self._changes = self._changes, []
        enabled, self._enabled = self._enabled, None
        reset, self._reset = self._reset, False
        pets, self._new_pets = self._new_pets, []
        seen = species_means(self._seen)
        self._seen = []
        if self._model_id is None or not (changes or enabled is not None or reset or pets or seen):
            return
        with contextlib.suppress(PersonalFileError, OSError):
            if reset:
                with contextlib.suppress(PersonalFileError):
                    self.store.load(self._model_id)
                self.store.reset()
            book = LabelBook(None, self.store, self._model_id)
            book.update(_composed(changes), enabled, pets, seen)

    # The background refit -------------------------------------------------------------------------

    def _model_ready(self) -> None:
        scanner = self.session.scanner
        if scanner is not None:
            self._model_id = scanner.classifier.model_id
            try:
                self._prior = bundled_means(scanner.classifier.model_dir)
            except BundledMeansError as exc:
                self._prior = None
                self.session.show_message(
                    QMessageBox.Icon.Warning,
                    "Named pets",
                    f"{exc}.",
                    "Your pets are told apart without the model's typical dog and cat until "
                    "the app is installed again.",
                )
            self._start()

    def _queue(self, change: Change) -> None:
        self._changes.append(change)
        self._start()

    def _start(self) -> None:
        if self._running or self._closed or self._model_id is None:
            return
        changes, self._changes = self._changes, []
        enabled, self._enabled = self._enabled, None
        reset, self._reset = self._reset, False
        pets, self._new_pets = self._new_pets, []
        scanned, self._seen = self._seen, []
        store, model_id, prior = self.store, self._model_id, self._prior
        self._running = True

        def refit(_task: Task) -> Refit:
            seen = species_means(scanned)
            try:
                if reset:
                    with contextlib.suppress(PersonalFileError):
                        store.load(model_id)  # a damaged file is set aside, not deleted
                    store.reset()
                book = LabelBook(None, store, model_id)
                if changes or enabled is not None or pets or seen is not None:
                    state = book.update(_composed(changes), enabled, pets, seen)
                else:
                    state = store.load(model_id)
            except PersonalFileError as exc:
                return Refit(None, PersonalLayer.unavailable(str(exc)))
            return Refit(state, fit_state(state, prior))

        self.session.run_task(refit, self._fitted, self._failed)

    def _fitted(self, refit: Refit) -> None:
        self._running = False
        pets_before = self.pets()
        self.state, self.layer = refit.state, refit.layer
        changed = self.session.results.set_layer(self.layer)
        problem = self.layer.status().problem
        if problem and not self._problem_said:
            self._problem_said = True
            self.session.show_message(
                QMessageBox.Icon.Warning,
                "Not learning from your labels",
                f"The personal layer cannot be used: {problem}.",
                "Your labels on the photos are kept. Edit › Reset What It Learnt starts the "
                "personal layer afresh (the damaged file is kept aside).",
            )
        elif not problem:
            self._problem_said = False
        if changed:
            count = len(changed)
            self.session.show_status(
                f"Learnt from your labels: {count} photo{'s' if count != 1 else ''} changed,"
                " shown first when ordered least sure first.",
                6000,
            )
        if self.pets() != pets_before:
            self.pets_changed.emit()
        self.layer_changed.emit(self.layer)
        if self._pending():
            self._start()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.session.show_status(f"Could not learn from your labels: {exc}", 8000)
        if self._pending():
            self._start()


def species_means(scanned: Sequence[ScanResult]) -> SpeciesMeans | None:
    """What scanned photos add to the species' means; None when none of them counts."""
    counted = Tally()
    for result in scanned:
        tally(counted, result)
    return counted.means() if counted.counts.any() else None


def _composed(changes: Sequence[Change]) -> Change:
    def apply(training: TrainingSet) -> TrainingSet:
        for change in changes:
            training = change(training)
        return training

    return apply
