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
    assert not {"tensorflow", "keras", "tf2onnx", "onnxruntime"} & loaded
    # Of the decoders benchmarks/decoders.py compares, only simplejpeg is the app's (JPEG inside
    # the one decode); the others (the bench extra) stay out of it.
    assert "simplejpeg" in loaded
    assert not {"cv2", "pyvips", "imagecodecs"} & loaded


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


def imports_of(path: Path, package: str) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in a file, relative ones resolved; imports only for
    type checking are left out, since they never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.append((module, [alias.name for alias in node.names]))
    return found


def module_files(package: str) -> dict[str, Path]:
    folder = PROJECT.joinpath(*package.split("."))
    return {f"{package}.{path.stem}": path for path in folder.glob("*.py")}


def internal_graph(package: str) -> dict[str, set[str]]:
    """Which modules of ``package`` each of its modules imports, at any depth of the code."""
    files = module_files(package)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for module, names in imports_of(path, package):
            candidates = [module, *(f"{module}.{n}" for n in names)]
            graph[name].update(c for c in candidates if c in files and c != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_inside_ui():
    """As in the core: controllers, widgets and the session import downwards only (the
    controllers once reached each other through the window); type-checking imports aside."""
    ui = internal_graph("dogcat_desktop.ui")
    assert "dogcat_desktop.ui.session" in ui["dogcat_desktop.ui.scanning"]  # really parsed
    cycle = find_cycle(ui)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_the_core_uses_its_internals():
    """Outside ``core``, code uses only its public names: no ``_name`` from a core module and
    no private core module. What is public is what the core's modules name without a leading
    underscore; anything else may change without notice."""
    outside = [
        *sorted((PROJECT / "dogcat_desktop").glob("*.py")),
        *sorted((PROJECT / "dogcat_desktop" / "ui").glob("*.py")),
        *sorted((PROJECT / "training").glob("*.py")),
    ]
    offences = []
    for path in outside:
        package = ".".join(path.relative_to(PROJECT).with_suffix("").parts[:-1])
        for module, names in imports_of(path, package):
            if not module.startswith("dogcat_desktop.core"):
                continue
            parts = module.split(".")[2:] + names
            private = [part for part in parts if part.startswith("_") and part != "__future__"]
            if private:
                offences.append(f"{path.relative_to(PROJECT)}: {module} {private}")
    assert offences == []
