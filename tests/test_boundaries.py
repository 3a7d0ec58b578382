"""The layering rules the code relies on: the core is Qt-free, the app never loads TensorFlow."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import dogcat_desktop.core

PROJECT = Path(__file__).resolve().parents[1]
CORE_MODULES = sorted(
    f"dogcat_desktop.core.{m.name}" for m in pkgutil.iter_modules(dogcat_desktop.core.__path__)
)


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return set(out.stdout.split())


def test_core_imports_no_qt_and_no_tensorflow():
    assert len(CORE_MODULES) >= 10
    loaded = loaded_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert not {"PySide6", "shiboken6", "tensorflow", "keras"} & loaded


def test_app_and_cli_never_load_tensorflow():
    loaded = loaded_after(
        "import dogcat_desktop.app, dogcat_desktop.cli, dogcat_desktop.ui.main_window\n"
        "from dogcat_desktop.core.classifier import Classifier\n"
        "from dogcat_desktop.resources import model_dir\n"
        "Classifier(model_dir())"
    )
    assert "PySide6" in loaded and "ai_edge_litert" in loaded  # the probe really ran the app
    assert not {"tensorflow", "keras", "tf2onnx", "onnxruntime", "cv2"} & loaded
