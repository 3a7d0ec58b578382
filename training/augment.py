"""Cached training views: the ways real photos differ from the clean, centred training shots.

Applied to the contract's 224x224 pixels with Pillow, one deterministic random stream per photo and
view, so a cached view is the same on every rebuild. Crops and zoom-outs make subjects large,
small and off-centre; colour, blur, low resolution and JPEG re-encoding mimic phones and the web.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from dogcat_desktop.core.imaging import INPUT_SIZE

VERSION = "2"  # bump when a view changes: it keys the feature cache


def flip(pixels: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(pixels[:, ::-1])


def _rng(key: str, view: int, seed: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{view}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A random crop of 30-100% of the area, any position, aspect 3:4 to 4:3."""
    area = rng.uniform(0.3, 1.0) * INPUT_SIZE * INPUT_SIZE
    aspect = float(np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3))))
    w = int(min(INPUT_SIZE, round(np.sqrt(area * aspect))))
    h = int(min(INPUT_SIZE, round(np.sqrt(area / aspect))))
    x, y = int(rng.integers(0, INPUT_SIZE - w + 1)), int(rng.integers(0, INPUT_SIZE - h + 1))
    return image.crop((x, y, x + w, y + h)).resize(
        (INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR
    )


def _zoom_out(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The photo shrunk and placed anywhere on a blurred copy: a small, off-centre subject."""
    scale = rng.uniform(0.45, 0.8)
    side = int(INPUT_SIZE * scale)
    canvas = image.filter(ImageFilter.GaussianBlur(12))
    x, y = rng.integers(0, INPUT_SIZE - side + 1, size=2)
    canvas.paste(image.resize((side, side), Image.Resampling.BILINEAR), (int(x), int(y)))
    return canvas


def _colour(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.65, 1.35))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.65, 1.35))
    saturation = 0.0 if rng.random() < 0.1 else rng.uniform(0.5, 1.5)
    return ImageEnhance.Color(image).enhance(saturation)


def _degrade(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    if rng.random() < 0.2:
        low = int(rng.integers(56, 150))
        image = image.resize((low, low), Image.Resampling.BILINEAR).resize(
            (INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR
        )
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=int(rng.integers(20, 90)))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image


def augmented(pixels: np.ndarray, key: str, view: int, seed: int) -> np.ndarray:
    """One random view of a (224, 224, 3) uint8 photo; the same for the same key, view and seed."""
    rng = _rng(key, view, seed)
    image = Image.fromarray(pixels)
    image = _zoom_out(image, rng) if rng.random() < 0.25 else _crop(image, rng)
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = _degrade(_colour(image, rng), rng)
    return np.asarray(image, dtype=np.uint8)
