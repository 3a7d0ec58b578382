"""Finding labelled photos and splitting them deterministically.

A photo's class comes from its Kaggle-style name (``cat.123.jpg``, ``dog.45.jpg``) or else from the
nearest enclosing folder named after a class (``cats``/``cat``, ``dogs``/``dog``, ``other``), the
root folder itself included. Splits depend only on the file's path relative to its root, so the
same data always gives the same test and validation sets, whatever the seed.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dogcat_desktop.core.imaging import IMAGE_SUFFIXES
from dogcat_desktop.core.labels import CLASS_FOLDER_NAMES, CLASSES

_KAGGLE_NAME = re.compile(r"^(cat|dog)\.\d+\.", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    path: Path
    label: int  # index into CLASSES
    root: Path
    key: str  # path relative to its root, '/'-separated; what splits hash
    source: str = ""  # the collection it belongs to (splits.toml), when known

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


def label_for(path: Path, root: Path) -> str | None:
    """Class name for a file below ``root``, or None when nothing names one."""
    match = _KAGGLE_NAME.match(path.name)
    if match:
        return match.group(1).lower()
    relative_dirs = path.relative_to(root).parts[:-1]
    for folder in reversed((root.name, *relative_dirs)):
        label = CLASS_FOLDER_NAMES.get(folder.lower())
        if label:
            return label
    return None


def discover(roots: Iterable[Path]) -> tuple[list[Example], list[Path]]:
    """All labelled photos under ``roots``, and the image files no class could be found for."""
    examples: list[Example] = []
    unlabelled: list[Path] = []
    for root in roots:
        root = Path(root).resolve()
        if not root.is_dir():
            raise FileNotFoundError(f"data folder not found: {root}")
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
                continue
            label = label_for(path, root)
            if label is None:
                unlabelled.append(path)
                continue
            key = path.relative_to(root).as_posix()
            examples.append(Example(path, CLASSES.index(label), root, key))
    return examples, unlabelled


def bucket(key: str, salt: str) -> float:
    """A stable number in [0, 1) for a file, independent of machine and run."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_fraction(
    examples: list[Example], fraction: float, salt: str, classes: Iterable[int] | None = None
) -> tuple[list[Example], list[Example]]:
    """Split off about ``fraction`` of the examples (of ``classes`` only, if given) by hash."""
    wanted = set(classes) if classes is not None else None
    kept: list[Example] = []
    taken: list[Example] = []
    for example in examples:
        eligible = wanted is None or example.label in wanted
        (taken if eligible and bucket(example.key, salt) < fraction else kept).append(example)
    return kept, taken


def content_digest(path: Path) -> str:
    """sha256 of a file's bytes: what caches are keyed by, so a copy of the same photos (new
    paths, new times) finds them. Remembered per path, size and time within a process."""
    stat = path.stat()
    return _content_digest(str(path), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _content_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_list_hash(examples: Iterable[Example]) -> str:
    """sha256 over the sorted relative paths with labels: identifies a data set in the card."""
    lines = sorted(f"{e.root.name}/{e.key}\t{e.class_name}" for e in examples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def counts(examples: Iterable[Example]) -> dict[str, int]:
    counter = Counter(e.class_name for e in examples)
    return {name: counter.get(name, 0) for name in CLASSES}
