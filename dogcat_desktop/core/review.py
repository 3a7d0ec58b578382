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
from .personal.labels import SPECIES, format_label, parse_label

if TYPE_CHECKING:
    from .personal import PersonalPrediction
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


def review_status(
    result: ScanResult,
    correction: str | None,
    threshold: float,
    personal: PersonalPrediction | None = None,
) -> ReviewStatus:
    """What the grid shows and what a sort acts on.

    A person's label (``dog/Rex`` counts as ``dog``) wins over the model's and is sure by
    definition; next comes the personal layer's prediction where there is one, then the model's.
    An unreadable file stays an error whatever it is labelled.
    """
    if result.prediction is None:
        return ReviewStatus.ERROR
    if correction:
        return ReviewStatus(parse_label(correction)[0])
    label, confidence = result.prediction.label, result.prediction.confidence
    if personal is not None:
        label, confidence = personal.label, personal.confidence
    if confidence < threshold:
        return ReviewStatus.UNSURE
    return ReviewStatus(label)


def pet_name(
    status: str, correction: str | None, personal: PersonalPrediction | None = None
) -> str | None:
    """The named pet a dog or cat is: the person's label, else the personal layer's confident
    suggestion (it gives none when unsure, so such a photo stays in the species folder)."""
    if status not in SPECIES:
        return None
    if correction:
        return parse_label(correction)[1]
    if personal is not None and personal.label == status:
        return personal.name
    return None


def sort_status(
    status: str, correction: str | None, personal: PersonalPrediction | None = None
) -> str:
    """What a sort acts on: the status, or a named pet's label (``dog/Rex``) for ``dogs/Rex/``."""
    return format_label(str(status), pet_name(status, correction, personal))


def sort_label(status: str) -> str | None:
    """The label a sort moves a photo by: dogs and cats move (named pets as ``dog/Rex``), the
    rest stay."""
    return str(status) if str(status).partition("/")[0] in CLASSES else None


def staying_detail(by_reason: Mapping[str, int]) -> str:
    """' (2 neither dog nor cat, 1 unreadable)': why photos stay, or '' when none do."""
    parts = [f"{by_reason[key]} {text}" for key, text in STAY_REASONS.items() if by_reason.get(key)]
    return f" ({', '.join(parts)})" if parts else ""
