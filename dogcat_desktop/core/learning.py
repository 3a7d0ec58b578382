"""The personal layer wired once for the window and the CLI: its file, its fit, its predictions.

Both front ends set labels through ``LabelBook`` (the corrections store keeps the label of each
file version, the personal store the training example), so a label set with ``dogcat-sorter-cli
label`` teaches the window exactly what a key press in the window would, and the other way round.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .corrections import CorrectionStore, FileVersion
from .paths import user_data_dir
from .personal import (
    FILE_NAME,
    PersonalFileError,
    PersonalLayer,
    PersonalState,
    PersonalStore,
    TrainingSet,
)
from .personal.means import SpeciesMeans, Tally
from .pipeline import Reviewed
from .scan import ScanResult

try:  # POSIX: one writer at a time between the window and the CLI
    import fcntl
except ImportError:  # pragma: no cover - Windows: reload-then-save alone narrows the race
    fcntl = None  # type: ignore[assignment]

BATCH = 64  # photos predicted together: numpy's cost is per call, not per photo


def personal_key(path: str | os.PathLike[str]) -> str:
    """How the training set names a photo: its absolute path, as the corrections store does."""
    return os.path.abspath(path)


def open_personal_store() -> PersonalStore:
    """The user's one personal layer file, next to the corrections."""
    return PersonalStore(user_data_dir() / FILE_NAME)


@dataclass(frozen=True)
class Loaded:
    """The saved state (None when the file cannot be used) and the layer fitted from it."""

    state: PersonalState | None
    layer: PersonalLayer


def load_layer(
    store: PersonalStore,
    model_id: str,
    *,
    enabled: bool = True,
    prior: SpeciesMeans | None = None,
) -> Loaded:
    """Load and fit; a damaged file gives a layer that is not used and says why.

    ``enabled=False`` (``--no-personal``) leaves the file unread and the bundled model alone;
    ``prior``: the bundled model's own species means (``means.bundled_means``).
    """
    if not enabled:
        return Loaded(None, PersonalLayer.fit(TrainingSet(model_id), enabled=False))
    try:
        state = store.load(model_id)
    except PersonalFileError as exc:
        return Loaded(None, PersonalLayer.unavailable(str(exc)))
    return Loaded(state, fit_state(state, prior))


def fit_state(state: PersonalState, prior: SpeciesMeans | None = None) -> PersonalLayer:
    """The layer a saved state gives: its labels, switch and the species' means, with the
    bundled model's (``prior``) counted in until the user's own photos are many."""
    means = state.means.with_prior(prior)
    return PersonalLayer.fit(state.training, enabled=state.enabled, means=means)


def with_this_folder(
    loaded: Loaded, counted: Tally, prior: SpeciesMeans | None = None
) -> PersonalLayer | None:
    """The layer refitted with the photos just scanned counted in the species' means, for a
    decision taken after the scan (a sort's plan): a folder's own cats tell its named cats apart
    better than the means kept so far, which may be the bundled model's alone. Only the names
    can differ from ``loaded``'s layer. None when it names no pets or the scan counted nothing."""
    state = loaded.state
    if state is None or not loaded.layer.names or not counted.counts.any():
        return None
    return fit_state(replace(state, means=state.means.plus(counted.means())), prior)


def renamed(items: Sequence[Reviewed], layer: PersonalLayer) -> list[Reviewed]:
    """``items`` predicted again by ``layer`` (see ``with_this_folder``)."""
    return _predicted(items, layer)


def tally(counted: Tally, result: ScanResult) -> None:
    """Count a scanned photo towards the species' means, by the bundled model's label."""
    if result.embedding is not None and result.prediction is not None:
        counted.add(np.asarray(result.embedding), result.prediction.label)


def is_trivial(layer: PersonalLayer) -> bool:
    """True when the layer would only repeat the bundled model (nothing learnt, or off)."""
    return layer.species is None and not layer.names


def attach_personal(
    items: Iterable[Reviewed], layer: PersonalLayer | None, batch: int = BATCH
) -> Iterator[Reviewed]:
    """Each item with the personal layer's prediction, predicted a batch at a time; items
    without an embedding (unreadable, or a cache from before embeddings) keep none."""
    if layer is None or is_trivial(layer):
        yield from items
        return
    pending: list[Reviewed] = []
    for item in items:
        pending.append(item)
        if len(pending) >= batch:
            yield from _predicted(pending, layer)
            pending = []
    yield from _predicted(pending, layer)


def _predicted(items: Sequence[Reviewed], layer: PersonalLayer) -> list[Reviewed]:
    rows = [
        i
        for i, item in enumerate(items)
        if item.result.prediction is not None and item.result.embedding is not None
    ]
    if not rows:
        return list(items)
    embeddings = np.stack([np.asarray(items[i].result.embedding, np.float32) for i in rows])
    probabilities = np.array([items[i].result.prediction.probabilities for i in rows])  # type: ignore[union-attr]
    found = dict(zip(rows, layer.predict(embeddings, probabilities), strict=True))
    return [replace(item, personal=found.get(i)) for i, item in enumerate(items)]


@dataclass(frozen=True)
class Example:
    """One label to set: the photo's version, the label (None clears it), and for a label its
    embedding and the bundled model's probabilities."""

    version: FileVersion
    label: str | None
    embedding: np.ndarray | None = None
    probabilities: Sequence[float] | None = None


class LabelBook:
    """Sets a person's labels in both stores: the corrections (what a photo is) and the
    personal layer's training set (what the layer learns from)."""

    def __init__(
        self, corrections: CorrectionStore | None, store: PersonalStore, model_id: str
    ) -> None:
        self.corrections = corrections
        self.store = store
        self.model_id = model_id

    def set(self, examples: Sequence[Example]) -> PersonalState:
        """Write the labels; raises ``LabelError`` for a bad label before anything is written,
        ``PersonalFileError`` when the personal file is damaged (the corrections are then set
        and the layer does not learn until it is reset)."""
        for example in examples:
            if example.label is not None and example.embedding is None:
                raise ValueError(f"{example.version.path} has no embedding to learn from")
        if self.corrections is not None:
            self.corrections.set_many([(e.version, e.label) for e in examples])
        cleared = [personal_key(e.version.path) for e in examples if e.label is None]
        added = [
            (personal_key(e.version.path), e.label, e.embedding, e.probabilities)
            for e in examples
            if e.label is not None
        ]
        return self.update(lambda training: training.without(cleared).with_labels(added))  # type: ignore[arg-type]

    def update(
        self,
        change: Callable[[TrainingSet], TrainingSet] = lambda training: training,
        enabled: bool | None = None,
        pets: Sequence[str] = (),
        seen: SpeciesMeans | None = None,
    ) -> PersonalState:
        """Reload, change and save, holding a lock, so the window and the CLI never lose each
        other's labels; ``pets`` (``dog/Rex``) are pets named before any photo has the name,
        ``seen`` the species' means of photos just scanned, added to the kept ones."""
        with _locked(self.store.path):
            state = self.store.load(self.model_id)
            state = PersonalState(
                change(state.training),
                state.enabled if enabled is None else enabled,
                state.pets,
                state.means if seen is None else state.means.plus(seen),
            ).with_pets(pets)
            self.store.save(state)
        return state

    def follow(self, moves: Iterable[tuple[Path, Path]]) -> None:
        """Re-key the training examples of photos a sort or an undo moved."""
        pairs = [(personal_key(old), personal_key(new)) for old, new in moves]
        if pairs:
            self.update(lambda training: training.follow(pairs))

    def refill(self, items: Iterable[Reviewed]) -> int:
        """Learn again from labelled photos whose embeddings an older model made, as scans with
        the current one give new ones; returns how many were refilled."""
        try:
            state = self.store.load(self.model_id)
        except PersonalFileError:
            return 0
        waiting = dict(state.training.missing())
        if not waiting:
            return 0
        found = [
            (key, waiting[key], item.result.embedding, item.result.prediction.probabilities)
            for item in items
            if item.result.embedding is not None
            and item.result.prediction is not None
            and (key := personal_key(item.result.path)) in waiting
        ]
        if found:
            self.update(lambda training: training.with_labels(found))  # type: ignore[arg-type]
        return len(found)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(path.with_name(f".{path.name}.lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
