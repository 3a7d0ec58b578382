"""How long the grid's least-sure-first order blocks the event loop when it is (re)sorted.

    python benchmarks/sort_settle.py [PHOTOS ...]

The grid's order (``ui/order_model.ResultsOrder``, under ``ui/filter_model.ResultsFilter``)
is held while a scan runs and sorted for real when the scan ends (``settle_order``) or when the
person picks the order: one ``sorted()`` over precomputed keys, then one layout change (it used to
be a Python ``lessThan`` per comparison: 9.7 s to settle 100,000 photos). This times them on
synthetic rows (no photos, no model, no view): the rows of a finished scan with random
confidences, the order settled, switched to by name and back, then one photo's confidence
changed so that it moves first, each until the first row can be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from dogcat_desktop.core.classifier import Prediction
from dogcat_desktop.core.scan import ScanResult
from dogcat_desktop.ui.filter_model import ResultsFilter
from dogcat_desktop.ui.results_model import ResultsModel, Row


def measure(photos: int) -> dict[str, float]:
    rng = random.Random(1)
    paths = [Path(f"/photos/{number:06d}.jpg") for number in range(photos)]
    rows = []
    for path in paths:
        confidence = rng.uniform(0.5, 1.0)
        prediction = Prediction((confidence, 1 - confidence, 0.0), "dog", confidence)
        rows.append(Row(ScanResult(path, prediction, None, None)))
    model = ResultsModel()
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    proxy.set_sort_order("confidence")
    model.add_waiting(paths)
    proxy.hold_order()  # as a scan starts
    for start in range(0, photos, 64):
        model.append(rows[start : start + 64])
    figures = {}

    def one_changes() -> None:
        """One photo's confidence changes in the live order (as a label does to a photo the
        personal layer had changed): it moves to its new place."""
        row = model.row(photos // 2)
        prediction = Prediction((0.4, 0.6, 0.0), "cat", 0.4)
        row.result = dataclasses.replace(row.result, prediction=prediction)
        model.dataChanged.emit(model.index(photos // 2), model.index(photos // 2))

    for name, step in (
        ("settle", proxy.settle_order),  # the scan ends
        ("to-name", lambda: proxy.set_sort_order("name")),
        ("to-confidence", lambda: proxy.set_sort_order("confidence")),
        ("one-moves", one_changes),
    ):
        started = time.perf_counter()
        step()
        proxy.index(0, 0)  # the proxy sorts lazily: until a view asks for a row
        figures[name] = time.perf_counter() - started
    assert proxy.results_row(proxy.index(0, 0)) == photos // 2  # the least sure now
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    QApplication([])
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for photos in args.photos:
        figures = measure(photos)
        print(
            f"{photos:>7} photos: event loop blocked "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items())
        )


if __name__ == "__main__":
    main()
