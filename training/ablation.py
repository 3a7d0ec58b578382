"""``python -m training.ablation``: what each step of the method gains, on the held-out sources.

Each step is fitted on the training sources, calibrated and given its move threshold on the
validation sources, exactly as a rebuild does, and reported on the test sources and Kaggle's
validation photos. Embeddings come from the rebuild's cache, so the whole table takes minutes.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dogcat_desktop.core.classifier import DEFAULT_THRESHOLD
from dogcat_desktop.core.labels import CLASSES

from . import experiment
from . import head as heads
from .calibration import expected_calibration_error, fit_temperature, softmax
from .features import EMBEDDING_SIZE, IMAGENET_GROUPS, PET_GROUPS, Groups
from .framing import FRAMINGS
from .model import LOG_FLOOR
from .report import figures
from .threshold import choose_threshold

HELD = ("validation", "test", "reference")
Grouped = tuple[np.ndarray, np.ndarray]  # features and labels


@dataclass(frozen=True)
class Step:
    title: str
    views: int  # 0: no training (the ImageNet classifier's groups as they are)
    evidence: bool
    l2_embedding: float
    l2_evidence: float
    prior: bool = False  # the ImageNet classifier's own dog/cat/rest log-probabilities as offsets
    groups: Groups = field(default_factory=lambda: IMAGENET_GROUPS)  # the evidence's grouping


STEPS = (
    Step("ImageNet classifier alone: dog breeds vs domestic cats vs the rest", 0, True, 0, 0),
    Step("linear head on the embedding, plain photos", 1, False, 1e-3, 1e-3),
    Step("+ grouped ImageNet evidence as inputs", 1, True, 1e-3, 1e-3),
    Step("+ strong decay on the embedding, none on the evidence", 1, True, 1.0, 0.0),
    Step(
        "+ flipped and 3 augmented views per training photo (the float32 build)", 5, True, 1.0, 0.0
    ),
    Step(
        "the float32 build with the ImageNet classifier's dog/cat/rest log-probabilities as a"
        " fixed prior the head corrects (not shipped)",
        5,
        True,
        1.0,
        0.0,
        prior=True,
    ),
    Step("the same, decay 0.3 on the embedding (not shipped)", 5, True, 0.3, 0.0, prior=True),
    Step(
        "the float32 build with the evidence in three groups: dog breeds, domestic cats, the rest"
        " (look-alikes merged into the rest; not shipped)",
        5,
        True,
        1.0,
        0.0,
        groups=PET_GROUPS,
    ),
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.ablation", description=__doc__)
    experiment.add_arguments(p)
    p.add_argument(
        "--previous",
        type=Path,
        metavar="MODEL_DIR",
        help="also a bundled model (model.tflite + model_card.json) as the app runs it",
    )
    p.add_argument(
        "--framing",
        choices=FRAMINGS,
        default="squash",
        help="frame photos another way than the contract (training.framing); plain views only:"
        " the steps that need augmented views are left out",
    )
    args = p.parse_args(argv)
    inputs = experiment.load_inputs(args, args.framing)
    config, split, decoded = inputs.config, inputs.split, inputs.decoded

    def group(name: str, views: int, groups: Groups = IMAGENET_GROUPS) -> Grouped:
        names = split.source_names(name)
        features = np.concatenate([inputs.features(names, v, groups) for v in range(views)])
        return features, np.tile(inputs.labels(names), views)

    held = {g: group(g, 1) for g in HELD}
    print(
        "| step | cats+dogs right | neither recognised | pets unsure | wrong moves | ECE "
        "| Kaggle validation | threshold |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    if args.previous:
        pixels = {
            g: np.concatenate([decoded[n].pixels for n in split.source_names(g)])
            for g in ("test", "reference")
        }
        _print_row(f"previous model ({args.previous})", *_previous(args.previous, pixels, held))
    steps = STEPS if args.framing == "squash" else [s for s in STEPS if s.views <= 1]
    for step in steps:
        ours = (
            held if step.groups == IMAGENET_GROUPS else {g: group(g, 1, step.groups) for g in HELD}
        )
        probs = _step_probabilities(step, functools.partial(group, groups=step.groups), ours)
        choice = choose_threshold(
            probs["validation"], ours["validation"][1], config.target_precision, DEFAULT_THRESHOLD
        )
        _print_row(step.title, probs, ours, choice.threshold)
    return 0


def _print_row(title: str, probs: dict, held: dict, threshold: float) -> None:
    test = figures(probs["test"], held["test"][1], threshold)
    kaggle = figures(probs["reference"], held["reference"][1], threshold)
    ece = expected_calibration_error(probs["test"], held["test"][1])
    print(
        f"| {title} | {test['cat_dog_accuracy']:.2%} | {test['other_recognised']:.2%} "
        f"| {test['pets_unsure']:.2%} | {test['wrong_moves']:.2%} | {ece:.2%} "
        f"| {kaggle['accuracy']:.2%} | {threshold:.4f} |",
        flush=True,
    )


def _previous(model_dir: Path, pixels: dict, held: dict) -> tuple[dict, dict, float]:
    """A bundled model through the app's Classifier, at its own card's threshold."""
    from dogcat_desktop.core.classifier import Classifier

    classifier = Classifier(model_dir)
    probs = {
        g: np.concatenate(
            [classifier.run(x[i : i + 32])["probabilities"] for i in range(0, len(x), 32)]
        )
        for g, x in pixels.items()
    }
    return probs, held, classifier.threshold


def _step_probabilities(step: Step, group, held) -> dict[str, np.ndarray]:
    evidence = slice(EMBEDDING_SIZE, None)
    if step.views == 0:  # summed ImageNet probabilities, no training: dog, cat, everything else
        return {g: _zero_shot(np.exp(f[:, evidence])) for g, (f, _) in held.items()}
    columns = slice(None) if step.evidence else slice(0, EMBEDDING_SIZE)
    features, labels = group("train", step.views)
    penalty = np.full(features[:, columns].shape[1], step.l2_evidence, np.float32)
    penalty[:EMBEDDING_SIZE] = step.l2_embedding
    prior = {g: _prior(f) if step.prior else 0.0 for g, (f, _) in held.items()}
    fitted = heads.fit(
        features[:, columns],
        labels,
        held["validation"][0][:, columns],
        held["validation"][1],
        classes=len(CLASSES),
        sample_weights=heads.balanced_weights(labels),
        l2=penalty,
        offsets=(_prior(features), _prior(held["validation"][0])) if step.prior else None,
    )
    logits = {g: fitted.logits(f[:, columns]) + prior[g] for g, (f, _) in held.items()}
    temperature = fit_temperature(logits["validation"], held["validation"][1])
    return {g: softmax(v, temperature) for g, v in logits.items()}


def _prior(features: np.ndarray) -> np.ndarray:
    """log p(dog), log p(cat), log p(everything else) from the grouped ImageNet evidence."""
    grouped = np.exp(features[:, EMBEDDING_SIZE:])
    return np.log(np.maximum(_zero_shot(grouped), LOG_FLOOR))


def _zero_shot(grouped: np.ndarray) -> np.ndarray:
    """Dog, cat, everything else from grouped ImageNet probabilities (dog and cat first)."""
    probs = np.stack([grouped[:, 0], grouped[:, 1], grouped[:, 2:].sum(axis=1)], axis=1)
    return probs / probs.sum(axis=1, keepdims=True)


if __name__ == "__main__":
    sys.exit(main())
