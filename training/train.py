"""A full rebuild, one function per step: select, decode, embed, fit, calibrate, threshold, export,
evaluate, report. ``run`` reads as that list."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from dogcat_desktop.core.classifier import DEFAULT_THRESHOLD
from dogcat_desktop.core.labels import CLASSES

from . import export, quantise, report, typical
from . import head as heads
from .calibration import expected_calibration_error, fit_temperature, softmax
from .features import (
    EMBEDDING_SIZE,
    FLIPPED,
    IMAGENET_GROUPS,
    PLAIN,
    Extractor,
    Groups,
    cached_embeddings,
)
from .pixels import CONTRACT_VERSION, DecodedSet, decode_examples
from .sources import SPLITS_FILE, Split, load_split
from .threshold import ThresholdChoice, choose_threshold

Log = Callable[[str], None]


@dataclass
class Config:
    data_dir: Path
    out_dir: Path
    splits_file: Path = SPLITS_FILE
    base_weights: str = "imagenet"  # or a with-top .weights.h5 file: the ImageNet layer is used
    views: int = 5  # per training photo: plain, flipped, and views - 2 augmented copies
    seed: int = 1337
    # Weight decay on the standardised head inputs: strong on the embedding, which knows Kaggle's
    # photos too well, none on the ImageNet evidence, which knows the world's.
    l2_embedding: float = 1.0
    l2_evidence: float = 0.0
    learning_rate: float = 0.01
    max_steps: int = 600
    patience: int = 60
    target_precision: float = 0.995  # each moved folder at least this right, on validation
    formats: tuple[str, ...] = ("tflite",)
    precision: str = "int8"  # the LiteRT model's: int8 backbone (float tail), or float32
    cache_dir: Path | None = None
    max_per_source: int | None = None  # small smoke runs only
    sample_grid: int = 48

    def summary(self, relative_to: Path | None = None) -> dict:
        """The settings as JSON values, paths relative to where training ran."""
        base = relative_to or Path.cwd()
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = os.path.relpath(value, base)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        if self.cache_dir is not None:
            out["cache_dir"] = "(local cache)"
        if Path(self.base_weights).exists():
            out["base_weights"] = os.path.relpath(self.base_weights, base)
        return out


@dataclass
class Features:
    """Head inputs and labels of one group of sources (training: every cached view)."""

    features: np.ndarray
    labels: np.ndarray
    sources: np.ndarray  # source name per row
    flipped: np.ndarray | None = None  # the same photos mirrored (held-out groups only)


def select(config: Config, log: Log) -> Split:
    split = load_split(config.data_dir, config.splits_file)
    if config.max_per_source:
        for name, examples in split.examples.items():
            split.examples[name] = examples[: config.max_per_source]
    for group in ("train", "validation", "test", "reference"):
        counts = {c: sum(e.class_name == c for e in split.group(group)) for c in CLASSES}
        log(f"{group:>10}: {len(split.group(group)):5d} photos {counts}")
    return split


def decode(split: Split, config: Config, log: Log) -> dict[str, DecodedSet]:
    """Every source through the app's preprocessing contract (cached on disk)."""
    decoded = {}
    for name, examples in split.examples.items():
        decoded[name] = decode_examples(examples, config.cache_dir)
    failures = sum(len(d.failures) for d in decoded.values())
    if failures:
        log(f"skipped {failures} unreadable files (listed in the model card)")
    return decoded


def embed(
    split: Split, decoded: dict[str, DecodedSet], extractor: Extractor, config: Config, log: Log
) -> dict[str, Features]:
    """Head features per group: all views of training photos; plain and flipped otherwise."""

    def features_of(name: str, view: int) -> np.ndarray:
        return source_features(extractor, decoded[name], view, config, log)

    out = {}
    for group in ("train", "validation", "test", "reference"):
        names = split.source_names(group)
        views = range(config.views) if group == "train" else (PLAIN,)
        rows = [(features_of(n, v), decoded[n].labels, n) for v in views for n in names]
        flipped = None
        if group != "train":
            flipped = np.concatenate([features_of(n, FLIPPED) for n in names])
        out[group] = Features(
            features=np.concatenate([r[0] for r in rows]),
            labels=np.concatenate([r[1] for r in rows]),
            sources=np.concatenate([[r[2]] * len(r[1]) for r in rows]),
            flipped=flipped,
        )
    return out


def source_features(
    extractor: Extractor,
    decoded: DecodedSet,
    view: int,
    config: Config,
    log: Log = print,
    groups: Groups = IMAGENET_GROUPS,
) -> np.ndarray:
    """What the head reads for one view of one source's photos (embeddings from the cache)."""
    from .model import head_features

    embeddings = cached_embeddings(extractor, decoded, view, config.seed, config.cache_dir, log)
    return head_features(embeddings, extractor.imagenet_probabilities(embeddings), groups)


def fit_head(features: dict[str, Features], config: Config, log: Log) -> heads.LinearHead:
    """Softmax regression, each class weighted equally, stopped on the validation sources."""
    train, val = features["train"], features["validation"]
    log(f"fitting the head on {len(train.labels)} training views")
    penalty = np.full(train.features.shape[1], config.l2_evidence, np.float32)
    penalty[:EMBEDDING_SIZE] = config.l2_embedding
    return heads.fit(
        train.features,
        train.labels,
        val.features,
        val.labels,
        classes=len(CLASSES),
        sample_weights=heads.balanced_weights(train.labels),
        l2=penalty,
        lr=config.learning_rate,
        epochs=config.max_steps,
        patience=config.patience,
        log=log,
    )


def calibrate(head: heads.LinearHead, validation: Features, log: Log) -> dict:
    """Temperature scaling on the validation sources."""
    logits = head.logits(validation.features)
    temperature = fit_temperature(logits, validation.labels)
    before = expected_calibration_error(softmax(logits), validation.labels)
    after = expected_calibration_error(softmax(logits, temperature), validation.labels)
    log(f"calibration: T={temperature:.3f}, validation ECE {before:.4f} -> {after:.4f}")
    return {
        "method": "temperature scaling on the validation sources",
        "temperature": temperature,
        "ece_validation_before": before,
        "ece_validation_after": after,
    }


def probabilities(head: heads.LinearHead, temperature: float, group: Features) -> np.ndarray:
    return softmax(head.logits(group.features), temperature)


def pick_threshold(
    val_probs: np.ndarray, validation: Features, config: Config, log: Log
) -> ThresholdChoice:
    """The move threshold from the validation sources (never the test sources)."""
    choice = choose_threshold(
        val_probs, validation.labels, config.target_precision, fallback=DEFAULT_THRESHOLD
    )
    if not choice.reached:
        log(f"no threshold reaches {config.target_precision:.1%}; using {DEFAULT_THRESHOLD}")
    log(f"move threshold {choice.threshold:.4f} (validation, {config.target_precision:.1%})")
    return choice


@dataclass
class Build:
    """A head fitted, calibrated and thresholded on one backbone's features, and its figures."""

    head: heads.LinearHead
    calibration: dict
    choice: ThresholdChoice
    probs: dict[str, np.ndarray]
    evaluation: dict[str, dict]


def fit_build(features: dict[str, Features], config: Config, log: Log) -> Build:
    """Fit, calibrate, choose the threshold and evaluate, all from cached features."""
    head = fit_head(features, config, log)
    calibration = calibrate(head, features["validation"], log)
    probs = {g: probabilities(head, calibration["temperature"], f) for g, f in features.items()}
    choice = pick_threshold(probs["validation"], features["validation"], config, log)
    evaluation = {
        group: report.evaluate(
            probs[group], features[group].labels, features[group].sources, choice.threshold
        )
        for group in ("validation", "test", "reference")
    }
    calibration["ece_test"] = expected_calibration_error(probs["test"], features["test"].labels)
    for group in ("validation", "test", "reference"):
        log(report.one_line(group, evaluation[group]))
    return Build(head, calibration, choice, probs, evaluation)


def run(config: Config, log: Log = print) -> dict:
    """Train, calibrate, choose the threshold, export, evaluate; returns the model card written.

    The float32 build is always fitted; the int8 one (the default) is fitted beside it on its
    own backbone's embeddings, ships, and the card records both so they can be compared."""
    started = time.time()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from .model import export_model

    keras.utils.set_random_seed(config.seed)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    split = select(config, log)
    decoded = decode(split, config, log)
    log("float32 backbone:")
    float_extractor = Extractor(config.base_weights)
    float_features = embed(split, decoded, float_extractor, config, log)
    builds = {"float32": fit_build(float_features, config, log)}
    calibration_photos, extractor = None, None
    with tempfile.TemporaryDirectory() as work:
        if config.precision == "int8":
            calibration_photos = quantise.calibration_pixels(
                [decoded[n].pixels for n in split.source_names("train")], config.seed
            )
            extractor = quantise.QuantisedExtractor(
                config.base_weights, calibration_photos, Path(work)
            )
            log("int8 backbone:")
            builds["int8"] = fit_build(embed(split, decoded, extractor, config, log), config, log)
        shipped = builds[config.precision]
        final = export_model(config.base_weights, shipped.head, shipped.calibration["temperature"])
        written = export.export(final, config.out_dir, config.formats, calibration_photos)
        if extractor is not None and calibration_photos is not None and "tflite" in written:
            quantise.check_same_backbone(extractor, written["tflite"], calibration_photos[:32])
        # The typical dog and cat, as the shipped backbone embeds the training photos.
        means = typical.training_means(
            extractor if extractor is not None else float_extractor,
            [decoded[n] for n in split.source_names("train")],
            config.seed,
            config.cache_dir,
            log,
        )
        written["species_means"] = typical.write(means, config.out_dir)
    log(f"features and heads ready after {time.time() - started:.0f}s")
    log("exported " + ", ".join(p.name for p in written.values()))

    test_set = _decoded_group(split, decoded, "test")
    report.plot_curves(shipped.head.history, config.out_dir / "curves.png")
    report.plot_coverage(
        shipped.choice, shipped.probs["test"], test_set.labels, config.out_dir / "coverage.png"
    )
    report.plot_predictions(
        test_set, shipped.probs["test"], config.out_dir / "predictions.png", config.sample_grid
    )
    card = report.model_card(
        config=config.summary(),
        split=split,
        failures=[f for d in decoded.values() for f in d.failures],
        evaluation=shipped.evaluation,
        calibration=shipped.calibration,
        threshold=shipped.choice,
        head_steps=len(shipped.head.history["loss"]),
        files={fmt: path.name for fmt, path in written.items()},
        training_seconds=time.time() - started,
    )
    card["precision"] = config.precision
    card["precisions"] = {
        name: {
            "evaluation": {g: build.evaluation[g] for g in ("test", "reference")},
            "ece_test": build.calibration["ece_test"],
            "temperature": build.calibration["temperature"],
            "threshold": build.choice.threshold,
        }
        for name, build in builds.items()
    }
    (config.out_dir / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    log(f"done in {(time.time() - started) / 60:.1f} min; wrote {config.out_dir}")
    return card


def _decoded_group(split: Split, decoded: dict[str, DecodedSet], group: str) -> DecodedSet:
    names = split.source_names(group)
    return DecodedSet(
        examples=[e for n in names for e in decoded[n].examples],
        pixels=np.concatenate([decoded[n].pixels for n in names]),
        labels=np.concatenate([decoded[n].labels for n in names]),
        failures=[f for n in names for f in decoded[n].failures],
        contract=next((decoded[n].contract for n in names), CONTRACT_VERSION),
    )


__all__ = ["Config", "asdict", "run"]
