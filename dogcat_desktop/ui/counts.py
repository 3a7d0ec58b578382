"""How many photos carry each label, in the status bar and beside each filter."""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import QComboBox, QLabel

from ..core.review import ReviewStatus
from .filter_model import PET_FILTER, filter_name
from .results_model import ResultsModel
from .style import STYLES


def counts_text(counts: Counter[ReviewStatus]) -> str:
    """'3 dogs · 1 cat · 0 neither · 2 unsure · 1 error'."""
    return " · ".join(style.count(counts.get(status, 0)) for status, style in STYLES.items())


def show_counts(results: ResultsModel, label: QLabel, filter_box: QComboBox) -> None:
    """Counts in the status bar (none before a scan) and after each choice of the filter box,
    a named pet's included."""
    counts = results.counts()
    total = results.rowCount()
    label.setText(counts_text(counts) if total else "")
    keys = [filter_box.itemData(index) for index in range(filter_box.count())]
    pets = results.pet_counts() if any(key.startswith(PET_FILTER) for key in keys) else Counter()
    for index, key in enumerate(keys):
        if key == "all":
            number = total
        elif key.startswith(PET_FILTER):
            number = pets.get(key.removeprefix(PET_FILTER), 0)
        else:
            number = counts.get(ReviewStatus(key), 0)
        filter_box.setItemText(index, f"{filter_name(key)} ({number})")
