"""How many photos carry each label, in the status bar and beside each filter."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..core.review import ReviewStatus
from .filter_model import FILTERS
from .style import STYLES

if TYPE_CHECKING:
    from .main_window import MainWindow


def counts_text(counts: Counter[ReviewStatus]) -> str:
    """'3 dogs · 1 cat · 0 neither · 2 unsure · 1 error'."""
    return " · ".join(style.count(counts.get(status, 0)) for status, style in STYLES.items())


def show_counts(window: MainWindow) -> None:
    """Counts in the status bar (none before a scan) and after each choice of the filter box."""
    counts = window.model.counts()
    total = window.model.rowCount()
    window.counts_label.setText(counts_text(counts) if total else "")
    for index in range(window.filter_box.count()):
        key = window.filter_box.itemData(index)
        number = total if key == "all" else counts.get(ReviewStatus(key), 0)
        window.filter_box.setItemText(index, f"{FILTERS[key]} ({number})")
