"""Benchmark photo sets made from the shared photos: as they are, and as cameras store them.

Camera-like sets are each shared photo enlarged to the sensor's size with sensor grain added
(luminance noise plus weaker colour noise, from one seeded field rolled to a different place per
photo), saved at JPEG quality 90-95; a third are stored turned a quarter with the EXIF orientation
saying so, as phones do. Grain is what makes a real photo 2-5 MB: entropy decoding grows with the
file, and DCT scaling cannot skip it, so smooth enlargements would flatter every decoder.
PNG, WebP and HEIC sets are made the same way, at the sizes those formats usually come in.
Everything is cached under ``.bench/`` and made again only when a set is incomplete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BENCH_DIR = Path(__file__).resolve().parents[1] / ".bench"
STRIP = 512  # rows enlarged and grained at a time, so a 48 MP photo never has float copies


@dataclass(frozen=True)
class Recipe:
    """How one set is made: size, grain (standard deviation in 8-bit levels) and encoding."""

    size: tuple[int, int]
    grain: tuple[float, float]  # drawn per photo from this range
    format: str  # Pillow's name
    quality: tuple[int, int]  # drawn per photo, inclusive; ignored by PNG
    suffix: str
    rotate_every: int = 3  # every n-th photo is stored turned, EXIF orientation 6; 0: none
    encoder: tuple[tuple[str, str], ...] = ()  # extra encoder settings


RECIPES: dict[str, Recipe] = {
    # A phone's main camera (binned) and its full-resolution mode, which is denoised harder.
    "12mp": Recipe((4000, 3000), (3.0, 4.5), "JPEG", (90, 95), ".jpg"),
    "48mp": Recipe((8000, 6000), (0.9, 1.3), "JPEG", (90, 92), ".jpg"),
    # An iPhone's default format; web and screenshot formats at a screen's size.
    # x265's fastest preset: the slower ones take minutes a photo here for the same decode work.
    "heic": Recipe(
        (4032, 3024), (2.0, 2.5), "HEIF", (60, 70), ".heic", encoder=(("preset", "ultrafast"),)
    ),
    "webp": Recipe((1920, 1440), (2.0, 3.0), "WEBP", (80, 90), ".webp", rotate_every=0),
    "png": Recipe((1920, 1440), (1.0, 2.0), "PNG", (0, 0), ".png", rotate_every=0),
}


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
    """The shared photos as they are (about 500x375, 20-40 KB)."""
    folder, ready = _corpus_folder(f"small-{count}", count)
    if ready:
        return folder
    for index, photo in enumerate(source_photos(count)):
        shutil.copy(photo, folder / f"{index:05d}-{photo.name}")
    return folder


def made_corpus(name: str, count: int) -> Path:
    """``count`` photos made by ``RECIPES[name]``."""
    recipe = RECIPES[name]
    # Named after the recipe too, so that a changed recipe makes a new set.
    digest = hashlib.sha256(repr(recipe).encode()).hexdigest()[:8]
    folder, ready = _corpus_folder(f"{name}-{count}-{digest}", count)
    if ready:
        return folder
    grain = _grain_field(recipe.size)
    for index, photo in enumerate(source_photos(count)):
        rng = np.random.default_rng(index)
        image = _camera_photo(photo, recipe, grain, rng)
        target = folder / f"{index:05d}-{photo.stem}{recipe.suffix}"
        options: dict = {"enc_params": dict(recipe.encoder)} if recipe.encoder else {}
        if recipe.format != "PNG":
            options["quality"] = int(rng.integers(recipe.quality[0], recipe.quality[1] + 1))
        if recipe.rotate_every and index % recipe.rotate_every == 0:
            exif = Image.Exif()
            exif[0x0112] = 6  # stored turned; viewers rotate 90 degrees clockwise
            image = image.transpose(Image.Transpose.ROTATE_90)
            options["exif"] = exif.tobytes()
        if recipe.format == "HEIF":
            # pillow-heif (the bench extra) writes the set itself, without registering with
            # Pillow: reading HEIC in this process stays with what the app registered.
            from pillow_heif import from_pillow

            from_pillow(image).save(target, **options)
        else:
            image.save(target, recipe.format, **options)
    return folder


def many_corpus(count: int) -> Path:
    """``count`` distinct paths (hard links to shared photos) for memory measurements."""
    folder, ready = _corpus_folder(f"many-{count}", count)
    if ready:
        return folder
    sources = source_photos(min(count, 1500))
    for index in range(count):
        source = sources[index % len(sources)]
        target = folder / f"{index:06d}-{source.name}"
        try:
            os.link(source, target)
        except OSError:
            shutil.copy(source, target)
    return folder


def sizes_mb(folder: Path) -> dict[str, float]:
    """File sizes of a set, in MB: median, smallest and largest."""
    sizes = [p.stat().st_size / 1e6 for p in folder.iterdir()]
    return {"median": statistics.median(sizes), "min": min(sizes), "max": max(sizes)}


def _grain_field(size: tuple[int, int]) -> np.ndarray:
    """Unit grain for a whole frame, int8 in 1/16 steps: luminance plus 0.35 colour noise."""
    width, height = size
    rng = np.random.default_rng(12)
    field = np.empty((height, width, 3), np.int8)
    for top in range(0, height, STRIP):
        rows = min(STRIP, height - top)
        noise = rng.standard_normal((rows, width, 1), np.float32)
        noise = noise + 0.35 * rng.standard_normal((rows, width, 3), np.float32)
        field[top : top + rows] = np.clip(noise * 16, -127, 127)
    return field


def _camera_photo(
    photo: Path, recipe: Recipe, grain: np.ndarray, rng: np.random.Generator
) -> Image.Image:
    """The photo enlarged to the recipe's size with grain, strip by strip."""
    width, height = recipe.size
    sigma = rng.uniform(*recipe.grain) / 16
    shift_y, shift_x = int(rng.integers(height)), int(rng.integers(width))
    with Image.open(photo) as source:
        big = source.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    pixels = np.asarray(big)
    out = np.empty_like(pixels)
    for top in range(0, height, STRIP):
        rows = np.arange(top, min(top + STRIP, height))
        noise = np.roll(grain[(rows + shift_y) % height], shift_x, axis=1)
        strip = pixels[rows].astype(np.float32) + noise * sigma
        out[rows] = np.clip(strip, 0, 255)
    return Image.fromarray(out)


def _corpus_folder(name: str, count: int) -> tuple[Path, bool]:
    """The corpus folder and whether it is already complete; an incomplete one is emptied."""
    folder = BENCH_DIR / name
    if folder.is_dir() and sum(1 for _ in folder.iterdir()) == count:
        return folder, True
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder, False
