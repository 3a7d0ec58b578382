"""The grid's order, computed in one Python ``sorted()`` and handed to Qt as a permutation.

A QSortFilterProxyModel with a Python ``lessThan`` pays a Python call per comparison: sorting
100,000 rows least sure first blocked the window ~10 s when a scan ended, and a trivial
``lessThan`` alone cost 3.5 s. Here each row's key is computed once (a float), the rows are
sorted by it once (stable, so ties keep the listing's order), and the result is given to the
views as a layout change with the persistent indexes (selection, current photo) moved along.
``ResultsFilter`` sits on top and only filters.

Orders: ``name`` keeps the source's own order (the listing's); ``confidence`` is
``confidence_key`` ascending. While held (a scan runs) a row is sorted by the key it had when
the order was held or settled, ``UNSETTLED`` if it had none, so nothing moves as results arrive.
In the live order a photo whose key changes (a label on one the personal layer had changed) is
taken out and put back by binary search; many at once (a refit, a new threshold): one sort.
Each is one layout change, after which the filter above re-maps every row (about 0.1 s at
100,000 photos, where the old proxy moved one row in under 0.01 s: the price of the fix).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    SignalInstance,
)

from .results_model import ResultsModel, Row, runs_from_last

AnyIndex = QModelIndex | QPersistentModelIndex
UNSETTLED = 1.5  # while the order is held: after every settled photo, before errors


def confidence_key(row: Row) -> float:
    """Photos the personal layer changed first (to be confirmed with one key each), then the
    least sure; errors (and photos not classified yet) last: they cannot be sorted."""
    confidence = row.confidence
    if confidence is None:
        return 2.0
    return confidence - 1.0 if row.learnt else confidence


class ResultsOrder(QAbstractProxyModel):
    """A flat permutation of a ResultsModel: ``_perm[proxy row] = source row``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._order = "name"
        self._held: dict[Path, float] | None = None  # path -> key while the order is held
        self._perm: list[int] = []  # proxy row -> source row
        self._inv: list[int] = []  # source row -> proxy row
        self._keys: list[float] = []  # source row -> the key it is placed by
        self.sorts = 0  # full sorts done (tests count them)

    # Source ------------------------------------------------------------------------------------

    def setSourceModel(self, model: ResultsModel) -> None:  # type: ignore[override]  # noqa: N802
        old: ResultsModel | None = self.results()
        if old is not None:
            for signal, slot in self._wiring(old):
                signal.disconnect(slot)
        self.beginResetModel()
        super().setSourceModel(model)
        for signal, slot in self._wiring(model):
            signal.connect(slot)
        self._rebuild()
        self.endResetModel()

    def _wiring(self, model: ResultsModel) -> list[tuple[SignalInstance, Callable[..., object]]]:
        return [
            (model.rowsInserted, self._inserted),
            (model.rowsAboutToBeRemoved, self._about_to_remove),
            (model.rowsRemoved, self._removed),
            (model.dataChanged, self._data_changed),
            (model.modelAboutToBeReset, self.beginResetModel),
            (model.modelReset, self._reset),
        ]

    def results(self) -> ResultsModel:
        return super().sourceModel()  # type: ignore[return-value]

    def _rows(self) -> Sequence[Row]:
        model = self.results()
        return model.rows() if model is not None else []

    # Qt interface ------------------------------------------------------------------------------

    def index(self, row: int, column: int = 0, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or column != 0 or not 0 <= row < len(self._perm):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, _index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._perm)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 1

    def mapToSource(self, index: AnyIndex) -> QModelIndex:  # noqa: N802
        if not index.isValid() or index.row() >= len(self._perm):
            return QModelIndex()
        return self.results().index(self._perm[index.row()])

    def mapFromSource(self, index: AnyIndex) -> QModelIndex:  # noqa: N802
        if not index.isValid() or index.row() >= len(self._inv):
            return QModelIndex()
        return self.createIndex(self._inv[index.row()], 0)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._perm):
            return None
        model = self.results()
        return model.data(model.index(self._perm[index.row()]), role)

    def source_row(self, row: int) -> int:
        return self._perm[row]

    # Order -------------------------------------------------------------------------------------

    @property
    def order(self) -> str:
        return self._order

    @property
    def held(self) -> bool:
        return self._held is not None

    def set_order(self, order: str) -> None:
        self._order = order
        if self._held is not None:
            self._held = self._live_keys()  # chosen now: sort what is known so far
        self._resort()

    def hold(self) -> None:
        """Rows stay where they are as results arrive, until ``settle``."""
        self._held = self._live_keys()
        self._keys = [self._key(n, row) for n, row in enumerate(self._rows())]

    def settle(self, keep_holding: bool = False) -> None:
        self._held = self._live_keys() if keep_holding else None
        if self._order != "name":
            self._resort()

    def _live_keys(self) -> dict[Path, float]:
        return {row.path: confidence_key(row) for row in self._rows() if not row.waiting}

    def _key(self, number: int, row: Row) -> float:
        if self._order == "name":
            return float(number)
        if self._held is not None:
            return self._held.get(row.path, UNSETTLED)
        return confidence_key(row)

    def _rebuild(self) -> None:
        """The order from scratch, without telling anyone (inside a reset)."""
        self._keys = [self._key(n, row) for n, row in enumerate(self._rows())]
        self._perm = self._sorted()
        self._inv = self._inverse(self._perm)

    def _resort(self) -> None:
        """Sort every row by its key again: one ``sorted()``, one layout change."""
        self._keys = [self._key(n, row) for n, row in enumerate(self._rows())]
        self._relayout(self._sorted())

    def _sorted(self) -> list[int]:
        """Source rows by key (stable: ties keep the listing's order)."""
        self.sorts += 1
        return sorted(range(len(self._keys)), key=self._keys.__getitem__)

    def _relayout(self, perm: list[int]) -> None:
        if perm == self._perm:
            return
        self.layoutAboutToBeChanged.emit()
        old_perm = self._perm
        self._perm, self._inv = perm, self._inverse(perm)
        before = self.persistentIndexList()
        after = [
            self.createIndex(self._inv[old_perm[index.row()]], index.column()) for index in before
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _move(self, number: int) -> None:
        """Source row ``number``'s key changed in the live order: take it out and put it back
        by binary search (the rest is sorted by key, then listing order), no full sort."""
        keys, perm = self._keys, self._perm[:]
        del perm[self._inv[number]]
        place = bisect_left(perm, (keys[number], number), key=lambda other: (keys[other], other))
        perm.insert(place, number)
        self._relayout(perm)

    @staticmethod
    def _inverse(perm: list[int]) -> list[int]:
        inverse = [0] * len(perm)
        for position, number in enumerate(perm):
            inverse[number] = position
        return inverse

    # Source changes ----------------------------------------------------------------------------

    def _reset(self) -> None:
        self._rebuild()
        self.endResetModel()

    def _inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        if first < len(self._keys):  # not at the end: rows after shift (ResultsModel appends)
            self._perm = [n + count if n >= first else n for n in self._perm]
        rows = self._rows()
        if self._order == "name":
            self._keys = [float(n) for n in range(len(rows))]
        else:
            self._keys[first:first] = [self._key(n, rows[n]) for n in range(first, last + 1)]
        new_keys = self._keys[first : last + 1]
        placed = [self._keys[n] for n in self._perm]
        positions = {bisect_right(placed, key) for key in new_keys}
        position = positions.pop() if len(positions) == 1 else len(self._perm)
        block = sorted(range(first, last + 1), key=self._keys.__getitem__)
        self.beginInsertRows(QModelIndex(), position, position + count - 1)
        self._perm[position:position] = block
        self._inv = self._inverse(self._perm)
        self.endInsertRows()
        if positions:  # the new rows belong in different places: sort them in
            self._resort()

    def _about_to_remove(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        for start, end in runs_from_last(sorted(self._inv[first : last + 1])):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._perm[start : end + 1]
            self.endRemoveRows()
        # Until the source has removed them, the rows left keep their old numbers.

    def _removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        self._perm = [n - count if n > last else n for n in self._perm]
        self._inv = self._inverse(self._perm)
        del self._keys[first : last + 1]
        if self._order == "name":
            self._keys = [float(n) for n in range(len(self._keys))]

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
        first, last = top.row(), bottom.row()
        if self._order != "name" and self._held is None:
            rows = self._rows()
            moved = False
            for n in range(first, last + 1):
                key = confidence_key(rows[n])
                if key != self._keys[n]:
                    self._keys[n], moved = key, True
            if moved and first == last:
                self._move(first)
            elif moved:  # many at once (a refit, a new threshold): sort again
                self._relayout(self._sorted())
        if first == last:
            index = self.createIndex(self._inv[first], 0)
            self.dataChanged.emit(index, index, roles)
        elif self._perm:
            self.dataChanged.emit(self.index(0), self.index(len(self._perm) - 1), roles)
