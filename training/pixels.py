"""Decoding a data set through the app's preprocessing contract, with an on-disk cache.

Decoding thousands of JPEGs is the slowest part of a rebuild that nothing about the model changes,
so decoded 224x224 arrays are kept keyed by the file list, sizes and modification times.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dogcat_desktop.core.imaging import INPUT_SIZE, ImageReadError, load_pixels

from .data import Example, content_digest

CONTRACT_VERSION = "1"  # bump when dogcat_desktop.core.imaging changes its output


@dataclass
class DecodedSet:
    examples: list[Example]  # the readable ones, in order
    pixels: np.ndarray  # (N, INPUT_SIZE, INPUT_SIZE, 3) uint8
    labels: np.ndarray  # (N,) int
    failures: list[tuple[Path, str]]  # unreadable files and why
    contract: str = CONTRACT_VERSION  # how the pixels were made; the embedding cache keys on it


def _cache_key(examples: list[Example], contract: str) -> str:
    digest = hashlib.sha256(f"contract={contract};size={INPUT_SIZE}".encode())
    for example in examples:
        digest.update(f"\n{example.key}\t{content_digest(example.path)}".encode())
    return digest.hexdigest()[:24]


def decode_examples(
    examples: list[Example],
    cache_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
    loader: Callable[[Path], np.ndarray] = load_pixels,
    contract: str = CONTRACT_VERSION,
) -> DecodedSet:
    """Decode every example once; unreadable files are listed, never fatal.

    ``loader`` and ``contract`` (its name in the cache key) are for experiments that frame
    photos another way (``training.framing``); a rebuild always takes the app's contract."""
    cache_path = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_path = cache_dir / f"pixels-{_cache_key(examples, contract)}.npz"
        if cache_path.exists():
            with np.load(cache_path, allow_pickle=False) as cached:
                ok = cached["ok"]
                reasons = cached["reasons"]
                pixels = cached["pixels"]
            kept = [e for e, good in zip(examples, ok, strict=True) if good]
            failures = [
                (e.path, str(r))
                for e, good, r in zip(examples, ok, reasons, strict=True)
                if not good
            ]
            labels = np.array([e.label for e in kept])
            return DecodedSet(kept, pixels, labels, failures, contract)

    pixels = np.zeros((len(examples), INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    ok = np.zeros(len(examples), bool)
    reasons = [""] * len(examples)

    def work(index: int) -> None:
        try:
            pixels[index] = loader(examples[index].path)
            ok[index] = True
        except ImageReadError as exc:
            reasons[index] = str(exc)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for done, _ in enumerate(pool.map(work, range(len(examples))), start=1):
            if progress and (done % 250 == 0 or done == len(examples)):
                progress(done, len(examples))

    pixels = pixels[ok]
    if cache_path is not None:
        tmp = cache_path.with_suffix(".tmp.npz")
        np.savez(tmp, ok=ok, reasons=np.array(reasons), pixels=pixels)
        os.replace(tmp, cache_path)
    kept = [e for e, good in zip(examples, ok, strict=True) if good]
    failures = [(e.path, r) for e, good, r in zip(examples, ok, reasons, strict=True) if not good]
    labels = np.array([e.label for e in kept], dtype=np.int64)
    return DecodedSet(kept, pixels, labels, failures, contract)
