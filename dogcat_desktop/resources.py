"""Where bundled files live, from a source checkout, an installed package, or a frozen app."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: next to the package, or inside a PyInstaller bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources"


def model_dir() -> Path:
    """The bundled model; ``DOGCAT_SORTER_MODEL_DIR`` points elsewhere (e.g. a rebuilt one)."""
    override = os.environ.get("DOGCAT_SORTER_MODEL_DIR")
    return Path(override) if override else resources_dir() / "model"
