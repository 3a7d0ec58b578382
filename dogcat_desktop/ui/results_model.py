"""The scanned photos as a Qt list model: one row per file, with the person's correction and
the personal layer's prediction (recomputed for every row when the layer is refitted)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from ..core.classifier import DEFAULT_THRESHOLD
from ..core.corrections import FileVersion
from ..core.learning import is_trivial
from ..core.personal import PersonalLayer, PersonalPrediction, Source, format_label
from ..core.review import ReviewStatus, pet_name, review_status, sort_status
from ..core.scan import ScanResult
from .plain_text import tooltip
from .style import style_of

AnyIndex = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    """Custom data roles.

    Python code (the delegate, tests) reads ``ROW`` and takes what it needs from the Row: one
    call per paint instead of several, and no None crossing QVariant. The
    other roles serve views written in C++ or QML.
    """

    LABEL = Qt.ItemDataRole.UserRole + 1  # effective label: correction, else model's; None if error
    STATUS = LABEL + 1  # the ReviewStatus
    CONFIDENCE = LABEL + 2  # model's confidence in its label, None for errors
    PROBABILITIES = LABEL + 3  # (dog, cat, other) or None
    CORRECTED = LABEL + 4  # bool
    PATH = LABEL + 5  # Path
    MODEL_LABEL = LABEL + 6  # the model's own label, None for errors
    RESULT = LABEL + 7  # the ScanResult
    ERROR = LABEL + 8  # error text or None
    THUMBNAIL = LABEL + 9  # JPEG bytes kept in the row, or None (then fetched from the cache)
    ROW = LABEL + 10  # the Row itself; never None for a valid index
    CAPTION = LABEL + 11  # the name under the thumbnail: with its folder when names repeat
    NAME = LABEL + 12  # a named pet, or None
    SOURCE = LABEL + 13  # "you", "personal" or "model"; None for errors
    LEARNT = LABEL + 14  # bool: the personal layer changed this photo's label (shown first)


@dataclass
class Row:
    """One photo. ``result`` may have its thumbnail dropped to bound memory (see thumbnails)."""

    result: ScanResult
    mtime_ns: int = 0
    correction: str | None = None  # the person's label: dog, cat, other, dog/NAME or cat/NAME
    personal: PersonalPrediction | None = None  # the personal layer's, while it has learnt any

    @property
    def path(self) -> Path:
        return self.result.path

    @property
    def version(self) -> FileVersion:
        return FileVersion(self.result.path, self.result.size, self.mtime_ns)

    @property
    def waiting(self) -> bool:
        """Listed but not classified yet: a placeholder the scan fills in."""
        return self.result.prediction is None and self.result.error is None

    @property
    def label(self) -> str | None:
        if self.result.prediction is None:
            return None
        if self.correction:
            return self.correction.partition("/")[0]  # a named pet is its species
        return self.personal.label if self.personal else self.result.prediction.label

    @property
    def confidence(self) -> float | None:
        """How sure the label's source is (the personal layer's where it has spoken)."""
        if self.result.prediction is None:
            return None
        return self.personal.confidence if self.personal else self.result.prediction.confidence

    @property
    def probabilities(self) -> tuple[float, ...] | None:
        if self.result.prediction is None:
            return None
        return (
            self.personal.probabilities if self.personal else self.result.prediction.probabilities
        )

    @property
    def source(self) -> Source | None:
        if self.result.prediction is None:
            return None
        if self.correction:
            return Source.YOU
        return self.personal.source if self.personal else Source.MODEL

    @property
    def learnt(self) -> bool:
        """The personal layer says something the bundled model did not (another label, or a
        pet's name) and the person has not confirmed it yet: these come first for review."""
        personal = self.personal
        if self.correction or personal is None:
            return False
        return personal.changed or personal.name is not None

    def status(self, threshold: float) -> ReviewStatus:
        return review_status(self.result, self.correction, threshold, self.personal)

    def name(self, threshold: float) -> str | None:
        """The named pet this photo is, when it is one (the person's, or a confident guess)."""
        return pet_name(self.status(threshold), self.correction, self.personal)

    def sort_status(self, threshold: float) -> str:
        """What a sort moves it by: the status, or ``dog/Rex`` for ``dogs/Rex/``."""
        return sort_status(self.status(threshold), self.correction, self.personal)


def runs_from_last(numbers: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in a sorted list, the last run first:
    rows removed in that order keep the numbers of the runs still to remove."""
    runs = []
    numbers = numbers[:]
    while numbers:
        last = numbers.pop()
        first = last
        while numbers and numbers[-1] == first - 1:
            first = numbers.pop()
        runs.append((first, last))
    return runs


def slim(result: ScanResult, keep_thumbnail: bool) -> ScanResult:
    """Drop what the grid does not need per row (the thumbnail when cached). The embedding
    stays (2.5 kB a photo): the personal layer predicts from it after every label."""
    if keep_thumbnail or result.thumbnail is None:
        return result
    return dataclasses.replace(result, thumbnail=None)


class ResultsModel(QAbstractListModel):
    """Rows in scan order; rows are found by path for corrections that outlive a re-scan."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._by_path: dict[Path, int] = {}
        self._threshold = DEFAULT_THRESHOLD
        self.root: Path | None = None  # the folder scanned, for showing subfolders
        self._names: Counter[str] = Counter()
        self._layer: PersonalLayer | None = None

    # Qt interface ------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        result = row.result
        prediction = result.prediction
        if role == Qt.ItemDataRole.DisplayRole:
            return result.path.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self._tooltip(row))
        if role == Role.LABEL:
            return row.label
        if role == Role.STATUS:
            return row.status(self._threshold)
        if role == Role.CONFIDENCE:
            return row.confidence
        if role == Role.PROBABILITIES:
            return row.probabilities
        if role == Role.NAME:
            return row.name(self._threshold)
        if role == Role.SOURCE:
            return str(row.source) if row.source else None
        if role == Role.LEARNT:
            return row.learnt
        if role == Role.CORRECTED:
            return row.correction is not None
        if role == Role.PATH:
            return result.path
        if role == Role.MODEL_LABEL:
            return prediction.label if prediction else None
        if role == Role.RESULT:
            return result
        if role == Role.ERROR:
            return result.error
        if role == Role.THUMBNAIL:
            return result.thumbnail
        if role == Role.ROW:
            return row
        if role == Role.CAPTION:
            return self.caption(row)
        return None

    def folder_of(self, row: Row) -> str:
        """The photo's subfolder below the scanned folder ('trip/day 2'), '' at the top."""
        if self.root is None:
            return ""
        try:
            relative = row.path.parent.relative_to(self.root)
        except ValueError:
            return ""
        return "" if relative == Path(".") else relative.as_posix()

    def caption(self, row: Row) -> str:
        """The file name, led by its folder when another photo has the same name."""
        name = row.path.name
        folder = self.folder_of(row) if self._names[name] > 1 else ""
        return f"{folder}/{name}" if folder else name

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:  # noqa: N802
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(role.name.lower().encode()) for role in Role})
        return names

    # Rows --------------------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        return self._threshold

    def set_threshold(self, threshold: float) -> None:
        """A new 'unsure below' value changes every row's status, not its data."""
        if threshold == self._threshold:
            return
        self._threshold = threshold
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Role.STATUS])

    def rows(self) -> Sequence[Row]:
        return self._rows

    def row(self, number: int) -> Row:
        return self._rows[number]

    def row_for_path(self, path: Path) -> int | None:
        return self._by_path.get(Path(path))

    def add_waiting(self, paths: Sequence[Path]) -> None:
        """A placeholder row for each photo a scan found, so the whole grid can be scrolled
        before it is classified; ``append`` fills them in. Photos already shown are skipped."""
        known = self._by_path
        self.append([Row(ScanResult(p, None, None, None)) for p in paths if p not in known])

    def set_layer(self, layer: PersonalLayer | None) -> list[int]:
        """Predict every row again with a newly fitted personal layer; returns the rows whose
        label or name changed."""
        self._layer = layer
        before = [(row.label, row.name(self._threshold)) for row in self._rows]
        self._predict(self._rows)
        changed = [
            n
            for n, row in enumerate(self._rows)
            if (row.label, row.name(self._threshold)) != before[n]
        ]
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))
        return changed

    def _predict(self, rows: Sequence[Row]) -> None:
        """Each row's personal prediction (None while the layer only repeats the model)."""
        layer = self._layer
        usable = [
            row
            for row in rows
            if row.result.prediction is not None and row.result.embedding is not None
        ]
        if layer is None or is_trivial(layer):
            for row in rows:
                row.personal = None
            return
        if not usable:
            return
        embeddings = np.stack([np.asarray(row.result.embedding, np.float32) for row in usable])
        probabilities = np.array([row.result.prediction.probabilities for row in usable])  # type: ignore[union-attr]
        for row, prediction in zip(usable, layer.predict(embeddings, probabilities), strict=True):
            row.personal = prediction

    def append(self, rows: Sequence[Row]) -> None:
        """New rows go at the end; a row for a path still waiting takes its place."""
        self._predict(rows)
        new: list[Row] = []
        for row in rows:
            number = self._by_path.get(row.path)
            if number is not None and self._rows[number].waiting:
                self._rows[number] = row
                index = self.index(number)
                self.dataChanged.emit(index, index)
            else:
                new.append(row)
        if not new:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for offset, row in enumerate(new):
            self._by_path[row.path] = first + offset
            self._names[row.path.name] += 1
        self._rows.extend(new)
        self.endInsertRows()

    def drop_waiting(self) -> None:
        """Remove the placeholders a stopped scan never filled in."""
        numbers = [n for n, row in enumerate(self._rows) if row.waiting]
        for first, last in runs_from_last(numbers):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        self._by_path = {row.path: n for n, row in enumerate(self._rows)}
        self._names = Counter(row.path.name for row in self._rows)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._by_path = {}
        self._names = Counter()
        self.endResetModel()

    def set_corrections(self, changes: Iterable[tuple[Path, str | None]]) -> None:
        """Apply corrections to the rows that are shown; unknown paths are ignored."""
        for path, label in changes:
            number = self._by_path.get(Path(path))
            if number is None or self._rows[number].result.prediction is None:
                continue
            self._rows[number].correction = label
            index = self.index(number)
            self.dataChanged.emit(
                index,
                index,
                [Role.LABEL, Role.STATUS, Role.CORRECTED, Role.NAME, Role.SOURCE, Role.LEARNT],
            )

    def counts(self) -> Counter[ReviewStatus]:
        """Rows per display status, for the status bar and the filter list."""
        threshold = self._threshold
        return Counter(row.status(threshold) for row in self._rows if not row.waiting)

    def pet_counts(self) -> Counter[str]:
        """Rows per named pet (``cat/Luna``), the person's and the suggested, for Show."""
        threshold = self._threshold
        counted: Counter[str] = Counter()
        for row in self._rows:
            name = None if row.waiting else row.name(threshold)
            if name is not None and row.label is not None:
                counted[format_label(row.label, name)] += 1
        return counted

    def _tooltip(self, row: Row) -> str:
        result = row.result
        folder = self.folder_of(row)
        where = f"{result.path}" + (f"\nIn {folder}/" if folder else "")
        if row.waiting:
            return f"{where}\nNot classified yet"
        if result.prediction is None:
            return f"{where}\nCould not be read: {result.error}"
        p_dog, p_cat, p_other = row.probabilities or (0.0, 0.0, 0.0)
        lines = [
            where,
            f"Dog {p_dog:.0%} · Cat {p_cat:.0%} · Neither {p_other:.0%}",
        ]
        name = row.name(self._threshold)
        shown = style_of(row.label or "other").name + (f" ({name})" if name else "")
        if row.correction:
            lines.append(f"Marked as {shown} by you")
        elif row.source == Source.PERSONAL:
            lines.append(f"{shown}: learnt from your labels")
        return "\n".join(lines)
