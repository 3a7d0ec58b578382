"""The review vocabulary: one status per photo, and why the photos a sort leaves behind stay."""

from __future__ import annotations

from pathlib import Path

from dogcat_desktop.core.classifier import Prediction
from dogcat_desktop.core.moves import plan_sort
from dogcat_desktop.core.review import ReviewStatus, review_status, sort_label
from dogcat_desktop.core.scan import ScanResult


def result(label: str | None, confidence: float = 0.9) -> ScanResult:
    if label is None:
        return ScanResult(Path("x.jpg"), None, "corrupt image data", None)
    probabilities = tuple(confidence if name == label else 0.0 for name in ("dog", "cat", "other"))
    return ScanResult(Path("x.jpg"), Prediction(probabilities, label, confidence), None, None)


def test_a_person_wins_over_the_model_but_not_over_an_unreadable_file() -> None:
    assert review_status(result("dog"), None, 0.8) is ReviewStatus.DOG
    assert review_status(result("dog", 0.5), None, 0.8) is ReviewStatus.UNSURE
    assert review_status(result("dog", 0.5), "cat", 0.8) is ReviewStatus.CAT
    assert review_status(result(None), "cat", 0.8) is ReviewStatus.ERROR
    assert f"{ReviewStatus.OTHER}" == "other"


def test_only_dogs_and_cats_move() -> None:
    assert [sort_label(status) for status in ReviewStatus] == ["dog", "cat", "other", None, None]


def test_the_plan_says_why_each_photo_stays(tmp_path: Path) -> None:
    (tmp_path / "dogs").mkdir()
    items = [
        (tmp_path / "a.jpg", ReviewStatus.DOG),
        (tmp_path / "dogs" / "b.jpg", ReviewStatus.DOG),
        (tmp_path / "c.jpg", ReviewStatus.OTHER),
        (tmp_path / "d.jpg", ReviewStatus.UNSURE),
        (tmp_path / "e.jpg", ReviewStatus.ERROR),
        (tmp_path / "f.jpg", ReviewStatus.ERROR),
        (tmp_path / "g.jpg", None),
    ]

    plan = plan_sort(tmp_path, items)

    assert [move.source.name for move in plan.moves] == ["a.jpg"]
    assert plan.staying_by_reason == {
        "already_sorted": 1,
        "other": 1,
        "unsure": 2,
        "error": 2,
    }
    assert "(1 neither dog nor cat, 2 unsure, 2 unreadable, 1 already in their folder)" in (
        plan.summary()
    )
