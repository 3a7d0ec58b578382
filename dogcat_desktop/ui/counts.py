"""How many photos carry each label, in the status bar and beside each filter."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .filter_model import FILTERS
from .results_model import STATUSES

if TYPE_CHECKING:
    from .main_window import MainWindow

COUNT_WORDS = {
    "dog": ("dog", "dogs"),
    "cat": ("cat", "cats"),
    "other": ("neither", "neither"),
    "unsure": ("unsure", "unsure"),
    "error": ("error", "errors"),
}


def counts_text(counts: Counter[str]) -> str:
    parts = []
    for status in STATUSES:
        count = counts.get(status, 0)
        singular, plural = COUNT_WORDS[status]
        parts.append(f"{count} {singular if count == 1 else plural}")
    return " · ".join(parts)


def show_counts(window: MainWindow) -> None:
    """Counts in the status bar (none before a scan) and after each choice of the filter box."""
    counts = window.model.counts()
    total = window.model.rowCount()
    window.counts_label.setText(counts_text(counts) if total else "")
    for index in range(window.filter_box.count()):
        key = window.filter_box.itemData(index)
        number = total if key == "all" else counts.get(key, 0)
        window.filter_box.setItemText(index, f"{FILTERS[key]} ({number})")
