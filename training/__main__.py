"""``python -m training``: rebuild the classifier from the shared photos and ``splits.toml``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields
from pathlib import Path

from .export import FORMATS
from .quantise import PRECISIONS
from .train import Config, run

EPILOG = """\
example (the bundled model, what `make model` runs, on a machine without internet):
  python -m training --data-dir ../shared/data \\
      --base-weights ../shared/weights/mobilenet_v2_1.00_224.weights.h5 --out resources/model
"""

DEFAULT_CACHE = Path.home() / ".cache" / "dogcat-training"


def _default(name: str):
    """A Config field's default, so the command line can never disagree with the dataclass."""
    field = next(f for f in fields(Config) if f.name == name)
    if field.default is MISSING:
        raise KeyError(name)
    return field.default


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training",
        description=(
            "Rebuild the dog / cat / neither classifier: the frozen ImageNet MobileNetV2 embeds "
            "every photo (and augmented views of the training photos, cached on disk); a linear "
            "head reads the embedding and the ImageNet classifier's grouped evidence; it is "
            "stopped and calibrated on the validation sources, which also choose the move "
            "threshold; the test sources are only reported. Which collection is in which group "
            "is written in training/splits.toml."
        ),
        epilog=EPILOG,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder the globs of the splits file are relative to",
    )
    p.add_argument(
        "--splits",
        type=Path,
        default=_default("splits_file"),
        metavar="TOML",
        help="which sources train, validate and test",
    )
    p.add_argument(
        "--out", type=Path, default=Path("resources/model"), metavar="DIR", help="output folder"
    )
    p.add_argument(
        "--base-weights",
        default=_default("base_weights"),
        metavar="imagenet|PATH",
        help="MobileNetV2 ImageNet weights with the 1000-class top: 'imagenet' "
        "downloads Keras's file (needs internet), or a .weights.h5 path",
    )
    p.add_argument(
        "--views",
        type=int,
        default=_default("views"),
        help="cached views per training photo: plain, flipped, and N-2 augmented "
        "(crops, zoom-outs, colour, blur, low resolution, JPEG quality)",
    )
    p.add_argument("--seed", type=int, default=_default("seed"), help="random seed")
    p.add_argument(
        "--l2-embedding",
        type=float,
        default=_default("l2_embedding"),
        help="head weight decay on the (standardised) embedding",
    )
    p.add_argument(
        "--l2-evidence",
        type=float,
        default=_default("l2_evidence"),
        help="head weight decay on the grouped ImageNet evidence",
    )
    p.add_argument(
        "--learning-rate",
        type=float,
        default=_default("learning_rate"),
        help="head Adam learning rate",
    )
    p.add_argument(
        "--max-steps", type=int, default=_default("max_steps"), help="head full-batch steps at most"
    )
    p.add_argument(
        "--patience",
        type=int,
        default=_default("patience"),
        help="early stopping: steps without a better validation loss",
    )
    p.add_argument(
        "--target-precision",
        type=float,
        default=_default("target_precision"),
        help="each moved folder at least this right on the validation sources",
    )
    p.add_argument(
        "--formats",
        default=",".join(_default("formats")),
        help=f"comma-separated export formats besides .keras: {', '.join(FORMATS)}",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=_default("precision"),
        help="the app's LiteRT model: int8 (the backbone in int8, the ImageNet layer and head "
        "in float32; the head fitted on that backbone's own embeddings) or float32; the float32 "
        "build is fitted either way and the card compares the two",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where decoded photos and embeddings are cached between runs",
    )
    p.add_argument("--no-cache", action="store_true", help="decode and embed every photo afresh")
    p.add_argument(
        "--max-per-source",
        type=int,
        default=_default("max_per_source"),
        help="use at most N photos per source (quick smoke runs)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser().error(f"unknown format(s): {', '.join(sorted(unknown))}")
    config = Config(
        data_dir=args.data_dir,
        out_dir=args.out,
        splits_file=args.splits,
        base_weights=args.base_weights,
        views=args.views,
        seed=args.seed,
        l2_embedding=args.l2_embedding,
        l2_evidence=args.l2_evidence,
        learning_rate=args.learning_rate,
        max_steps=args.max_steps,
        patience=args.patience,
        target_precision=args.target_precision,
        formats=formats,
        precision=args.precision,
        cache_dir=None if args.no_cache else args.cache_dir,
        max_per_source=args.max_per_source,
    )
    run(config, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
