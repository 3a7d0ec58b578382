"""Cross-fitting by source: no source may be split across folds (except the pooled one)."""

from __future__ import annotations

import numpy as np

from training import crossfit
from training.head import LinearHead


def _toy() -> tuple[np.ndarray, np.ndarray]:
    sources = np.array(["kaggle"] * 50 + ["a"] * 10 + ["b"] * 8 + ["c"] * 6 + ["d"] * 5 + ["e"] * 4)
    labels = np.array([0, 1] * 25 + [0] * 10 + [2] * 8 + [1] * 6 + [2] * 5 + [0] * 4)
    return labels, sources


def test_each_source_whole_in_one_fold_and_the_pooled_one_everywhere():
    labels, sources = _toy()
    folds = crossfit.source_folds(labels, sources, k=3, seed=1)
    assert (folds >= 0).all()
    for name in ("a", "b", "c", "d", "e"):
        assert len(set(folds[sources == name])) == 1, name
    assert set(folds[sources == "kaggle"]) == {0, 1, 2}
    assert not crossfit.choice_rows(sources)[sources == "kaggle"].any()


def test_out_of_fold_logits_never_come_from_a_head_that_saw_the_photo():
    labels, sources = _toy()
    folds = crossfit.source_folds(labels, sources, k=3, seed=1)
    plain = np.eye(len(labels), dtype=np.float32)  # one feature per photo

    def fit(rows: np.ndarray) -> LinearHead:
        # A "head" whose logit 0 is 1 exactly for the photos it was fitted on.
        kernel = np.zeros((len(labels), 3), np.float32)
        kernel[rows, 0] = 1.0
        return LinearHead(kernel, np.zeros(3, np.float32), {})

    logits = crossfit.out_of_fold_logits(plain, folds, fit)
    assert (logits[:, 0] == 0).all()
