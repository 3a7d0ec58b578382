"""Class names and per-photo statuses, shared by the model, the CLI and the UI."""

from __future__ import annotations

from enum import Enum

# Output order of the model's probability vector. Training writes it into the model card and the
# app reads it from there; this constant is the default both agree on.
CLASSES: tuple[str, ...] = ("dog", "cat", "other")

# Folder names that label a photo when training, and where sorting puts a photo.
CLASS_FOLDER_NAMES: dict[str, str] = {
    "dog": "dog",
    "dogs": "dog",
    "cat": "cat",
    "cats": "cat",
    "other": "other",
    "others": "other",
    "neither": "other",
}

SORT_FOLDERS: dict[str, str] = {"dog": "dogs", "cat": "cats"}


class Status(str, Enum):
    """How far a photo's label can be trusted."""

    OK = "ok"
    UNSURE = "unsure"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value
