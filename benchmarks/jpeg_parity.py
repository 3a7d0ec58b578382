"""simplejpeg inside ``decode`` against Pillow alone: the same pixels on every photo checked.

``python benchmarks/jpeg_parity.py [FOLDER ...]`` decodes every photo of the held-out set (the
``test`` collections of ``training/splits.txt``), plus any folders named, twice through the
contract: once as the app does (JPEG through simplejpeg where it applies) and once with that path
switched off (Pillow for everything, as before). It prints how many photos went through
simplejpeg, how many differ in model input, thumbnail or size (must be 0), and the CPU time each
way; it exits 1 on any difference.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from dogcat_desktop.core import imaging, jpeg


def _pillow_only(path: Path) -> imaging.DecodedImage:
    saved = imaging.decode_reduced
    imaging.decode_reduced = lambda image, target: None  # type: ignore[assignment]
    try:
        return imaging.decode(path)
    finally:
        imaging.decode_reduced = saved


def _went_through_simplejpeg(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        return jpeg.decode_reduced(image, imaging.INPUT_SIZE) is not None


def compare(paths: list[Path]) -> dict[str, float]:
    """Counts of differences and the CPU seconds each way over ``paths``."""
    differ = fast = failed = 0
    cpu = {"app": 0.0, "pillow": 0.0}
    for path in paths:
        try:
            started = time.process_time()
            app = imaging.decode(path)
            cpu["app"] += time.process_time() - started
            started = time.process_time()
            reference = _pillow_only(path)
            cpu["pillow"] += time.process_time() - started
        except imaging.ImageReadError:
            failed += 1
            continue
        fast += _went_through_simplejpeg(path)
        same = (
            np.array_equal(app.pixels, reference.pixels)
            and np.array_equal(np.asarray(app.thumbnail), np.asarray(reference.thumbnail))
            and (app.width, app.height) == (reference.width, reference.height)
        )
        if not same:
            differ += 1
            print(f"DIFFERS: {path}")
    return {"photos": len(paths), "simplejpeg": fast, "differ": differ, "unreadable": failed, **cpu}


def main(folders: list[str]) -> int:
    from benchmarks.inference import held_out

    sets = {"held-out": held_out()[0]}
    for folder in folders:
        sets[folder] = sorted(p for p in Path(folder).rglob("*") if imaging.is_image_name(p))
    print(f"load average {os.getloadavg()[0]:.2f}")
    worst = 0
    for name, paths in sets.items():
        r = compare(paths)
        print(
            f"{name}: {r['photos']} photos, {r['simplejpeg']} through simplejpeg, "
            f"{r['differ']} differ, {r['unreadable']} unreadable; CPU "
            f"{1000 * r['app'] / max(1, r['photos']):.2f} ms/photo (app) against "
            f"{1000 * r['pillow'] / max(1, r['photos']):.2f} (Pillow only)"
        )
        worst = max(worst, int(r["differ"]))
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
