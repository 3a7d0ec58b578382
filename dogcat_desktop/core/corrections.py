"""Labels a person set by hand, remembered across scans and sessions.

A correction belongs to one version of one file: it is keyed by the absolute path and checked
against the file's size and modification time, so an edited or replaced photo is judged afresh.
Kept in SQLite (one small row per correction, written as it happens) so a crash loses nothing
and 10,000 corrections cost no rewrite of a whole file.

They are a person's work, so a damaged store is never moved aside or silently skipped: opening
it raises ``CorrectionsDamagedError`` with a message, and what to do (sort on the model's labels
alone, or stop) is the user's choice.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .paths import path_key
from .personal.labels import LabelError, format_label, parse_label

SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    label TEXT NOT NULL,
    updated REAL NOT NULL
);
"""

FILE_NAME = "corrections.sqlite3"


@dataclass(frozen=True)
class FileVersion:
    """Which version of a file a correction is about."""

    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileVersion:
        """The version on disk now; raises ``OSError`` if the file is gone."""
        stat = os.stat(path)
        return cls(Path(path), stat.st_size, stat.st_mtime_ns)


class CorrectionsDamagedError(Exception):
    """The corrections store cannot be read; the message says where and why, for the user."""


_COLUMNS = ["path", "size", "mtime_ns", "label", "updated"]


class CorrectionStore:
    """Thread-safe: the scan worker reads while the window writes."""

    def __init__(self, path: Path) -> None:
        """Open (or create) the store; CorrectionsDamagedError if it exists but is unusable."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
            check = self._db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else '?'}")
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(corrections)")]
            if columns != _COLUMNS:
                raise sqlite3.DatabaseError("its table is not the one this version writes")
            unknown = [
                label
                for (label,) in self._db.execute("SELECT DISTINCT label FROM corrections")
                if _valid(label) is None
            ]
            if unknown:
                raise sqlite3.DatabaseError(
                    f"labels this version does not know, such as {str(unknown[0])[:40]!r}"
                )
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise CorrectionsDamagedError(
                f"The labels you set by hand could not be read from {path} ({exc}). They were "
                "not used; move that file away to start afresh, or restore it from a backup."
            ) from exc
        self._lock = threading.Lock()

    def get(self, version: FileVersion) -> str | None:
        """The label set for exactly this version of the file, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT label, size, mtime_ns FROM corrections WHERE path = ?",
                (path_key(version.path),),
            ).fetchone()
        if row is None or row[1] != version.size or row[2] != version.mtime_ns:
            return None
        return _valid(row[0])

    def set(self, version: FileVersion, label: str | None) -> None:
        """Remember ``label`` for this file version; None forgets any correction."""
        self.set_many([(version, label)])

    def set_many(self, changes: Iterable[tuple[FileVersion, str | None]]) -> None:
        """Several changes in one transaction (a correction applied to a whole selection).

        A label is ``dog``, ``cat``, ``other`` or a named pet (``dog/Rex``); anything else
        raises ``LabelError`` (a ``ValueError``) before anything is written.
        """
        changes = [
            (version, None if label is None else format_label(*parse_label(label)))
            for version, label in changes
        ]
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                for version, label in changes:
                    if label is None:
                        self._db.execute(
                            "DELETE FROM corrections WHERE path = ?", (path_key(version.path),)
                        )
                    else:
                        self._db.execute(
                            "INSERT OR REPLACE INTO corrections VALUES (?, ?, ?, ?, ?)",
                            (path_key(version.path), version.size, version.mtime_ns, label, now),
                        )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rename(self, old: Path, new: Path) -> None:
        """Follow a file that moved (a sort or its undo) without changing its content."""
        self.follow([(old, new)])

    def follow(self, moves: Iterable[tuple[Path, Path]]) -> None:
        """Follow every (old, new) move of a sort or an undo, in one transaction."""
        with self._lock:
            self._db.executemany(
                "UPDATE OR REPLACE corrections SET path = ? WHERE path = ?",
                [(path_key(new), path_key(old)) for old, new in moves],
            )

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _valid(label: object) -> str | None:
    """A stored label as the app uses it, None for one it cannot parse. Opening refuses a store
    that holds such a label, so here it only guards against another process writing one since."""
    if not isinstance(label, str):
        return None
    try:
        return format_label(*parse_label(label))
    except LabelError:
        return None
