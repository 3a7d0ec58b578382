"""``python -m training.crossfit_table``: head variants compared by cross-fitting over sources.

Each variant's head is fitted five times, each time without one fold of whole sources
(``training.crossfit``); its temperature and move threshold are chosen on those out-of-source
predictions, and the variant is then fitted once on training and validation together and
reported on the test sources and Kaggle's validation photos. The choice between variants is made
on the cross-fitted columns only; the test columns are reported, not used.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass, field

import numpy as np

from dogcat_desktop.core.classifier import DEFAULT_THRESHOLD
from dogcat_desktop.core.labels import CLASSES

from . import crossfit, experiment
from . import head as heads
from .calibration import expected_calibration_error, fit_temperature, nll, softmax
from .features import EMBEDDING_SIZE, IMAGENET_GROUPS, PET_GROUPS, Groups
from .report import figures
from .threshold import choose_threshold

VIEWS = 5
Grouped = tuple[np.ndarray, np.ndarray]  # features and labels


@dataclass(frozen=True)
class Variant:
    title: str
    l2_embedding: float = 1.0
    per_source: bool = False  # each source an equal share of its class
    groups: Groups = field(default_factory=lambda: IMAGENET_GROUPS)  # the evidence's grouping


VARIANTS = (
    Variant("weight decay 1.0 on the embedding (the shipped head's)"),
    Variant("weight decay 3.0", l2_embedding=3.0),
    Variant("weight decay 0.3", l2_embedding=0.3),
    Variant("weight decay 1.0, each source an equal share of its class", per_source=True),
    Variant("weight decay 0.3, each source an equal share", l2_embedding=0.3, per_source=True),
    Variant(
        "weight decay 1.0, the evidence in three groups: dog breeds, domestic cats, the rest",
        groups=PET_GROUPS,
    ),
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.crossfit_table", description=__doc__)
    experiment.add_arguments(p)
    p.add_argument("--variants", default="all", help="comma-separated numbers (0-based), or all")
    args = p.parse_args(argv)
    inputs = experiment.load_inputs(args)

    def names_of(groups: tuple[str, ...]) -> list[str]:
        return [n for g in groups for n in inputs.split.source_names(g)]

    @functools.cache
    def inputs_for(grouping: tuple[str, ...]) -> tuple[list[np.ndarray], dict[str, Grouped]]:
        """Every view of the fitting photos, and the held-out ones, with the evidence in these
        of the shipped groups (the rest summed into the last column)."""
        groups = {name: IMAGENET_GROUPS[name] for name in grouping}
        views = [inputs.features(names_of(fitting), v, groups) for v in range(VIEWS)]
        held = {
            g: (inputs.features(names_of((g,)), 0, groups), labels_of((g,))[0])
            for g in ("test", "reference")
        }
        return views, held

    def labels_of(groups: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        names = names_of(groups)
        sources = [n for n in names for _ in inputs.decoded[n].labels]
        return inputs.labels(names), np.array(sources)

    fitting = ("train", "validation")
    labels, sources = labels_of(fitting)
    chosen = range(len(VARIANTS)) if args.variants == "all" else map(int, args.variants.split(","))
    print(
        "| variant | CV: cats+dogs right | CV: neither | CV: NLL | threshold | CV: pets unsure "
        "| CV: wrong moves | test: cats+dogs | test: neither | test: pets unsure "
        "| test: wrong moves | test: ECE | Kaggle validation |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for number in chosen:
        variant = VARIANTS[number]
        views, held = inputs_for(tuple(variant.groups))
        row = evaluate(variant, views, labels, sources, held, inputs.config.target_precision)
        print(row, flush=True)
    return 0


def fitter(variant: Variant, views: list[np.ndarray], labels: np.ndarray, sources: np.ndarray):
    """rows -> the variant's head fitted on every view of those photos (600 steps, no stopping)."""

    def fit(rows: np.ndarray) -> heads.LinearHead:
        x = crossfit.stack_views(views, rows)
        y = np.tile(labels[rows], len(views))
        groups = np.tile(sources[rows], len(views)) if variant.per_source else None
        penalty = np.zeros(x.shape[1], np.float32)
        penalty[:EMBEDDING_SIZE] = variant.l2_embedding
        return heads.fit(
            x,
            y,
            None,
            None,
            classes=len(CLASSES),
            sample_weights=heads.balanced_weights(y, groups),
            l2=penalty,
        )

    return fit


def evaluate(
    variant: Variant,
    views: list[np.ndarray],
    labels: np.ndarray,
    sources: np.ndarray,
    held: dict[str, Grouped],
    target: float,
) -> str:
    """One markdown row: cross-fitted choices and figures, then the refitted head's test figures."""
    fit = fitter(variant, views, labels, sources)
    logits = crossfit.out_of_fold_logits(views[0], crossfit.source_folds(labels, sources), fit)
    rows = crossfit.choice_rows(sources)
    temperature = fit_temperature(logits[rows], labels[rows])
    probs = softmax(logits[rows], temperature)
    choice = choose_threshold(probs, labels[rows], target, DEFAULT_THRESHOLD)
    cv = figures(probs, labels[rows], choice.threshold)
    final = fit(np.ones(len(labels), bool))
    out = {g: softmax(final.logits(x), temperature) for g, (x, _) in held.items()}
    test = figures(out["test"], held["test"][1], choice.threshold)
    kaggle = figures(out["reference"], held["reference"][1], choice.threshold)
    ece = expected_calibration_error(out["test"], held["test"][1])
    threshold = f"{choice.threshold:.4f}" + ("" if choice.reached else " (not reached)")
    return (
        f"| {variant.title} | {cv['cat_dog_accuracy']:.2%} | {cv['other_recognised']:.2%} "
        f"| {nll(logits[rows], labels[rows], temperature):.4f} | {threshold} "
        f"| {cv['pets_unsure']:.2%} | {cv['wrong_moves']:.2%} "
        f"| {test['cat_dog_accuracy']:.2%} | {test['other_recognised']:.2%} "
        f"| {test['pets_unsure']:.2%} | {test['wrong_moves']:.2%} | {ece:.2%} "
        f"| {kaggle['accuracy']:.2%} |"
    )


if __name__ == "__main__":
    sys.exit(main())
