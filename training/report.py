"""What a rebuild reports: held-out figures per source, the model card, and the plots."""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np

from dogcat_desktop.core.imaging import INPUT_SIZE
from dogcat_desktop.core.labels import CLASSES, SORT_FOLDERS

from . import data as datasets
from .calibration import expected_calibration_error
from .features import EMBEDDING_SIZE, IMAGENET_GROUPS
from .pixels import DecodedSet
from .sources import Split
from .threshold import MOVABLE, ThresholdChoice, curve

OTHER = CLASSES.index("other")


def figures(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """The product's figures for one set of photos: what `classify` says and `sort` does."""
    predicted = probs.argmax(axis=1)
    sure = probs.max(axis=1) >= threshold
    pets = labels != OTHER
    moved = sure & np.isin(predicted, MOVABLE)
    others = ~pets

    def share(mask: np.ndarray, of: np.ndarray) -> float | None:
        return float(mask[of].mean()) if of.any() else None

    folder_precision = {}
    for cls in MOVABLE:
        into = moved & (predicted == cls)
        folder_precision[SORT_FOLDERS[CLASSES[cls]]] = (
            float((labels[into] == cls).mean()) if into.any() else None
        )
    return {
        "photos": len(labels),
        "per_class": {name: int((labels == i).sum()) for i, name in enumerate(CLASSES)},
        "accuracy": float((predicted == labels).mean()) if len(labels) else None,
        "cat_dog_accuracy": share(predicted == labels, pets),
        "other_recognised": share(predicted == OTHER, others),
        "pets_unsure": share(~sure, pets),
        "pets_moved_right": share(moved & (predicted == labels), pets),
        "wrong_moves": float((moved & (predicted != labels)).mean()) if len(labels) else None,
        "folder_precision": folder_precision,
    }


def evaluate(probs: np.ndarray, labels: np.ndarray, sources: np.ndarray, threshold: float) -> dict:
    """Overall and per-source figures, the confusion matrix and the calibration error."""
    confusion = np.zeros((len(CLASSES), len(CLASSES)), int)
    np.add.at(confusion, (labels, probs.argmax(axis=1)), 1)
    return {
        **figures(probs, labels, threshold),
        "ece": expected_calibration_error(probs, labels) if len(labels) else None,
        "threshold": threshold,
        "per_source": {
            str(name): figures(probs[sources == name], labels[sources == name], threshold)
            for name in dict.fromkeys(sources.tolist())
        },
        "confusion_matrix": {
            "rows_true_cols_predicted": list(CLASSES),
            "counts": confusion.tolist(),
        },
    }


def one_line(group: str, figures: dict) -> str:
    def pct(key: str) -> str:
        value = figures.get(key)
        return "-" if value is None else f"{value:.2%}"

    return (
        f"{group}: cats+dogs {pct('cat_dog_accuracy')}, other recognised "
        f"{pct('other_recognised')}, pets unsure {pct('pets_unsure')}, wrong moves "
        f"{pct('wrong_moves')}, ECE {pct('ece')}"
    )


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy", "pillow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def model_card(
    *,
    config: dict,
    split: Split,
    failures: list[tuple[Path, str]],
    evaluation: dict,
    calibration: dict,
    threshold: ThresholdChoice,
    head_steps: int,
    files: dict[str, str],
    training_seconds: float,
) -> dict:
    """The card the app reads (classes, threshold) and people read (data, figures)."""
    groups = {}
    for group, sources in split.counts().items():
        examples = split.group(group)
        groups[group] = {
            "files": len(examples),
            "per_class": datasets.counts(examples),
            "sources": sources,
            "file_list_sha256": datasets.file_list_hash(examples),
        }
    chosen = next((p for p in threshold.curve if p.threshold == threshold.threshold), None)
    return {
        "name": "DogCat Sorter classifier",
        "architecture": (
            "MobileNetV2 (alpha 1.0, 224x224, ImageNet weights, frozen); its ImageNet classifier "
            "summed into groups (" + ", ".join(IMAGENET_GROUPS) + ", rest) as log-evidence; "
            "a linear head on [1280-d embedding, group log-evidence]; temperature scaling"
        ),
        "classes": list(CLASSES),
        "input": {
            "size": [INPUT_SIZE, INPUT_SIZE],
            "channels": "RGB",
            "range": "0..255 float32; normalisation to [-1, 1] is inside the model",
            "preprocessing": "dogcat_desktop.core.imaging.decode",
        },
        "outputs": {"probabilities": len(CLASSES), "embedding": EMBEDDING_SIZE},
        "files": files,
        "threshold": threshold.threshold,
        "threshold_choice": {
            "rule": "lowest confidence at which each moved folder is at least "
            f"{config['target_precision']:.1%} right on the validation sources",
            "reached": threshold.reached,
            "validation_point": asdict(chosen) if chosen else None,
        },
        "data": {"data_dir": config["data_dir"], "splits_file": config["splits_file"], **groups},
        "unreadable_files": [{"path": str(p), "reason": r} for p, r in failures],
        # The About dialog's figures: the held-out test sources (per source under "evaluation").
        "test": {k: v for k, v in evaluation["test"].items() if k != "per_source"},
        "evaluation": evaluation,
        "calibration": calibration,
        "training": {
            "head_steps": head_steps,
            "seconds": round(training_seconds, 1),
            "config": config,
        },
        "versions": _versions(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history: dict[str, list[float]], path: Path) -> None:
    """Head loss per step, training views vs validation sources."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    ax.plot(history["loss"], label="training views", color="#1f77b4")
    ax.plot(history["val_loss"], label="validation sources", color="#d62728")
    ax.set_xlabel("step (full batch)")
    ax.set_ylabel("cross-entropy")
    ax.set_title("head fit")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_coverage(
    choice: ThresholdChoice, test_probs: np.ndarray, test_labels: np.ndarray, path: Path
) -> None:
    """Share of cat and dog photos moved vs precision of the worse folder, as the threshold runs."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=90)
    for title, points, colour in (
        ("validation sources", choice.curve, "#d62728"),
        ("test sources", curve(test_probs, test_labels), "#1f77b4"),
    ):
        ax.plot(
            [p.coverage for p in points],
            [p.precision for p in points],
            label=title,
            color=colour,
        )
        at = min(points, key=lambda p: abs(p.threshold - choice.threshold))
        ax.plot(at.coverage, at.precision, "o", color=colour)
    ax.axhline(0.995, color="grey", linestyle="--", linewidth=1)
    ax.set_title(
        f"Moved photos: coverage vs precision (dots: threshold {choice.threshold:.3f})",
        fontsize=10,
    )
    ax.set_xlabel("share of cat and dog photos moved to the right folder")
    ax.set_ylabel("precision of the worse folder")
    ax.set_ylim(0.97, 1.001)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_predictions(test: DecodedSet, probs: np.ndarray, path: Path, count: int = 48) -> None:
    """A grid of test photos with prediction and confidence; every error first, in red."""
    plt = _pyplot()
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
