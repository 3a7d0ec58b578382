"""The files that belong with a photo and move with it when it is sorted.

A phone or a photo tool keeps some of a photo's parts in files of their own beside it: an
iPhone's Live Photo video (``IMG_1.MOV`` with ``IMG_1.HEIC``) and its edits (``IMG_1.AAE``), an
editor's sidecar (``IMG_1.xmp`` or ``IMG_1.HEIC.xmp``), a camera's raw file beside its JPEG
(``IMG_1.CR2``), Google Takeout's metadata (``IMG_1.jpg.json``). Left behind, they would lose
their photo. They are matched by name in the photo's own folder: the photo's stem with a
companion suffix, or its whole name followed by a sidecar suffix, or the names Takeout gives
when a name is long or taken (below). A companion is a regular file
(a link stays where it is) and not a photo itself (each photo is classified on its own); one
that two photos would claim (``IMG_1.MOV`` beside ``IMG_1.HEIC`` and ``IMG_1.JPG``) stays too,
since it cannot follow both.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable
from pathlib import Path

from dogcat_desktop.core.imaging import is_image_name

# After the photo's stem: IMG_1.MOV for IMG_1.HEIC.
STEM_SUFFIXES = frozenset(
    {".mov", ".mp4", ".aae", ".xmp"}  # Live Photo video, iPhone edits, editor sidecar
    | {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}  # raw
)
# After the photo's whole name: IMG_1.HEIC.xmp, IMG_1.jpg.json, IMG_1.jpg.supplemental-metadata.json
NAME_SUFFIXES = (".xmp", ".json")
# Google Takeout cuts a metadata file's name to about 46 characters before ".json", through the
# photo's name if it must (``A very long name … .jpg`` -> ``A very long name ….json``), and moves
# a taken name's number after the extension (``IMG_1(1).jpg`` -> ``IMG_1.jpg(1).json`` or
# ``IMG_1.jpg.supplemental-metadata(1).json``). A cut name is matched only when it is at least
# this long, and, like every companion, only when one photo alone claims it.
TAKEOUT_SUFFIX = ".supplemental-metadata"
TAKEOUT_CUT = 40
_NUMBERED = re.compile(r"(.+)(\(\d+\))")


def companion_name(photo_name: str, companion: str, new_photo_name: str) -> str:
    """The name ``companion`` of ``photo_name`` takes beside the photo renamed ``new_photo_name``:
    ``IMG_1.MOV`` follows ``IMG_1.HEIC`` to ``IMG_1 (1).HEIC`` as ``IMG_1 (1).MOV``; a photo that
    keeps its name keeps its companions' names."""
    if new_photo_name == photo_name:
        return companion
    if companion.startswith(photo_name + "."):
        return new_photo_name + companion[len(photo_name) :]
    return Path(new_photo_name).stem + Path(companion).suffix


def find_companions(photos: Iterable[Path]) -> dict[Path, tuple[Path, ...]]:
    """Each photo's companions (only photos that have some), from one listing per folder.

    ``photos``: every photo of the folder known to the caller, moving or not, so that a
    companion two of them would claim is seen as shared and given to neither.
    """
    by_folder: dict[Path, dict[str, Path]] = {}
    for photo in photos:
        by_folder.setdefault(photo.parent, {})[photo.name] = photo
    found: dict[Path, tuple[Path, ...]] = {}
    for folder, by_name in by_folder.items():
        others = [n for n in _regular_files(folder) if n not in by_name and not is_image_name(n)]
        if not others:
            continue  # a folder of photos only: nothing to match
        by_stem: dict[str, list[Path]] = {}
        for name, photo in by_name.items():
            by_stem.setdefault(os.path.splitext(name)[0], []).append(photo)
        ordered = sorted(by_name)
        for name in sorted(others):
            claimants = _claimants(name, by_name, by_stem, ordered)
            if len(claimants) == 1:
                photo = claimants[0]
                found[photo] = (*found.get(photo, ()), folder / name)
    return found


def _claimants(
    name: str, by_name: dict[str, Path], by_stem: dict[str, list[Path]], ordered: list[str]
) -> list[Path]:
    """The photos ``name`` would go with: for Takeout's numbered metadata the photo with that
    number; else one sharing its stem or one whose name it extends; else, for metadata whose
    name Takeout cut, the photos whose names it begins."""
    json = name.lower().endswith(".json")
    stem = name[: -len(".json")]  # of a .json name
    if json and (numbered := _numbered_takeout(stem, by_name)):
        return numbered
    claimants: dict[Path, None] = {}
    path = Path(name)
    if path.suffix.lower() in STEM_SUFFIXES:
        claimants.update(dict.fromkeys(by_stem.get(path.stem, ())))
    if name.lower().endswith(NAME_SUFFIXES):
        for index, char in enumerate(name):
            if char == "." and name[:index] in by_name:
                claimants[by_name[name[:index]]] = None
    if not claimants and json and len(stem) >= TAKEOUT_CUT:
        claimants.update(dict.fromkeys(by_name[n] for n in _names_starting(stem, ordered)))
    return list(claimants)


def _numbered_takeout(stem: str, by_name: dict[str, Path]) -> list[Path]:
    """``IMG_1(1).jpg`` for ``IMG_1.jpg(1)`` or ``IMG_1.jpg.supplemental-metadata(1)`` (or a
    cut of it): Takeout moves a taken name's number after the extension."""
    numbered = _NUMBERED.fullmatch(stem)
    if not numbered:
        return []
    base, number = numbered.groups()
    found = []
    for head in [base, *(base[:i] for i, char in enumerate(base) if char == ".")]:
        root, extension = os.path.splitext(head)
        photo = by_name.get(f"{root}{number}{extension}")
        if extension and photo is not None and TAKEOUT_SUFFIX.startswith(base[len(head) :]):
            found.append(photo)
    return found


def _names_starting(prefix: str, ordered: list[str], most: int = 2) -> list[str]:
    """Up to ``most`` names in the sorted ``ordered`` that start with ``prefix`` and are longer
    than it: two are enough to know a cut name fits more than one photo, and stopping there
    keeps a folder of many names alike from costing time per name."""
    found: list[str] = []
    index = bisect.bisect_right(ordered, prefix)
    while index < len(ordered) and len(found) < most and ordered[index].startswith(prefix):
        found.append(ordered[index])
        index += 1
    return found


def _regular_files(folder: Path) -> list[str]:
    """Names of the regular files in ``folder`` (links and folders left out); [] if unreadable."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.is_file(follow_symlinks=False)]
    except OSError:
        return []
