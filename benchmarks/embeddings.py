"""The bundled model's outputs for every shared photo, computed once and cached under ``.bench/``.

The personal-layer benchmark refits thousands of times on these; decoding 5,600 photos again for
each run would cost minutes. The cache file is named after the model's identity, so a new bundled
model is measured on its own embeddings without anyone deleting anything.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.corpus import BENCH_DIR, SHARED
from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.imaging import ImageReadError, load_pixels
from dogcat_desktop.resources import model_dir

BATCH = 32


@dataclass(frozen=True)
class Photo:
    path: Path
    collection: str  # where a user's folder of such photos would come from
    label: str  # dog, cat or other
    category: str  # the source's own finer label (a breed, for Oxford-IIIT pets), or ""


@dataclass(frozen=True)
class Embedded:
    photos: list[Photo]
    probabilities: np.ndarray  # (N, 3) float32, in CLASSES order
    embeddings: np.ndarray  # (N, 1280) float16, as the scan cache keeps them
    model_id: str
    threshold: float  # the bundled model's move threshold (its card's)


def shared_photos() -> list[Photo]:
    """The varied set (by source, from its manifest), the Kaggle validation split and ``other``."""
    photos = []
    varied = SHARED / "varied"
    with (varied / "MANIFEST.tsv").open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            name = Path(row["file"]).name
            photos.append(
                Photo(varied / row["file"], name.split("_", 1)[0], row["label"], row["category"])
            )
    for label in ("cat", "dog"):
        folder = SHARED / "dogs-vs-cats" / "validation" / f"{label}s"
        photos += [Photo(p, "dogs-vs-cats", label, "") for p in sorted(folder.glob("*.jpg"))]
    for folder in sorted(p for p in (SHARED / "other").iterdir() if p.is_dir()):
        photos += [
            Photo(p, f"other-{folder.name}", "other", "") for p in sorted(folder.rglob("*.jpg"))
        ]
    return photos


def load(threads: int = 1) -> Embedded:
    """Every shared photo through the bundled model, from the cache when it is there."""
    photos = shared_photos()
    classifier = Classifier(model_dir(), threads=threads)
    cache = BENCH_DIR / f"personal-embeddings-{classifier.model_id}.npz"
    names = np.array([str(photo.path) for photo in photos])
    if cache.exists():
        stored = np.load(cache)
        if np.array_equal(stored["paths"], names):
            return Embedded(
                photos,
                stored["probabilities"],
                stored["embeddings"],
                classifier.model_id,
                classifier.threshold,
            )
    probabilities = np.zeros((len(photos), 3), np.float32)
    embeddings = np.zeros((len(photos), 1280), np.float16)
    for start in range(0, len(photos), BATCH):
        chunk = photos[start : start + BATCH]
        pixels = []
        for photo in chunk:
            try:
                pixels.append(load_pixels(photo.path))
            except ImageReadError as exc:  # the shared data is checked; this should not happen
                raise SystemExit(f"{photo.path}: {exc}") from exc
        outputs = classifier.run(np.stack(pixels))
        probabilities[start : start + len(chunk)] = outputs["probabilities"]
        embeddings[start : start + len(chunk)] = outputs["embedding"]
        print(f"\rembedding shared photos: {start + len(chunk)}/{len(photos)}", end="", flush=True)
    print()
    BENCH_DIR.mkdir(exist_ok=True)
    temporary = cache.with_suffix(".tmp.npz")
    np.savez(temporary, paths=names, probabilities=probabilities, embeddings=embeddings)
    temporary.replace(cache)
    return Embedded(photos, probabilities, embeddings, classifier.model_id, classifier.threshold)
