"""Remembered preferences, in one place so tests can point them at a temporary folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "DogCat Sorter"
APPLICATION = "DogCat Sorter"
MAX_RECENT = 10

LAST_FOLDER = "lastFolder"
RECENT_FOLDERS = "recentFolders"
GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
THUMBNAIL_SIZE = "view/thumbnailSize"
RECURSIVE = "scan/recursive"
THRESHOLD = "review/unsureBelow"
ORDER = "view/order"
AUTO_ADVANCE = "review/autoAdvance"
EXPORT_FOLDER = "export/folder"
REOPEN_LAST = "startup/reopenLastFolder"
PER_SUBFOLDER = "sort/perSubfolder"


def app_settings() -> QSettings:
    """INI files on every platform: readable, and redirected by ``QSettings.setPath`` in tests."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def read_int(settings: QSettings, key: str, default: int) -> int:
    value = settings.value(key, default)
    try:
        return int(value)  # type: ignore[call-overload]  # a str or an int, as stored
    except (TypeError, ValueError):
        return default


def read_float(settings: QSettings, key: str) -> float | None:
    value = settings.value(key)
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def read_list(settings: QSettings, key: str) -> list[str]:
    """A string list; INI files give back a plain string for a one-item list."""
    value = settings.value(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, (list, tuple)):
        return []
    return [str(item) for item in value]


def remember_folder(settings: QSettings, folder: str) -> list[str]:
    """Put ``folder`` first in the recent list (at most MAX_RECENT) and return the list."""
    recent = [folder] + [item for item in read_list(settings, RECENT_FOLDERS) if item != folder]
    recent = recent[:MAX_RECENT]
    settings.setValue(RECENT_FOLDERS, recent)
    settings.setValue(LAST_FOLDER, folder)
    return recent
