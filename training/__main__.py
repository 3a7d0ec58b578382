"""``python -m training``: rebuild the classifier from folders of labelled photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .export import FORMATS
from .train import Config, run

EPILOG = """\
example (the bundled model, on a machine without internet):
  python -m training \\
      --data ../shared/data/dogs-vs-cats/train --data ../shared/data/more-dogs-vs-cats \\
      --data ../shared/data/other --test ../shared/data/dogs-vs-cats/validation \\
      --base-weights ../shared/weights/mobilenet_v2_1.00_224_no_top.weights.h5 \\
      --out resources/model
"""


def _slice(text: str) -> tuple[str, float]:
    name, _, fraction = text.partition("=")
    try:
        value = float(fraction)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CLASS=FRACTION, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError("the fraction must be in [0, 1)")
    return name, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training",
        description=(
            "Rebuild the dog / cat / neither classifier: MobileNetV2 with ImageNet weights, a new "
            "three-class head (phase 1, base frozen), then fine-tuning of the top of the base "
            "(phase 2, low learning rate), early stopping, temperature calibration, evaluation "
            "on a held-out test set, and export for the app."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="training root (repeatable). A class is a folder (cats/cat, dogs/dog, other) or a "
        "Kaggle-style name (cat.123.jpg). The early-stopping validation split is carved out of "
        "these by a hash of each file's path.",
    )
    p.add_argument(
        "--test",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="test root (repeatable) that no training decision sees; only evaluated at the end",
    )
    p.add_argument(
        "--test-slice",
        type=_slice,
        action="append",
        metavar="CLASS=FRACTION",
        help="also move this fraction of a class from the training roots into the test set, "
        "chosen by a hash of the path (default: other=0.2)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("resources/model"),
        metavar="DIR",
        help="output folder (default: resources/model)",
    )
    p.add_argument(
        "--base-weights",
        default="imagenet",
        metavar="imagenet|PATH",
        help="ImageNet weights for the MobileNetV2 base: 'imagenet' downloads Keras's file "
        "(needs internet); or a path to a no-top .weights.h5 file",
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        default=0.15,
        help="share of the training roots held out for early stopping and calibration "
        "(default: 0.15)",
    )
    p.add_argument(
        "--views",
        type=int,
        default=5,
        help="cached copies of each training photo: 1 plain + N-1 augmented by rotation, "
        "flip, zoom, shift, contrast and brightness (default: 5)",
    )
    p.add_argument("--seed", type=int, default=1337, help="random seed (default: 1337)")
    p.add_argument(
        "--head-epochs", type=int, default=40, help="phase 1 maximum epochs (default: 40)"
    )
    p.add_argument(
        "--fine-tune-epochs", type=int, default=30, help="phase 2 maximum epochs (default: 30)"
    )
    p.add_argument("--head-lr", type=float, default=1e-3, help="phase 1 Adam learning rate")
    p.add_argument(
        "--fine-tune-lr",
        type=float,
        default=5e-5,
        help="phase 2 Adam learning rate (default: 5e-5)",
    )
    p.add_argument(
        "--patience",
        type=int,
        default=4,
        help="early stopping: epochs without a better validation loss (default: 5)",
    )
    p.add_argument("--batch-size", type=int, default=32, help="phase 2 batch size")
    p.add_argument(
        "--unsure-threshold",
        type=float,
        default=0.8,
        help="confidence below which the app calls a photo 'unsure' (default: 0.8)",
    )
    p.add_argument(
        "--formats",
        default="tflite",
        help=f"comma-separated export formats besides .keras: {', '.join(FORMATS)} "
        "(default: tflite, the app's runtime)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "dogcat-training",
        help="where decoded photos are cached between runs",
    )
    p.add_argument("--no-cache", action="store_true", help="decode every photo afresh")
    p.add_argument(
        "--max-per-class",
        type=int,
        default=None,
        help="use at most N photos per class and split (quick smoke runs)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser().error(f"unknown format(s): {', '.join(sorted(unknown))}")
    config = Config(
        roots=args.data,
        test_roots=args.test,
        out_dir=args.out,
        base_weights=args.base_weights,
        test_slices=dict(args.test_slice) if args.test_slice else {"other": 0.2},
        val_fraction=args.val_fraction,
        views=args.views,
        seed=args.seed,
        head_epochs=args.head_epochs,
        head_lr=args.head_lr,
        fine_tune_epochs=args.fine_tune_epochs,
        fine_tune_lr=args.fine_tune_lr,
        patience=args.patience,
        batch_size=args.batch_size,
        unsure_threshold=args.unsure_threshold,
        formats=formats,
        cache_dir=None if args.no_cache else args.cache_dir,
        max_per_class=args.max_per_class,
    )
    run(config, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
