"""Shared fixtures: the real photos in ../shared/data, and isolated per-user folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import DATA, WEIGHTS, require

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require(DATA)


@pytest.fixture(scope="session")
def base_weights() -> Path:
    return require(WEIGHTS)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's cache or settings."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("DOGCAT_SORTER_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("DOGCAT_SORTER_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """The sentinel beside a test's folder: files, a folder and a photo that no action on the
    folder may touch."""
    sentinel = tmp_path / "outside"
    (sentinel / "sub").mkdir(parents=True)
    (sentinel / "victim.txt").write_text("must stay exactly as it is\n")
    (sentinel / "sub" / "dog_9.jpg").write_bytes(os.urandom(3000))
    return sentinel


@pytest.fixture(scope="session")
def cat_photos(shared_data) -> list[Path]:
    return sorted((shared_data / "dogs-vs-cats" / "validation" / "cats").glob("*.jpg"))


@pytest.fixture(scope="session")
def dog_photos(shared_data) -> list[Path]:
    return sorted((shared_data / "dogs-vs-cats" / "validation" / "dogs").glob("*.jpg"))
