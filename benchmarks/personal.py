"""How much the personal layer helps a user on the shared photos: ``python benchmarks/personal.py``.

- Fix one, fix ten: for each collection (one source of the shared photos, as a user's folder),
  start from the bundled model, label the least-sure photo, refit, and again, the way a user
  reviewing least-sure-first would; after k = 5, 10, 20 and 50 labels, count the errors on the
  photos not yet labelled, overall and per class, against the bundled model's on the same photos.
  The same run without the model as a prior shows what the prior is worth.
- Pets by name: Oxford-IIIT breeds stand in for individual animals; for one, two and three breeds of
  one species, k photos of each are labelled with the breed as the pet's name, and the rest of
  those breeds are named (right, wrong, or left unnamed in the species); photos of the species'
  other breeds should stay unnamed. Pets are told apart against the species' means of the whole
  collection, as the app keeps them from scanning it.
- Refit time: the whole fit (guard included) on 5,000 labels, best of three.

Embeddings come from the bundled model, whatever it is, once, cached under ``.bench/``.
Everything runs on one core (BLAS limited to one thread), so the times are an upper bound for
a machine that is busy scanning at the same time. Prints tables and ends with one summary line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import embeddings  # noqa: E402
from dogcat_desktop.core.labels import CLASSES  # noqa: E402
from dogcat_desktop.core.personal import (  # noqa: E402
    FILE_NAME,
    PersonalLayer,
    PersonalState,
    PersonalStore,
    TrainingSet,
)
from dogcat_desktop.core.personal.means import SpeciesMeans, bundled_means  # noqa: E402
from dogcat_desktop.core.personal.softmax import fit_softmax  # noqa: E402
from dogcat_desktop.core.personal.species import SpeciesModel, normalise, prior, project  # noqa: E402
from dogcat_desktop.resources import model_dir  # noqa: E402

STEPS = (5, 10, 20, 50)
MIN_COLLECTION = 100  # photos; leaves at least 50 unlabelled after the last step
NAME_EXAMPLES = (2, 3, 5, 10)
PET_COUNTS = (1, 2, 3)  # one named pet alone must not take every similar animal
NAME_TRIALS = 20  # random breed groups per species and group size
REFIT_LABELS = 5000


@dataclass
class Curve:
    """Errors on the photos not yet labelled, after each number of labels."""

    collection: str
    size: int
    trained_on: bool
    model_errors: dict[int, np.ndarray]  # k -> errors per class (CLASSES order), bundled model
    layer_errors: dict[int, np.ndarray]  # k -> errors per class, what the user sees
    no_prior_errors: dict[int, np.ndarray]
    linear_errors: dict[int, np.ndarray]
    rest_per_class: dict[int, np.ndarray]
    active: dict[int, bool]
    # k -> photos not yet labelled that the bundled model had right and sure (a sort moves them)
    # which the layer leaves unsure or wrong, and the reverse: what the user sees change
    lost: dict[int, int] = field(default_factory=dict)
    gained: dict[int, int] = field(default_factory=dict)


def simulate(
    data: embeddings.Embedded, rows: np.ndarray, variant: str = "layer", last: int = STEPS[-1]
) -> Curve:
    """Review as the grid orders photos, labelling each, refitting after each label.

    ``variant`` is ``layer`` (the app's), or for comparison, without the guard: ``no prior``
    (the same layer not starting from the bundled model) or ``linear`` (a linear layer on the
    embedding with a bias, the model as prior).
    """
    truth = np.array([CLASSES.index(data.photos[i].label) for i in rows])
    probabilities = data.probabilities[rows]
    vectors = data.embeddings[rows]
    labelled: list[int] = []
    confidence = probabilities.max(axis=1)
    predicted = probabilities.argmax(axis=1)
    model_predicted = predicted.copy()
    model_sure = (model_predicted == truth) & (confidence >= data.threshold)
    errors: dict[int, np.ndarray] = {}
    model_errors: dict[int, np.ndarray] = {}
    rest_counts: dict[int, np.ndarray] = {}
    active: dict[int, bool] = {}
    lost: dict[int, int] = {}
    gained: dict[int, int] = {}
    for k in range(last + 1):
        if k in (0, *STEPS):
            rest = np.setdiff1d(np.arange(len(rows)), labelled)
            errors[k] = _per_class(truth[rest], predicted[rest])
            model_errors[k] = _per_class(truth[rest], model_predicted[rest])
            rest_counts[k] = np.bincount(truth[rest], minlength=len(CLASSES))
            sure = (predicted == truth) & (confidence >= data.threshold)
            lost[k] = int((model_sure & ~sure)[rest].sum())
            gained[k] = int((~model_sure & sure)[rest].sum())
        if k == last:
            break
        labelled.append(next_to_review(confidence, predicted != model_predicted, labelled))
        if variant == "layer":
            layer = _fit_layer(vectors, probabilities, truth, labelled)
            found = layer.predict(vectors, probabilities)
            predicted = np.array([CLASSES.index(p.label) for p in found])
            confidence = np.array([p.confidence for p in found])
            active[k + 1] = layer.status().active
        else:
            result = _unguarded(variant, vectors, probabilities, truth, labelled)
            predicted, confidence = result.argmax(axis=1), result.max(axis=1)
    collection = data.photos[rows[0]].collection
    curve = Curve(collection, len(rows), False, model_errors, errors, {}, {}, rest_counts, active)
    curve.lost, curve.gained = lost, gained
    return curve


def next_to_review(confidence: np.ndarray, changed: np.ndarray, labelled: list[int]) -> int:
    """The grid's order: photos the personal layer relabelled first, then least sure first."""
    done = set(labelled)
    order = np.lexsort((confidence, ~changed))
    return int(next(i for i in order if i not in done))


def _fit_layer(
    vectors: np.ndarray, probabilities: np.ndarray, truth: np.ndarray, labelled: list[int]
) -> PersonalLayer:
    training = TrainingSet("bench").with_labels(
        (str(i), CLASSES[truth[i]], vectors[i], probabilities[i]) for i in labelled
    )
    return PersonalLayer.fit(training)


def _unguarded(
    variant: str,
    vectors: np.ndarray,
    probabilities: np.ndarray,
    truth: np.ndarray,
    labelled: list[int],
) -> np.ndarray:
    """Probabilities for every photo from a comparison layer, always used."""
    features, everything = normalise(vectors[labelled]), normalise(vectors)
    targets, given = truth[labelled], probabilities[labelled]
    if variant == "linear":
        linear = fit_softmax(features, targets, len(CLASSES), offset=prior(given), l2=1.0)
        return linear.probabilities(everything, prior(probabilities))
    landmarks, reduced = project(features)
    model = SpeciesModel.fit(landmarks, reduced, targets, given, use_prior=False)
    return model.probabilities(everything, probabilities)


def _per_class(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.bincount(truth[truth != predicted], minlength=len(CLASSES))


def trained_roots() -> list[str]:
    """Folders the bundled model was trained or calibrated on (from its model card)."""
    card = json.loads((model_dir() / "model_card.json").read_text())
    roots: list[str] = []
    for split in ("train", "validation"):
        roots += card.get("data", {}).get(split, {}).get("roots", {}).keys()
    return [str(Path(root).resolve()) for root in roots]


def collections(data: embeddings.Embedded) -> dict[str, np.ndarray]:
    names = np.array([photo.collection for photo in data.photos])
    found = {name: np.flatnonzero(names == name) for name in dict.fromkeys(names.tolist())}
    return {name: rows for name, rows in found.items() if len(rows) >= MIN_COLLECTION}


def run_curves(data: embeddings.Embedded) -> list[Curve]:
    roots = trained_roots()
    curves = []
    for rows in collections(data).values():
        curve = simulate(data, rows)
        curve.no_prior_errors = simulate(data, rows, "no prior", last=20).layer_errors
        curve.linear_errors = simulate(data, rows, "linear", last=20).layer_errors
        paths = [str(data.photos[i].path.resolve()) for i in rows]
        curve.trained_on = any(p.startswith(tuple(roots)) for p in paths)
        curves.append(curve)
    return sorted(curves, key=lambda c: -c.model_errors[0].sum() / c.size)


def print_curves(curves: list[Curve]) -> None:
    print("\nFix one, fix ten: errors on the photos not yet labelled (bundled model -> with layer)")
    print("(* = the bundled model was trained on this collection; per class: dog/cat/other)")
    header = f"{'collection':<19}{'photos':>7}{'k=0':>9}" + "".join(
        f"{f'k={k}':>17}" for k in STEPS
    )
    print(header + f"{'k=20 no prior':>15}{'k=20 linear':>13}")
    for curve in curves:
        cells = [f"{curve.model_errors[0].sum():>9}"]
        for k in STEPS:
            mark = "" if curve.active.get(k) else "°"
            cells.append(
                f"{curve.model_errors[k].sum():>9} -> {curve.layer_errors[k].sum():>3}{mark}"
            )
        name = curve.collection + ("*" if curve.trained_on else "")
        print(
            f"{name:<19}{curve.size:>7}"
            + "".join(cells)
            + f"{curve.no_prior_errors[20].sum():>15}{curve.linear_errors[20].sum():>13}"
        )
    print("(° = the guard kept the bundled model at that step)")
    print(
        "\nSure and right, as a sort would move them: photos not yet labelled that the layer"
        " made unsure or wrong / that it made sure and right (of those the model was not sure of)"
    )
    print(f"{'collection':<19}" + "".join(f"{f'k={k}':>12}" for k in STEPS))
    for curve in curves:
        if any(curve.lost.values()) or any(curve.gained.values()):
            cells = "".join(f"{f'-{curve.lost[k]} / +{curve.gained[k]}':>12}" for k in STEPS)
            print(f"{curve.collection:<19}{cells}")
    print("\nPer class after 20 labels (errors / photos left; bundled model -> with layer):")
    for curve in curves:
        parts = []
        for index, label in enumerate(CLASSES):
            left = curve.rest_per_class[20][index]
            if left:
                before, after = curve.model_errors[20][index], curve.layer_errors[20][index]
                parts.append(f"{label} {before}->{after} of {left}")
        print(f"  {curve.collection:<19}" + ", ".join(parts))


@dataclass
class NameResult:
    species: str
    pets: int
    examples: int
    right: int
    wrong: int
    unnamed: int
    others: int  # photos of the species' other breeds
    others_named: int  # of those, given a pet's name (wrongly)


def run_names(
    data: embeddings.Embedded,
    seed: int = 0,
    means: SpeciesMeans | None = None,
    examples_each: tuple[int, ...] = NAME_EXAMPLES,
) -> list[NameResult]:
    """``means``: what the pets are told apart against; by default as the app has them after
    scanning the collection (its own means, the bundled model's counted in)."""
    rng = np.random.default_rng(seed)
    photos = data.photos
    results = []
    if means is None:
        means = collection_means(data, "oxpets").with_prior(bundled_means(model_dir()))
    for species in ("cat", "dog"):
        rows = [i for i, p in enumerate(photos) if p.collection == "oxpets" and p.label == species]
        breeds: dict[str, list[int]] = {}
        for i in rows:
            breeds.setdefault(photos[i].category.split(": ")[-1].split(" (")[0], []).append(i)
        usable = sorted(b for b, members in breeds.items() if len(members) >= 15)
        for pets, examples in itertools.product(PET_COUNTS, examples_each):
            total = NameResult(species, pets, examples, 0, 0, 0, 0, 0)
            for _ in range(NAME_TRIALS):
                chosen = rng.choice(usable, pets, replace=False).tolist()
                labelled, rest = [], []
                for breed in chosen:
                    members = rng.permutation(breeds[breed]).tolist()
                    labelled += [(i, f"{species}/{breed}") for i in members[:examples]]
                    rest += [(i, breed) for i in members[examples:]]
                training = TrainingSet("bench").with_labels(
                    (str(i), label, data.embeddings[i], data.probabilities[i])
                    for i, label in labelled
                )
                layer = PersonalLayer.fit(training, means=means)
                found = layer.predict(
                    data.embeddings[[i for i, _ in rest]], data.probabilities[[i for i, _ in rest]]
                )
                for (_, breed), prediction in zip(rest, found, strict=True):
                    if prediction.name is None:
                        total.unnamed += 1
                    elif prediction.name == breed and prediction.label == species:
                        total.right += 1
                    else:
                        total.wrong += 1
                others = [i for b in usable if b not in chosen for i in breeds[b]]
                named = layer.predict(data.embeddings[others], data.probabilities[others])
                total.others += len(others)
                total.others_named += sum(p.name is not None for p in named)
            results.append(total)
    return results


def collection_means(data: embeddings.Embedded, collection: str) -> SpeciesMeans:
    """The species' means the app would have kept from scanning this collection: every photo
    of it, by the bundled model's label (labelled or not, as a scan counts them)."""
    rows = [i for i, photo in enumerate(data.photos) if photo.collection == collection]
    labels = [CLASSES[j] for j in data.probabilities[rows].argmax(axis=1)]
    return SpeciesMeans.of(normalise(data.embeddings[rows]), labels)


def print_names(results: list[NameResult]) -> None:
    print(f"\nPets by name (Oxford-IIIT breeds as pets, {NAME_TRIALS} random groups each)")
    print(
        f"{'species':<8}{'pets':>5}{'labels each':>12}{'right':>8}{'wrong':>8}{'unnamed':>9}"
        f"{'other breeds named':>20}"
    )
    for r in results:
        total = r.right + r.wrong + r.unnamed
        print(
            f"{r.species:<8}{r.pets:>5}{r.examples:>12}{r.right / total:>8.1%}"
            f"{r.wrong / total:>8.1%}{r.unnamed / total:>9.1%}{r.others_named / r.others:>20.1%}"
        )


def print_new_user(data: embeddings.Embedded, seed: int) -> None:
    """A new user, who has scanned too few photos for means of their own: the pets are told
    apart against the bundled model's means (its training photos'), or, without those, as
    they are."""
    prior = bundled_means(model_dir())
    print("\nA new user's pets (5 labels each, no photos of their own scanned yet)")
    print(f"{'species':<8}{'pets':>5}{'right':>8}{'other breeds named':>20}{'':>4}against")
    variants = [("nothing (no mean)", SpeciesMeans.empty())]
    if prior is not None:
        variants.append(("the bundled model's means", SpeciesMeans.empty().with_prior(prior)))
    for what, means in variants:
        for r in run_names(data, seed, means, examples_each=(5,)):
            total = r.right + r.wrong + r.unnamed
            print(
                f"{r.species:<8}{r.pets:>5}{r.right / total:>8.1%}"
                f"{r.others_named / r.others:>20.1%}{'':>4}{what}"
            )


@dataclass
class Timings:
    fit: float  # seconds, guard included
    predict: float  # seconds for 10,000 photos
    save: float
    load: float
    file_bytes: int


def timings(data: embeddings.Embedded, count: int = REFIT_LABELS) -> Timings:
    """Best of three, on real embeddings; the Oxford-IIIT photos among them named by breed."""
    rows = np.random.default_rng(1).permutation(len(data.photos))[:count]
    labels = []
    for i in rows:
        photo = data.photos[i]
        breed = photo.category.split(": ")[-1].split(" (")[0]
        labels.append(f"{photo.label}/{breed}" if photo.collection == "oxpets" else photo.label)
    training = TrainingSet("bench").with_labels(
        (str(i), label, data.embeddings[i], data.probabilities[i])
        for i, label in zip(rows, labels, strict=True)
    )
    many = np.resize(np.arange(len(data.photos)), 10_000)
    labels_of = [CLASSES[j] for j in data.probabilities.argmax(axis=1)]
    means = SpeciesMeans.of(normalise(data.embeddings), labels_of)
    best = Timings(*[float("inf")] * 4, 0)
    with tempfile.TemporaryDirectory() as folder:
        store = PersonalStore(Path(folder) / FILE_NAME)
        for _ in range(3):
            start = time.perf_counter()
            layer = PersonalLayer.fit(training, means=means)
            best.fit = min(best.fit, time.perf_counter() - start)
            start = time.perf_counter()
            layer.predict(data.embeddings[many], data.probabilities[many])
            best.predict = min(best.predict, time.perf_counter() - start)
            start = time.perf_counter()
            store.save(PersonalState(training))
            best.save = min(best.save, time.perf_counter() - start)
            start = time.perf_counter()
            store.load("bench")
            best.load = min(best.load, time.perf_counter() - start)
        best.file_bytes = store.path.stat().st_size
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-names", action="store_true")
    parser.add_argument(
        "--names-seed", type=int, default=0, help="other random pets (the rules were tuned on 0)"
    )
    args = parser.parse_args()
    data = embeddings.load()
    print(
        f"model {data.model_id}, {len(data.photos)} shared photos;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    curves = run_curves(data)
    print_curves(curves)
    names = [] if args.skip_names else run_names(data, seed=args.names_seed)
    if names:
        print_names(names)
        print_new_user(data, args.names_seed)
    measured = timings(data)
    print(
        f"\nOn {REFIT_LABELS:,} labels: refit (guard included) {measured.fit:.2f} s; predicting"
        f" 10,000 photos {measured.predict:.2f} s; file {measured.file_bytes / 1e6:.1f} MB,"
        f" saved in {measured.save:.2f} s, loaded and checked in {measured.load:.2f} s"
    )
    summarise(curves, names, measured.fit)


def summarise(curves: list[Curve], names: list[NameResult], fit_time: float) -> None:
    """The worst-handled collection holding more than one class (a one-class folder is learnt
    outright: "everything here is neither"), the targets across collections, names and speed."""
    mixed = [c for c in curves if (c.rest_per_class[20] > 0).sum() > 1 and not c.trained_on]
    worst = mixed[0] if mixed else curves[0]
    before, after = worst.model_errors[20], worst.layer_errors[20]
    halved = after.sum() * 2 <= before.sum()
    no_worse = bool((after <= before).all())
    with_errors = [c for c in curves if c.model_errors[20].sum()]
    met = sum(
        c.layer_errors[20].sum() * 2 <= c.model_errors[20].sum()
        and (c.layer_errors[20] <= c.model_errors[20]).all()
        for c in with_errors
    )
    named = [r for r in names if r.examples == 5]
    shares = [r.right / (r.right + r.wrong + r.unnamed) for r in named]
    right = min(shares, default=float("nan"))
    best = max(shares, default=float("nan"))
    precise = min((r.right / max(1, r.right + r.wrong) for r in named), default=float("nan"))
    strays = max((r.others_named / max(1, r.others) for r in named), default=float("nan"))
    print(
        f"\nSUMMARY worst mixed collection {worst.collection}: errors on the rest after 20"
        f" labels {before.sum()} -> {after.sum()} ({'halved' if halved else 'NOT halved'},"
        f" {'no class worse' if no_worse else 'a class got WORSE'}); halved with no class worse"
        f" on {met} of {len(with_errors)} collections with errors left; named pets after 5"
        f" labels each: {right:.0%}-{best:.0%} named right, names given at least {precise:.0%}"
        f" right, other breeds named up to {strays:.0%};"
        f" refit on {REFIT_LABELS:,} labels {fit_time:.2f} s"
    )


if __name__ == "__main__":
    main()
