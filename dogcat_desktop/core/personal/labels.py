"""What a person can label a photo: a class, or a named pet of a species (``dog/Rex``).

A pet's name later becomes a folder name (``dogs/Rex/``), so a name that cannot be one on every
platform is refused here, when it is typed, rather than when a sort would need it.
"""

from __future__ import annotations

import unicodedata

from ..labels import CLASSES

SPECIES: tuple[str, ...] = ("dog", "cat")  # the classes that can have named pets
MAX_NAME_LENGTH = 64
_FORBIDDEN = set('/\\:*?"<>|')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}


class LabelError(ValueError):
    """A label that is not ``dog``, ``cat``, ``other``, ``dog/NAME`` or ``cat/NAME``."""


def parse_label(label: str) -> tuple[str, str | None]:
    """``"dog/Rex"`` -> ``("dog", "Rex")``, ``"cat"`` -> ``("cat", None)``; raises LabelError."""
    species, slash, name = label.partition("/")
    if species not in CLASSES:
        raise LabelError(f"unknown label {label!r}; expected one of {', '.join(CLASSES)}")
    if not slash:
        return species, None
    if species not in SPECIES:
        raise LabelError(f"only dogs and cats can have names, not {species!r}")
    return species, check_name(name)


def check_name(name: str) -> str:
    """The name, normalised (NFC, outer spaces removed), if it can be a folder on every system."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise LabelError("a pet's name cannot be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise LabelError(f"a pet's name is at most {MAX_NAME_LENGTH} characters")
    bad = sorted(_FORBIDDEN.intersection(cleaned))
    if bad or any(ord(c) < 32 for c in cleaned):
        shown = " ".join(bad) if bad else "control characters"
        raise LabelError(f"a pet's name cannot contain {shown}")
    if cleaned.startswith(".") or cleaned.endswith("."):
        raise LabelError("a pet's name cannot start or end with a dot")
    if cleaned.split(".")[0].upper() in _RESERVED:
        raise LabelError(f"{cleaned!r} is a reserved file name on Windows")
    return cleaned


def format_label(species: str, name: str | None) -> str:
    return species if name is None else f"{species}/{name}"
