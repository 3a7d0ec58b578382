"""The grid's order at scale: one ``sorted()`` over precomputed keys, never Python comparisons
(a Python ``lessThan`` blocked the window ~10 s when a 100,000-photo scan ended)."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import QPersistentModelIndex, QSortFilterProxyModel

from dogcat_desktop.core.classifier import Prediction
from dogcat_desktop.core.scan import ScanResult
from dogcat_desktop.ui.filter_model import ResultsFilter
from dogcat_desktop.ui.results_model import ResultsModel, Row

PHOTOS = 20_000


def result(path: Path, confidence: float | None) -> Row:
    if confidence is None:
        return Row(ScanResult(path, None, "unreadable", None))
    prediction = Prediction((confidence, 1 - confidence, 0.0), "dog", confidence)
    return Row(ScanResult(path, prediction, None, None))


def shown(proxy: ResultsFilter) -> list[int]:
    return [proxy.results_row(proxy.index(n, 0)) for n in range(proxy.rowCount())]


def test_a_big_scan_settles_least_sure_first_without_python_comparisons(qtbot):
    rng = random.Random(3)
    paths = [Path(f"/photos/{n:05d}.jpg") for n in range(PHOTOS)]
    # Rounded, so many photos tie; every 97th could not be read (an error sorts last).
    confidences = [None if n % 97 == 0 else round(rng.uniform(0.5, 1.0), 2) for n in range(PHOTOS)]
    model = ResultsModel()
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    proxy.set_sort_order("confidence")
    model.add_waiting(paths)
    proxy.hold_order()  # a scan starts
    sorts = proxy.ordering.sorts
    for start in range(0, PHOTOS, 500):
        model.append(
            [result(p, confidences[n]) for n, p in enumerate(paths) if start <= n < start + 500]
        )
    assert shown(proxy) == list(range(PHOTOS))  # held: nothing moved as results came in
    assert proxy.ordering.sorts == sorts

    kept = QPersistentModelIndex(proxy.index_for_row(1234))  # the current photo
    proxy.settle_order()  # the scan ends

    def key(n: int) -> float:
        return 2.0 if confidences[n] is None else confidences[n]  # type: ignore[return-value]

    expected = sorted(range(PHOTOS), key=lambda n: (key(n), n))  # ties in the listing's order
    assert shown(proxy) == expected
    assert kept.isValid() and proxy.results_row(proxy.index(kept.row(), 0)) == 1234
    # The proxy the view sees does not sort, and no Python lessThan is left to call.
    assert proxy.sortColumn() == -1
    assert type(proxy).lessThan is QSortFilterProxyModel.lessThan
    assert proxy.ordering.sorts == sorts + 1  # one sorted() for the whole settle

    proxy.set_sort_order("name")
    assert shown(proxy) == list(range(PHOTOS))
    assert proxy.results_row(proxy.index(kept.row(), 0)) == 1234


def test_a_photo_whose_key_changes_moves_when_the_order_is_live(qtbot):
    paths = [Path(f"/photos/{n}.jpg") for n in range(5)]
    model = ResultsModel()
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    proxy.set_sort_order("confidence")
    model.append([result(p, c) for p, c in zip(paths, (0.9, 0.6, None, 0.7, 0.8), strict=True)])
    assert shown(proxy) == [1, 3, 4, 0, 2]
    model.append([result(Path("/photos/late.jpg"), 0.65)])  # joins in its place
    assert shown(proxy) == [1, 5, 3, 4, 0, 2]
    model.add_waiting([Path("/photos/waiting.jpg")])  # not classified yet: last, live order
    assert shown(proxy) == [1, 5, 3, 4, 0, 2, 6]
    kept = QPersistentModelIndex(proxy.index(0, 0))
    model.append([result(Path("/photos/waiting.jpg"), 0.55)])  # its result moves it first
    assert shown(proxy) == [6, 1, 5, 3, 4, 0, 2]
    assert proxy.results_row(proxy.index(kept.row(), 0)) == 1  # the current photo followed
    proxy.set_status_filter("error")
    assert shown(proxy) == [2]
    proxy.set_status_filter("all")
    model.clear()
    assert proxy.rowCount() == 0
