"""What the method experiments (``training.ablation``, ``training.crossfit_table``) share: the
rebuild's own inputs, read from its caches, so a table of variants takes minutes, not a rebuild."""

from __future__ import annotations

import argparse
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dogcat_desktop.core.imaging import load_pixels

from .__main__ import DEFAULT_CACHE
from .features import IMAGENET_GROUPS, Extractor, Groups
from .framing import framed_pixels
from .pixels import CONTRACT_VERSION, DecodedSet, decode_examples
from .sources import Split, load_split
from .train import Config, source_features


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--base-weights", required=True)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)


@dataclass
class Inputs:
    """Every source decoded through the contract, and its head features per view on demand."""

    config: Config
    split: Split
    extractor: Extractor
    decoded: dict[str, DecodedSet]

    def features(self, names: list[str], view: int, groups: Groups = IMAGENET_GROUPS) -> np.ndarray:
        return np.concatenate(
            [
                source_features(self.extractor, self.decoded[n], view, self.config, groups=groups)
                for n in names
            ]
        )

    def labels(self, names: list[str]) -> np.ndarray:
        return np.concatenate([self.decoded[n].labels for n in names])


def load_inputs(args: argparse.Namespace, framing: str = "squash") -> Inputs:
    """The rebuild's inputs; with another ``framing`` (``training.framing``) every photo is
    decoded that way instead (cached apart: the framing is the pixels' contract in every key)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    loader, contract = load_pixels, CONTRACT_VERSION
    if framing != "squash":
        loader, contract = functools.partial(framed_pixels, framing=framing), framing
    config = Config(
        data_dir=args.data_dir,
        out_dir=Path("."),
        base_weights=args.base_weights,
        cache_dir=args.cache_dir,
    )
    split = load_split(args.data_dir)
    decoded = {
        n: decode_examples(e, args.cache_dir, loader=loader, contract=contract)
        for n, e in split.examples.items()
    }
    return Inputs(config, split, Extractor(args.base_weights), decoded)
