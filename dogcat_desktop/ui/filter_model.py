"""Which photos the grid shows and in what order, without copying the rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from .results_model import ResultsModel, Row
from .style import STYLES

# Filter keys, in menu order, with their names: "all" shows every row, the others one status.
FILTERS: dict[str, str] = {
    "all": "All photos",
    **{status.value: style.plural for status, style in STYLES.items()},
}

SORT_ORDERS: dict[str, str] = {"name": "Name", "confidence": "Least sure first"}
DEFAULT_ORDER = "confidence"
UNSETTLED = 1.5  # while the order is held: after every settled photo, before errors


class ResultsFilter(QSortFilterProxyModel):
    """Filter by display status; sort by file name or by the model's confidence.

    Filtering is dynamic, so a photo marked while the 'Unsure' filter is on leaves the view and
    the next one comes up: reviewing is one key press per photo. By name, the rows keep the
    scan's own order, which is the listing's (names without regard to case, folder by folder):
    sorting 100,000 rows again through Python comparisons froze the window for seconds.

    While a scan runs, least sure first holds its order (``hold_order``): a photo keeps its
    place as its result comes in, so nothing moves under the pointer; ``settle_order`` sorts
    for real, at the scan's end or when the person asks (F5).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._status = "all"
        self._order = "name"
        # While held: the confidence each settled photo is sorted by; others are UNSETTLED.
        self._held: dict[Path, float] | None = None
        self.setDynamicSortFilter(True)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._sort()

    @property
    def status_filter(self) -> str:
        return self._status

    @property
    def sort_order(self) -> str:
        return self._order

    def set_status_filter(self, status: str) -> None:
        if status not in FILTERS:
            raise ValueError(f"unknown filter {status!r}")
        if status != self._status:
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_sort_order(self, order: str) -> None:
        if order not in SORT_ORDERS:
            raise ValueError(f"unknown sort order {order!r}")
        if order != self._order:
            self._order = order
            if self._held is not None:
                self._held = self._live_keys()  # chosen now: sort what is known so far
            self.invalidate()
            self._sort()

    @property
    def order_held(self) -> bool:
        return self._held is not None

    def hold_order(self) -> None:
        """A scan starts: rows stay where they are as results arrive, until ``settle_order``."""
        self._held = self._live_keys()

    def settle_order(self, keep_holding: bool = False) -> None:
        """Sort by what is known now; with ``keep_holding`` later results join after these
        without moving them (the scan goes on), else the order is live again (it ended)."""
        self._held = self._live_keys() if keep_holding else None
        if self._order == "confidence":
            self.invalidate()
            self._sort()

    def _live_keys(self) -> dict[Path, float]:
        model = self.sourceModel()
        if model is None:
            return {}
        return {row.path: self._confidence_key(row) for row in model.rows() if not row.waiting}

    def _sort(self) -> None:
        self.sort(0 if self._order == "confidence" else -1)

    def sourceModel(self) -> ResultsModel:  # noqa: N802
        return super().sourceModel()  # type: ignore[return-value]

    def filterAcceptsRow(  # noqa: N802
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if self._status == "all":
            return True
        model = self.sourceModel()
        row = model.row(source_row)
        return not row.waiting and row.status(model.threshold) == self._status

    def lessThan(  # noqa: N802
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        a, b = model.row(left.row()), model.row(right.row())
        if self._order == "confidence" and self._held is not None:
            key_a, key_b = self._held.get(a.path, UNSETTLED), self._held.get(b.path, UNSETTLED)
            if key_a != key_b:
                return key_a < key_b
            return left.row() < right.row()  # the listing's order, as they were placed
        if self._order == "confidence":
            key_a, key_b = self._confidence_key(a), self._confidence_key(b)
            if key_a != key_b:
                return key_a < key_b
        return str(a.path).lower() < str(b.path).lower()

    @staticmethod
    def _confidence_key(row: Row) -> float:
        """Photos the personal layer changed first (to be confirmed with one key each), then
        the least sure; errors last: they cannot be sorted whatever the confidence."""
        confidence = row.confidence
        if confidence is None:
            return 2.0
        return confidence - 1.0 if row.learnt else confidence
