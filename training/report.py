"""What a rebuild reports: test figures, the model card, and the two PNGs."""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
from importlib import metadata
from pathlib import Path

import numpy as np

from dogcat_desktop.core.labels import CLASSES

from . import data as datasets


def evaluate(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """Per-class accuracy, confusion matrix and the figures the product targets are about."""
    predicted = probs.argmax(axis=1)
    confusion = np.zeros((len(CLASSES), len(CLASSES)), int)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = {
        name: float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else None
        for i, name in enumerate(CLASSES)
    }
    pets = labels != CLASSES.index("other")
    confident = probs.max(axis=1) >= threshold
    return {
        "photos": len(labels),
        "accuracy": float((predicted == labels).mean()),
        "cat_dog_accuracy": float((predicted[pets] == labels[pets]).mean()) if pets.any() else None,
        "other_recognised": per_class["other"],
        "per_class_accuracy": per_class,
        "confusion_matrix": {
            "rows_true_cols_predicted": list(CLASSES),
            "counts": confusion.tolist(),
        },
        "threshold": {
            "unsure_below": threshold,
            "unsure_fraction": float((~confident).mean()),
            "accuracy_when_sure": float((predicted[confident] == labels[confident]).mean())
            if confident.any()
            else None,
        },
    }


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy", "pillow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def model_card(
    *, config, splits, failures, evaluation, calibration, histories, files, training_seconds
) -> dict:
    from .model import CUT_LAYER, EMBEDDING_SIZE
    from .train import config_summary

    def describe(examples):
        roots: dict[str, dict[str, int]] = {}
        for example in examples:
            per = roots.setdefault(str(example.root), {name: 0 for name in CLASSES})
            per[example.class_name] += 1
        return {
            "files": len(examples),
            "per_class": datasets.counts(examples),
            "roots": roots,
            "file_list_sha256": datasets.file_list_hash(examples),
        }

    return {
        "name": "DogCat Sorter classifier",
        "architecture": "MobileNetV2 (alpha 1.0, 224x224, ImageNet weights) + dropout + dense(3)",
        "classes": list(CLASSES),
        "input": {
            "size": [224, 224],
            "channels": "RGB",
            "range": "0..255 float32; normalisation to [-1, 1] is inside the model",
            "preprocessing": "dogcat_desktop.core.imaging.decode",
        },
        "outputs": {"probabilities": len(CLASSES), "embedding": EMBEDDING_SIZE},
        "files": files,
        "data": {name: describe(examples) for name, examples in splits.items()},
        "unreadable_files": [{"path": str(p), "reason": r} for p, r in failures],
        "test": evaluation,
        "calibration": calibration,
        "threshold": config.unsure_threshold,
        "training": {
            "fine_tuned_from": CUT_LAYER,
            "epochs": {phase: len(h.get("loss", [])) for phase, h in histories},
            "seconds": round(training_seconds, 1),
            "config": config_summary(config),
        },
        "versions": _versions(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def plot_curves(histories: list[tuple[str, dict]], path: Path) -> None:
    """Accuracy and loss, train vs validation, with both phases on one epoch axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), dpi=90)
    offset = 0
    boundaries = []
    series: dict[str, list[float]] = {}
    for _, history in histories:
        for key in ("accuracy", "val_accuracy", "loss", "val_loss"):
            series.setdefault(key, []).extend(history.get(key, []))
        offset += len(history.get("loss", []))
        boundaries.append(offset)
    epochs = np.arange(1, offset + 1)
    for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
        ax.plot(epochs, series[metric], label="train", color="#1f77b4")
        ax.plot(epochs, series[f"val_{metric}"], label="validation", color="#d62728")
        for boundary in boundaries[:-1]:
            ax.axvline(boundary + 0.5, color="grey", linestyle="--", linewidth=1)
            ax.text(boundary + 0.7, ax.get_ylim()[1], "fine-tuning", va="top", fontsize=8)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_predictions(test, probs: np.ndarray, path: Path, count: int = 48) -> None:
    """A grid of test photos with prediction and confidence; every error first, in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != test.labels)
    right = np.flatnonzero(predicted == test.labels)
    rng = np.random.default_rng(0)
    chosen = list(wrong[:count]) + list(rng.permutation(right)[: max(0, count - len(wrong))])
    columns = 8
    rows = max(1, int(np.ceil(len(chosen) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.5, rows * 1.75), dpi=60)
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, index in zip(np.ravel(axes), chosen, strict=False):
        ax.imshow(test.pixels[index])
        ok = predicted[index] == test.labels[index]
        ax.set_title(
            f"{CLASSES[predicted[index]]} {probs[index].max():.0%}"
            + ("" if ok else f"\n(is {CLASSES[test.labels[index]]})"),
            fontsize=7,
            color="black" if ok else "#c00000",
        )
        if not ok:
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("#c00000")
                spine.set_linewidth(3)
    fig.suptitle(f"Test photos: {len(wrong)} errors of {len(predicted)} (errors first, red)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
