"""Benchmark photo sets made from the shared photos: as they are, and as a phone takes them.

The 12-megapixel set is each photo upscaled to 4000x3000 (JPEG quality 90), a third of them
stored turned a quarter with the EXIF orientation saying so, as cameras do.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PIL import Image

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BENCH_DIR = Path(__file__).resolve().parents[1] / ".bench"


def source_photos(count: int) -> list[Path]:
    """Cats, dogs and neither, interleaved, from the shared data."""
    pools = [
        sorted((SHARED / "dogs-vs-cats" / "validation" / "cats").glob("*.jpg")),
        sorted((SHARED / "dogs-vs-cats" / "validation" / "dogs").glob("*.jpg")),
        sorted((SHARED / "other" / "bsds500").glob("*.jpg")),
    ]
    chosen = []
    for index in range(count):
        pool = pools[index % len(pools)]
        chosen.append(pool[(index // len(pools)) % len(pool)])
    return chosen


def small_corpus(count: int) -> Path:
    folder, ready = _corpus_folder(f"small-{count}", count)
    if ready:
        return folder
    for index, photo in enumerate(source_photos(count)):
        shutil.copy(photo, folder / f"{index:05d}-{photo.name}")
    return folder


def phone_corpus(count: int) -> Path:
    folder, ready = _corpus_folder(f"12mp-{count}", count)
    if ready:
        return folder
    for index, photo in enumerate(source_photos(count)):
        with Image.open(photo) as image:
            big = image.convert("RGB").resize((4000, 3000), Image.Resampling.BILINEAR)
        target = folder / f"{index:05d}-{photo.stem}.jpg"
        if index % 3 == 0:
            exif = Image.Exif()
            exif[0x0112] = 6  # stored turned; viewers rotate 90 degrees clockwise
            big.transpose(Image.Transpose.ROTATE_90).save(target, quality=90, exif=exif.tobytes())
        else:
            big.save(target, quality=90)
    return folder


def many_corpus(count: int) -> Path:
    """``count`` distinct paths (hard links to shared photos) for memory measurements."""
    folder, ready = _corpus_folder(f"many-{count}", count)
    if ready:
        return folder
    sources = source_photos(min(count, 1500))
    for index in range(count):
        source = sources[index % len(sources)]
        target = folder / f"{index:05d}-{source.name}"
        try:
            os.link(source, target)
        except OSError:
            shutil.copy(source, target)
    return folder


def _corpus_folder(name: str, count: int) -> tuple[Path, bool]:
    """The corpus folder and whether it is already complete; an incomplete one is emptied."""
    folder = BENCH_DIR / name
    if folder.is_dir() and sum(1 for _ in folder.iterdir()) == count:
        return folder, True
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder, False
