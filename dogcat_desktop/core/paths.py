"""Per-user folders, following each platform's convention."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "dogcat-sorter"


def path_key(path: str | os.PathLike[str]) -> str | bytes:
    """How a file is keyed in the app's SQLite stores: its absolute path, or, for a name that is
    not valid UTF-8 (surrogate escapes, which SQLite cannot store as text), its raw bytes, a
    BLOB never equal to any text key."""
    key = os.path.abspath(path)
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(key)
    return key


def user_cache_dir() -> Path:
    """Where re-creatable data (the scan cache) goes; ``DOGCAT_SORTER_CACHE_DIR`` overrides."""
    override = os.environ.get("DOGCAT_SORTER_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / APP_DIR_NAME / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP_DIR_NAME
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / APP_DIR_NAME


def user_data_dir() -> Path:
    """Where data a person made (label corrections) goes; ``DOGCAT_SORTER_DATA_DIR`` overrides.

    Kept apart from the cache because clearing a cache must never lose someone's work.
    """
    override = os.environ.get("DOGCAT_SORTER_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return base / APP_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / APP_DIR_NAME
