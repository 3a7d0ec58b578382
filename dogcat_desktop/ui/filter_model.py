"""Which photos the grid shows and in what order, without copying the rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from ..core.personal import LabelError, parse_label
from .order_model import ResultsOrder
from .results_model import ResultsModel
from .style import STYLES

# Filter keys, in menu order, with their names: "all" shows every row, the others one status.
FILTERS: dict[str, str] = {
    "all": "All photos",
    **{status.value: style.plural for status, style in STYLES.items()},
}
# One more filter per named pet: "pet:cat/Luna" shows the photos of Luna, named by the person or
# suggested, so the suggestions can be checked one key each.
PET_FILTER = "pet:"


def pet_filter(label: str) -> str:
    """The filter key of a named pet's label (``cat/Luna``)."""
    return PET_FILTER + label


def filter_name(key: str) -> str:
    """What the filter is called: 'Unsure', or 'Luna (cat)' for a pet's."""
    if key.startswith(PET_FILTER):
        species, name = parse_label(key.removeprefix(PET_FILTER))
        return f"{name} ({species})"
    return FILTERS[key]


SORT_ORDERS: dict[str, str] = {"name": "Name", "confidence": "Least sure first"}
DEFAULT_ORDER = "confidence"


class ResultsFilter(QSortFilterProxyModel):
    """Filter by display status, over a ``ResultsOrder`` that sorts by name or confidence.

    Filtering is dynamic, so a photo marked while the 'Unsure' filter is on leaves the view and
    the next one comes up: reviewing is one key press per photo. This proxy never sorts
    (``sort(-1)``): the order below it is computed in one ``sorted()`` over precomputed keys,
    where a Python ``lessThan`` here froze the window for seconds at 100,000 photos.

    While a scan runs, least sure first holds its order (``hold_order``): a photo keeps its
    place as its result comes in, so nothing moves under the pointer; ``settle_order`` sorts
    for real, at the scan's end or when the person asks (F5).

    ``mapToSource``/``mapFromSource`` speak of the order model's rows; ``results_row`` and
    ``index_for_row`` of the ResultsModel's.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._status = "all"
        self._pet: tuple[str, str] = ("", "")  # while a pet's filter is on: (species, name)
        self._ordering = ResultsOrder(self)
        self.setDynamicSortFilter(True)
        self.sort(-1)

    def setSourceModel(self, model: ResultsModel) -> None:  # type: ignore[override]  # noqa: N802
        self._ordering.setSourceModel(model)
        super().setSourceModel(self._ordering)

    @property
    def ordering(self) -> ResultsOrder:
        return self._ordering

    def results(self) -> ResultsModel:
        return self._ordering.results()

    def results_row(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The ResultsModel row shown at this index (-1 for an invalid one)."""
        return self._ordering.mapToSource(self.mapToSource(index)).row()

    def index_for_row(self, number: int) -> QModelIndex:
        """The index showing ResultsModel row ``number``; invalid when filtered out."""
        results = self.results()
        return self.mapFromSource(self._ordering.mapFromSource(results.index(number)))

    @property
    def status_filter(self) -> str:
        return self._status

    @property
    def sort_order(self) -> str:
        return self._ordering.order

    def set_status_filter(self, status: str) -> None:
        """A status (``FILTERS``) or a named pet's filter (``pet_filter``)."""
        if status not in FILTERS:
            try:
                species, name = parse_label(status.removeprefix(PET_FILTER))
            except LabelError:
                species, name = "", None
            if not status.startswith(PET_FILTER) or name is None:
                raise ValueError(f"unknown filter {status!r}")
            self._pet = (species, name)
        if status != self._status:
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_sort_order(self, order: str) -> None:
        if order not in SORT_ORDERS:
            raise ValueError(f"unknown sort order {order!r}")
        if order != self._ordering.order:
            self._ordering.set_order(order)

    @property
    def order_held(self) -> bool:
        return self._ordering.held

    def hold_order(self) -> None:
        """A scan starts: rows stay where they are as results arrive, until ``settle_order``."""
        self._ordering.hold()

    def settle_order(self, keep_holding: bool = False) -> None:
        """Sort by what is known now; with ``keep_holding`` later results join after these
        without moving them (the scan goes on), else the order is live again (it ended)."""
        self._ordering.settle(keep_holding)

    def filterAcceptsRow(  # noqa: N802
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if self._status == "all":
            return True
        model = self._ordering.results()
        row = model.row(self._ordering.source_row(source_row))
        if row.waiting:
            return False
        if self._status.startswith(PET_FILTER):
            species, name = self._pet
            return row.label == species and row.name(model.threshold) == name
        return row.status(model.threshold) == self._status
