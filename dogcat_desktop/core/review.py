"""What a person reviews: each photo's status in the grid, and what a sort does with it.

``labels.Status`` (ok/unsure/error) is the command-line report's column; ``ReviewStatus`` is the
finer view the window filters by and a sort acts on. Both the window and the CLI derive it here,
so a photo is never a dog in one and unsure in the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING

from .labels import CLASSES

if TYPE_CHECKING:
    from .scan import ScanResult


class ReviewStatus(str, Enum):
    """One photo's status, in the order the window lists them; its value is the CSV's word."""

    DOG = "dog"
    CAT = "cat"
    OTHER = "other"
    UNSURE = "unsure"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


# Why a photo stays where it is in a sort, in the words of the preview and the dry run.
ALREADY_SORTED = "already_sorted"
OUTSIDE = "outside"  # reached through a link to a folder elsewhere: never moved
STAY_REASONS: dict[str, str] = {
    ReviewStatus.OTHER: "neither dog nor cat",
    ReviewStatus.UNSURE: "unsure",
    ReviewStatus.ERROR: "unreadable",
    ALREADY_SORTED: "already in their folder",
    OUTSIDE: "outside the folder, reached through a link",
}


def review_status(result: ScanResult, correction: str | None, threshold: float) -> ReviewStatus:
    """What the grid shows and what a sort acts on.

    A person's label wins over the model's and is sure by definition; an unreadable file stays
    an error whatever it is labelled.
    """
    if result.prediction is None:
        return ReviewStatus.ERROR
    if correction:
        return ReviewStatus(correction)
    if result.prediction.confidence < threshold:
        return ReviewStatus.UNSURE
    return ReviewStatus(result.prediction.label)


def sort_label(status: str) -> str | None:
    """The label a sort moves a photo by: dogs and cats move, the rest stay."""
    return str(status) if status in CLASSES else None


def staying_detail(by_reason: Mapping[str, int]) -> str:
    """' (2 neither dog nor cat, 1 unreadable)': why photos stay, or '' when none do."""
    parts = [f"{by_reason[key]} {text}" for key, text in STAY_REASONS.items() if by_reason.get(key)]
    return f" ({', '.join(parts)})" if parts else ""
