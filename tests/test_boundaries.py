"""The layering rules the code relies on: the core is Qt-free, the app never loads TensorFlow."""

from __future__ import annotations

import ast
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


def core_imports(module: str) -> set[str]:
    """The core modules ``module`` imports, at any level (function-level imports included).

    A subpackage (``core/personal/``) counts as one module: its files' imports are pooled, and
    imports among its own files are left out.
    """
    path = PROJECT / module.replace(".", "/")
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    found = set()
    for file in files:
        package = file.relative_to(PROJECT).with_suffix("").parts[:-1]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = package[: len(package) - node.level + 1] if node.level else ()
                base = ".".join([*parts, node.module])
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found.update(_core_module(name) for name in names)
    return found & set(CORE_MODULES) - {module}


def _core_module(name: str) -> str:
    """``dogcat_desktop.core.personal.layer`` -> ``dogcat_desktop.core.personal``."""
    return ".".join(name.split(".")[:3])


def test_core_has_no_import_cycle():
    """Each core module can be understood from the ones below it: the imports form no loop."""
    graph = {module: core_imports(module) for module in CORE_MODULES}
    assert graph["dogcat_desktop.core.undo"] >= {"dogcat_desktop.core.journal"}  # really parsed
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, (*path, module))
        done.add(module)

    for module in CORE_MODULES:
        visit(module, ())
