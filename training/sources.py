"""The split by source: which whole collections train, validate and test (``splits.txt``).

Splitting by collection rather than by a random slice is what makes a held-out figure say how the
model does on someone else's photos; one data file holds the split so training, the model card and
the accuracy test cannot disagree about it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dogcat_desktop.core.imaging import IMAGE_SUFFIXES
from dogcat_desktop.core.labels import CLASSES

from .data import Example, label_for

SPLITS_FILE = Path(__file__).with_name("splits.txt")
GROUPS = ("train", "validation", "test", "reference")


@dataclass(frozen=True)
class Source:
    name: str
    group: str  # one of GROUPS
    patterns: tuple[str, ...]  # globs relative to the data folder


@dataclass
class Split:
    """Every source of every group, and the labelled photos found for each."""

    data_dir: Path
    sources: list[Source]
    examples: dict[str, list[Example]]  # source name -> photos
    unlabelled: list[Path]

    def group(self, name: str) -> list[Example]:
        return [e for s in self.sources if s.group == name for e in self.examples[s.name]]

    def source_names(self, group: str) -> list[str]:
        return [s.name for s in self.sources if s.group == group]

    def counts(self) -> dict[str, dict[str, dict[str, int]]]:
        """group -> source -> class -> photos, as written into the model card."""
        table: dict[str, dict[str, dict[str, int]]] = {g: {} for g in GROUPS}
        for source in self.sources:
            table[source.group][source.name] = class_counts(self.examples[source.name])
        return table


def read_sources(path: Path = SPLITS_FILE) -> list[Source]:
    """Parse ``group source glob`` lines (``#`` starts a comment), keeping the file's order."""
    patterns: dict[tuple[str, str], list[str]] = {}
    groups: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 3 or words[0] not in GROUPS:
            raise ValueError(f"{path}:{number}: expected 'GROUP SOURCE GLOB', GROUP in {GROUPS}")
        group, name, pattern = words
        if groups.setdefault(name, group) != group:
            raise ValueError(f"{path}:{number}: source {name} is already in {groups[name]}")
        patterns.setdefault((group, name), []).append(pattern)
    return [Source(name, group, tuple(globs)) for (group, name), globs in patterns.items()]


def load_split(data_dir: Path, path: Path = SPLITS_FILE) -> Split:
    """Find each source's photos; a photo claimed by two sources is an error, not a leak."""
    sources = read_sources(path)
    examples: dict[str, list[Example]] = {}
    owner: dict[Path, str] = {}
    unlabelled: list[Path] = []
    for source in sources:
        found: list[Example] = []
        for pattern in source.patterns:
            for file in sorted(data_dir.glob(pattern)):
                if not file.is_file() or file.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                if file in owner:
                    raise ValueError(f"{file} is in both {owner[file]} and {source.name}")
                owner[file] = source.name
                label = label_for(file, data_dir)
                if label is None:
                    unlabelled.append(file)
                    continue
                key = file.relative_to(data_dir).as_posix()
                found.append(Example(file, CLASSES.index(label), data_dir, key, source.name))
        if not found:
            raise FileNotFoundError(f"source {source.name}: no photos match {source.patterns}")
        examples[source.name] = found
    return Split(data_dir, sources, examples, unlabelled)


def class_counts(examples: Iterable[Example]) -> dict[str, int]:
    counter = Counter(e.class_name for e in examples)
    return {name: counter.get(name, 0) for name in CLASSES}
