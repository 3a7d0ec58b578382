"""What the bundled model's held-out shortfall is made of: its figures per category of the test
sources (an Oxford-IIIT breed, an other-animal class), and the pet figures with each category
left out in turn.

A source's total hides where its errors sit; when most of them sit in one kind of photo that no
training or validation source has, more of the same training data will not help, and the README
says so. Run through the app's own decode and classifier (``benchmarks/embeddings.py``, cached
under ``.bench/`` by model), at the threshold the model card sets.

    python benchmarks/held_out_categories.py [--top 12]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import embeddings
from benchmarks.corpus import SHARED
from dogcat_desktop.core.classifier import ModelCard
from dogcat_desktop.core.labels import CLASSES
from dogcat_desktop.resources import model_dir
from training.report import figures
from training.sources import load_split

PETS = ("dog", "cat")


@dataclass(frozen=True)
class Tally:
    """Some test photos and the product's figures on them (``training.report.figures``)."""

    rows: list[int]
    figures: dict

    @property
    def photos(self) -> int:
        return len(self.rows)

    def count(self, share: str) -> int:
        """How many photos a share of all of them stands for (``accuracy``, ``wrong_moves``)."""
        return round(self.figures[share] * self.photos)

    def describe(self) -> str:
        unsure = self.figures["pets_unsure"]
        pets = "" if unsure is None else f", unsure {unsure:.2%}"
        return f"right {self.figures['accuracy']:.2%}{pets}"


def category(label: str, raw: str, collection: str) -> str:
    """A readable category: ``cat: sphynx`` from the manifest's ``cat: Sphynx (breed)``, else
    the collection's name."""
    detail = raw.split(": ", 1)[-1].split(" (")[0].split(",")[0].lower() if ": " in raw else ""
    return f"{label}: {detail or collection}"


def tally(data: embeddings.Embedded, rows: list[int], threshold: float) -> Tally:
    labels = np.array([CLASSES.index(data.photos[row].label) for row in rows], dtype=np.int64)
    return Tally(rows, figures(data.probabilities[rows], labels, threshold))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=12, help="categories to list, most errors first")
    parser.add_argument(
        "--imagenet",
        type=Path,
        metavar="WEIGHTS",
        help="also name the ImageNet layer's top classes for the worst categories' photos",
    )
    args = parser.parse_args()
    threshold = ModelCard.load(model_dir() / "model_card.json").threshold
    held_out = {e.path.resolve() for e in load_split(SHARED).group("test")}
    data = embeddings.load()
    by_category: dict[str, list[int]] = defaultdict(list)
    for row, photo in enumerate(data.photos):
        if photo.path.resolve() in held_out:
            by_category[category(photo.label, photo.category, photo.collection)].append(row)
    found = sum(len(rows) for rows in by_category.values())
    print(f"model {data.model_id}, threshold {threshold}, {found} of {len(held_out)} test photos")
    tallies = {name: tally(data, rows, threshold) for name, rows in by_category.items()}
    worst = sorted(tallies.items(), key=lambda item: item[1].count("accuracy") - item[1].photos)
    print(f"\n{'category':<34}{'photos':>7}{'right':>9}{'pets unsure':>13}{'wrong moves':>13}")
    for name, t in worst[: args.top]:
        share = t.figures["pets_unsure"]
        unsure = "-" if share is None else f"{share:.1%}"
        right, wrong = t.figures["accuracy"], t.count("wrong_moves")
        print(f"{name:<34}{t.photos:>7}{right:>9.1%}{unsure:>13}{wrong:>13}")
    if args.imagenet:
        print("\nThe ImageNet layer's top class for the worst categories' photos:")
        for name, t in worst[:4]:
            print(f"  {name:<30} {imagenet_top(data, t.rows, args.imagenet)}")
    pets = left_out_in_turn(data, tallies, threshold, PETS, args.top)
    neither = left_out_in_turn(data, tallies, threshold, ("other",), args.top)
    print(f"\nsummary: pets {pets}; neither {neither}")


def left_out_in_turn(
    data: embeddings.Embedded,
    tallies: dict[str, Tally],
    threshold: float,
    classes: tuple[str, ...],
    top: int,
) -> str:
    """Print the figures of ``classes``' photos with each of their categories left out in turn,
    biggest gain first, and return the biggest as one line."""
    ours = {name: t for name, t in tallies.items() if name.split(":")[0] in classes}
    rows = [r for t in ours.values() for r in t.rows]
    every = tally(data, rows, threshold)
    without = {}
    for name, t in ours.items():
        left_out = set(t.rows)
        without[name] = tally(data, [r for r in rows if r not in left_out], threshold)
    gains = sorted(without.items(), key=lambda item: item[1].photos - item[1].count("accuracy"))
    print(f"\n{'/'.join(classes)}, {every.photos} photos: {every.describe()}; without:")
    for name, rest in gains[: max(top // 2, 1)]:
        print(f"  {name:<30} {rest.describe()}")
    name, rest = gains[0]
    return f"{every.describe()}; without {name} ({len(ours[name].rows)} photos) {rest.describe()}"


def imagenet_top(data: embeddings.Embedded, rows: list[int], weights: Path, count: int = 4) -> str:
    """The ImageNet layer's top classes for these photos, from the bundled model's embedding and
    the 1000-class weights ``weights`` (the shared ``mobilenet_v2_1.00_224.weights.h5``)."""
    import h5py  # type: ignore[import-untyped]  # the bench extra's; only this option needs it

    with h5py.File(weights) as stored:
        kernel = np.asarray(stored["layers/dense/vars/0"])
        bias = np.asarray(stored["layers/dense/vars/1"])
    names = weights.with_name("imagenet_labels_1000.txt").read_text().splitlines()
    logits = data.embeddings[rows].astype(np.float32) @ kernel + bias
    top = Counter(names[i].split(",")[0] for i in logits.argmax(axis=1))
    return ", ".join(f"{name} {n}" for name, n in top.most_common(count))


if __name__ == "__main__":
    main()
