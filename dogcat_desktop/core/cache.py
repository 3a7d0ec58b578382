"""What a scan already knows: results keyed by path, size and modification time.

Kept in SQLite in the user's cache directory so re-scanning a folder of 10,000 photos costs a
``stat`` per file. The key includes the model's identity and how photos are read
(``imaging.READ_REVISION``), so neither a new model nor a changed decode reuses old answers.

A cache is only a copy of what a scan can find again, so a damaged one is moved aside (kept for
a look, never deleted) and rebuilt, with a one-line ``notice`` for the user.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .imaging import READ_REVISION
from .paths import path_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    model TEXT NOT NULL,
    probabilities BLOB,
    embedding BLOB,
    thumbnail BLOB,
    width INTEGER,
    height INTEGER,
    error TEXT,
    PRIMARY KEY (path, model)
);
"""


_COLUMNS = ["path", "size", "mtime_ns", "model", "probabilities", "embedding", "thumbnail",
            "width", "height", "error"]  # fmt: skip


def _open(path: Path) -> sqlite3.Connection:
    """Open and check the cache; sqlite3.DatabaseError if it is not a sound one of ours."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
        columns = [row[1] for row in db.execute("PRAGMA table_info(results)")]
        if columns != _COLUMNS:
            raise sqlite3.DatabaseError("its table is not the one this version writes")
    except BaseException:
        db.close()
        raise
    return db


def _move_aside(path: Path) -> Path:
    """Rename a damaged cache (and its write-ahead files) out of the way; returns the new name."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if os.path.lexists(source):
            os.replace(source, Path(str(aside) + suffix))
    return aside


@dataclass(frozen=True)
class CachedResult:
    probabilities: np.ndarray | None
    embedding: np.ndarray | None
    thumbnail: bytes | None
    width: int
    height: int
    error: str | None


class ScanCache:
    """A small thread-safe key-value store over SQLite."""

    def __init__(self, path: Path, model_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Set when a damaged cache was moved aside; a line for the user.
        self.notice: str | None = None
        try:
            self._db = _open(path)
        except sqlite3.DatabaseError as exc:
            aside = _move_aside(path)
            self.notice = (
                f"The scan cache was damaged ({exc}); it was moved aside to {aside.name} and is "
                "being rebuilt, so this scan is slower."
            )
            self._db = _open(path)
        # Answers belong to a model and to how photos were read for it (``READ_REVISION``).
        self._model = f"{model_id};read{READ_REVISION}"
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, path: Path, size: int, mtime_ns: int) -> CachedResult | None:
        with self._lock:
            row = self._db.execute(
                "SELECT probabilities, embedding, thumbnail, width, height, error, size, mtime_ns"
                " FROM results WHERE path = ? AND model = ?",
                (path_key(path), self._model),
            ).fetchone()
        if row is None or row[6] != size or row[7] != mtime_ns:
            self.misses += 1
            return None
        try:
            probabilities = np.frombuffer(row[0], np.float32) if row[0] else None
            embedding = np.frombuffer(row[1], np.float16) if row[1] else None
        except (TypeError, ValueError):
            probabilities = np.zeros(0, np.float32)  # a damaged row: decoded afresh below
        if probabilities is not None and probabilities.shape != (3,):
            self.misses += 1
            return None
        self.hits += 1
        return CachedResult(probabilities, embedding, row[2], row[3] or 0, row[4] or 0, row[5])

    def put(self, path: Path, size: int, mtime_ns: int, result: CachedResult) -> None:
        probabilities = (
            None
            if result.probabilities is None
            else np.asarray(result.probabilities, np.float32).tobytes()
        )
        embedding = (
            None if result.embedding is None else np.asarray(result.embedding, np.float16).tobytes()
        )
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    path_key(path),
                    size,
                    mtime_ns,
                    self._model,
                    probabilities,
                    embedding,
                    result.thumbnail,
                    result.width,
                    result.height,
                    result.error,
                ),
            )

    def thumbnail(self, path: Path) -> bytes | None:
        """The stored thumbnail for a path, for views that load them lazily."""
        with self._lock:
            row = self._db.execute(
                "SELECT thumbnail FROM results WHERE path = ? AND model = ?",
                (path_key(path), self._model),
            ).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
