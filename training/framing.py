"""Other ways to frame a photo into the 224x224 input, for ``training.ablation --framing``.

The contract (``dogcat_desktop.core.imaging``) squashes the whole photo to a square, ignoring its
aspect ratio; MobileNetV2 was trained on ImageNet with the aspect kept and the centre cropped.
These variants measure what that choice costs. They are an experiment only: the app and every
rebuild use the contract, and a variant that won would have to become the contract (and the
app's decode) before it could ship.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dogcat_desktop.core.imaging import INPUT_SIZE, load_pixels, load_upright

FRAMINGS = ("squash", "crop", "crop875", "pad")
PAD_GREY = (128, 128, 128)  # MobileNetV2's zero after its [-1, 1] scaling


def framed_pixels(path: Path, framing: str) -> np.ndarray:
    """(224, 224, 3) uint8 of ``path`` framed as ``framing``:

    - ``squash``: the contract itself;
    - ``crop``: the shorter side to 224, the centre square kept;
    - ``crop875``: the centre square of 87.5% of the shorter side (ImageNet's evaluation crop);
    - ``pad``: the longer side to 224, the rest grey (letterbox).
    """
    if framing == "squash":
        return load_pixels(path)
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; one of {', '.join(FRAMINGS)}")
    image = load_upright(path)
    width, height = image.size
    bilinear = Image.Resampling.BILINEAR
    if framing == "pad":
        scale = INPUT_SIZE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        inner = image.resize(size, bilinear)
        framed = Image.new("RGB", (INPUT_SIZE, INPUT_SIZE), PAD_GREY)
        framed.paste(inner, ((INPUT_SIZE - inner.width) // 2, (INPUT_SIZE - inner.height) // 2))
        return np.asarray(framed)
    side = min(width, height) * (0.875 if framing == "crop875" else 1.0)
    left, top = (width - side) / 2, (height - side) / 2
    box = (left, top, left + side, top + side)
    return np.asarray(image.resize((INPUT_SIZE, INPUT_SIZE), bilinear, box=box))
