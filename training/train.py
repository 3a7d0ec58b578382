"""A full rebuild: data, cached base activations, two training phases, calibration, outputs."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dogcat_desktop.core.labels import CLASSES

from . import data as datasets
from .calibration import expected_calibration_error, fit_temperature, softmax
from .pixels import DecodedSet, decode_examples


@dataclass
class Config:
    roots: list[Path]
    test_roots: list[Path]
    out_dir: Path
    base_weights: str = "imagenet"
    test_slices: dict[str, float] = field(default_factory=lambda: {"other": 0.2})
    val_fraction: float = 0.15
    views: int = 5  # 1 plain + (views - 1) augmented copies of each training photo
    seed: int = 1337
    head_epochs: int = 40
    head_lr: float = 1e-3
    fine_tune_epochs: int = 30
    fine_tune_lr: float = 5e-5
    patience: int = 4
    batch_size: int = 32
    unsure_threshold: float = 0.8
    formats: tuple[str, ...] = ("tflite",)
    cache_dir: Path | None = None
    max_per_class: int | None = None  # small smoke runs only
    sample_grid: int = 48


Log = Callable[[str], None]


def _select(config: Config, log: Log):
    train_all, unlabelled = datasets.discover(config.roots)
    test, test_unlabelled = datasets.discover(config.test_roots)
    for name, fraction in config.test_slices.items():
        train_all, slice_ = datasets.split_fraction(
            train_all, fraction, salt="test-slice", classes=[CLASSES.index(name)]
        )
        test += slice_
    train, val = datasets.split_fraction(train_all, config.val_fraction, salt="validation")
    if config.max_per_class:
        train, val, test = (_cap(s, config.max_per_class) for s in (train, val, test))
    for title, subset in (("train", train), ("validation", val), ("test", test)):
        log(f"{title:>10}: {len(subset):5d} photos {datasets.counts(subset)}")
    if unlabelled or test_unlabelled:
        log(f"skipped {len(unlabelled) + len(test_unlabelled)} photos with no class in their path")
    return train, val, test


def _cap(examples, per_class: int):
    taken: dict[int, int] = {}
    kept = []
    for example in examples:
        if taken.get(example.label, 0) < per_class:
            taken[example.label] = taken.get(example.label, 0) + 1
            kept.append(example)
    return kept


def _class_weights(labels: np.ndarray) -> dict[int, float]:
    counts = np.bincount(labels, minlength=len(CLASSES)).astype(float)
    counts[counts == 0] = 1
    return {i: float(len(labels) / (len(CLASSES) * c)) for i, c in enumerate(counts)}


def _activations(lower, images: np.ndarray, batch: int, augment=None) -> np.ndarray:
    """Frozen-base output for each image (optionally augmented first), as float16."""
    import tensorflow as tf

    from .model import normalise

    norm = normalise()
    out = None
    for start in range(0, len(images), batch):
        x = tf.convert_to_tensor(images[start : start + batch], tf.float32)
        if augment is not None:
            x = augment(x, training=True)
        acts = lower(norm(x), training=False).numpy().astype(np.float16)
        if out is None:
            out = np.empty((len(images), *acts.shape[1:]), np.float16)
        out[start : start + len(acts)] = acts
    return out


def run(config: Config, log: Log = print) -> dict:
    """Train, calibrate, evaluate and export; returns the model card that was written."""
    started = time.time()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from . import export, report
    from .model import (
        Head,
        build_base,
        export_model,
        fine_tune_model,
        freeze_batchnorm,
        pooled,
        split_base,
    )

    keras.utils.set_random_seed(config.seed)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    train_ex, val_ex, test_ex = _select(config, log)

    def progress(title: str):
        return lambda done, total: log(f"  decoding {title}: {done}/{total}")

    decoded: dict[str, DecodedSet] = {}
    for title, subset in (("train", train_ex), ("validation", val_ex), ("test", test_ex)):
        decoded[title] = decode_examples(subset, config.cache_dir, progress(title))
    failures = [f for d in decoded.values() for f in d.failures]
    if failures:
        log(f"skipped {len(failures)} unreadable files (listed in the model card)")
    train, val, test = decoded["train"], decoded["validation"], decoded["test"]

    base = build_base(config.base_weights)
    base.trainable = True
    lower, upper = split_base(base)
    lower.trainable = False
    freeze_batchnorm(upper)

    from .model import augmentation

    t0 = time.time()
    augment = augmentation(config.seed)
    train_views = [_activations(lower, train.pixels, 64)]
    for view in range(1, config.views):
        log(f"  caching base activations: augmented view {view}/{config.views - 1}")
        train_views.append(_activations(lower, train.pixels, 64, augment))
    val_acts = _activations(lower, val.pixels, 64)
    log(f"cached base activations in {time.time() - t0:.0f}s")

    # Phase 1: head only, on pooled embeddings of every cached view.
    pool = pooled(upper)
    train_feats = np.concatenate([pool.predict(v, batch_size=128, verbose=0) for v in train_views])
    train_feat_labels = np.tile(train.labels, config.views)
    val_feats = pool.predict(val_acts, batch_size=128, verbose=0)
    head = Head(name="head")
    feat_in = keras.Input((train_feats.shape[1],))
    head_model = keras.Model(feat_in, head(feat_in))
    head_model.compile(
        optimizer=keras.optimizers.Adam(config.head_lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    log("phase 1: training the new head (base frozen)")
    history1 = head_model.fit(
        train_feats,
        train_feat_labels,
        validation_data=(val_feats, val.labels),
        epochs=config.head_epochs,
        batch_size=128,
        class_weight=_class_weights(train.labels),
        callbacks=[_early_stopping(keras, config.patience), _EpochLog(keras, log, "phase 1")],
        verbose=0,
    )

    # Phase 2: the blocks above the cut too, low learning rate, BatchNorm in inference mode.
    ft = fine_tune_model(upper, head)
    ft.compile(
        optimizer=keras.optimizers.Adam(config.fine_tune_lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(config.seed)
    n = len(train.labels)
    views = np.stack(train_views)  # (views, N, 7, 7, 160)

    def one_view_per_photo():
        while True:
            order = rng.permutation(n)
            pick = rng.integers(0, config.views, n)
            for start in range(0, n, config.batch_size):
                idx = order[start : start + config.batch_size]
                yield views[pick[idx], idx].astype(np.float32), train.labels[idx]

    log("phase 2: fine-tuning the top of the base")
    dataset = tf.data.Dataset.from_generator(
        one_view_per_photo,
        output_signature=(
            tf.TensorSpec((None, *views.shape[2:]), tf.float32),
            tf.TensorSpec((None,), tf.int64),
        ),
    ).prefetch(2)
    history2 = ft.fit(
        dataset,
        steps_per_epoch=int(np.ceil(n / config.batch_size)),
        validation_data=(val_acts.astype(np.float32), val.labels),
        epochs=config.fine_tune_epochs,
        class_weight=_class_weights(train.labels),
        callbacks=[_early_stopping(keras, config.patience), _EpochLog(keras, log, "phase 2")],
        verbose=0,
    )

    # Calibration on the validation split.
    val_logits = ft.predict(val_acts.astype(np.float32), batch_size=128, verbose=0)
    temperature = fit_temperature(val_logits, val.labels)
    ece_before = expected_calibration_error(softmax(val_logits), val.labels)
    ece_after = expected_calibration_error(softmax(val_logits, temperature), val.labels)
    log(f"calibration: T={temperature:.3f}, ECE {ece_before:.4f} -> {ece_after:.4f}")

    final = export_model(base, head, temperature)
    written = export.export(final, config.out_dir, config.formats)
    log("exported " + ", ".join(p.name for p in written.values()))

    probs = final.predict(test.pixels.astype(np.float32), batch_size=64, verbose=0)
    probs = probs["probabilities"]
    evaluation = report.evaluate(probs, test.labels, config.unsure_threshold)
    test_ece = expected_calibration_error(probs, test.labels)
    log(
        f"test: cats+dogs {evaluation['cat_dog_accuracy']:.4f}, "
        f"other recognised {evaluation['other_recognised']:.4f}, "
        f"overall {evaluation['accuracy']:.4f}"
    )

    histories = [("phase 1", history1.history), ("phase 2", history2.history)]
    report.plot_curves(histories, config.out_dir / "curves.png")
    report.plot_predictions(test, probs, config.out_dir / "predictions.png", config.sample_grid)

    card = report.model_card(
        config=config,
        splits={"train": train_ex, "validation": val_ex, "test": test_ex},
        failures=failures,
        evaluation=evaluation,
        calibration={
            "method": "temperature scaling on the validation split",
            "temperature": temperature,
            "ece_validation_before": ece_before,
            "ece_validation_after": ece_after,
            "ece_test": test_ece,
        },
        histories=histories,
        files={fmt: path.name for fmt, path in written.items()},
        training_seconds=time.time() - started,
    )
    (config.out_dir / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    log(f"done in {(time.time() - started) / 60:.1f} min; wrote {config.out_dir}")
    return card


def _early_stopping(keras, patience: int):
    return keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )


def _make_epoch_log(keras):
    class EpochLog(keras.callbacks.Callback):
        def __init__(self, log: Log, phase: str):
            super().__init__()
            self.log, self.phase, self.started = log, phase, time.time()

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.time()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.log(
                f"  {self.phase} epoch {epoch + 1}: loss {logs.get('loss', 0):.4f} "
                f"acc {logs.get('accuracy', 0):.4f} val_loss {logs.get('val_loss', 0):.4f} "
                f"val_acc {logs.get('val_accuracy', 0):.4f} ({time.time() - self.started:.0f}s)"
            )

    return EpochLog


def _EpochLog(keras, log: Log, phase: str):  # noqa: N802 - reads like the class it builds
    return _make_epoch_log(keras)(log, phase)


def config_summary(config: Config) -> dict:
    summary = asdict(config)
    for key in ("roots", "test_roots"):
        summary[key] = [str(p) for p in summary[key]]
    summary["out_dir"] = str(config.out_dir)
    summary["cache_dir"] = str(config.cache_dir) if config.cache_dir else None
    return summary
