"""How many photos carry each label, in the status bar and beside each filter."""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import QComboBox, QLabel

from ..core.review import ReviewStatus
from .filter_model import FILTERS
from .results_model import ResultsModel
from .style import STYLES


def counts_text(counts: Counter[ReviewStatus]) -> str:
    """'3 dogs · 1 cat · 0 neither · 2 unsure · 1 error'."""
    return " · ".join(style.count(counts.get(status, 0)) for status, style in STYLES.items())


def show_counts(results: ResultsModel, label: QLabel, filter_box: QComboBox) -> None:
    """Counts in the status bar (none before a scan) and after each choice of the filter box."""
    counts = results.counts()
    total = results.rowCount()
    label.setText(counts_text(counts) if total else "")
    for index in range(filter_box.count()):
        key = filter_box.itemData(index)
        number = total if key == "all" else counts.get(ReviewStatus(key), 0)
        filter_box.setItemText(index, f"{FILTERS[key]} ({number})")
