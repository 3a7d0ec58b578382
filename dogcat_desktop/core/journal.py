"""The sort journal: writing it durably and reading it back.

Every sort writes ``<folder>/.dogcat-sorter/journal-<UTC time>.jsonl``: one JSON object per line,
each flushed and fsynced before the step it describes, so that after a crash or a power cut the
journal always knows at least as much as the disk. Records (``op``):

* ``header``: folder, start time, pid, host.
* ``mkdir``: a destination folder the sort is about to create (undo removes it if empty).
* ``move``: an attempt to move ``src`` to ``dst`` (with ``size``/``dev``/``ino`` of the source,
  the ``method`` and, for copies, the temporary file ``tmp``). A later ``move`` with the same
  ``seq`` supersedes it (the name was taken meanwhile).
* ``claim``: an empty placeholder created at ``dst`` (moves without hard links).
* ``done`` / ``failed`` / ``rolled_back``: how the move of ``seq`` ended.
* ``end``: the sort finished (or was settled after an interruption).
* ``restore`` / ``restored``: undo moving ``seq`` back, with the same fields as ``move``.
* ``undone``: undo finished; the file is then renamed to ``*.undone.jsonl``.

A truncated last line (killed while writing it) is ignored; ``recovery`` settles what such a
crash left half-done, and ``undo`` walks a journal backwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.transfer import fsync_dir

JOURNAL_PREFIX = "journal-"
JOURNAL_SUFFIX = ".jsonl"
UNDONE_SUFFIX = ".undone.jsonl"
FORMAT_VERSION = 1


class JournalWriteError(RuntimeError):
    """The journal could not be written; moving on would make the sort impossible to undo."""


def utc_now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JournalWriter:
    """Appends records durably: each line is flushed and fsynced before ``append`` returns."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def create(cls, folder: str | os.PathLike[str]) -> JournalWriter:
        """Start a new journal for a sort of ``folder``, with its header record."""
        directory = folder_lock.state_dir(folder)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        try:
            directory.mkdir(exist_ok=True)
            for attempt in range(1000):
                suffix = f"-{attempt}" if attempt else ""
                path = directory / f"{JOURNAL_PREFIX}{stamp}{suffix}{JOURNAL_SUFFIX}"
                try:
                    handle = open(path, "xb")  # noqa: SIM115 - closed by close()
                    break
                except FileExistsError:
                    continue
            else:
                raise FileExistsError(f"no free journal name in {directory}")
            fsync_dir(directory)
        except OSError as exc:
            raise JournalWriteError(
                f"the sort's journal could not be created in {directory} ({describe_os_error(exc)})"
            ) from exc
        writer = cls(path, handle)
        writer.append(
            {
                "op": "header",
                "version": FORMAT_VERSION,
                "folder": str(folder_lock.state_dir(folder).parent),
                "started": utc_now_text(),
                "pid": os.getpid(),
                "host": socket.gethostname(),
            }
        )
        return writer

    @classmethod
    def reopen(cls, path: Path) -> JournalWriter:
        """Append to an existing journal, first ending a line cut short by a crash."""
        try:
            handle = open(path, "r+b")  # noqa: SIM115 - closed by close()
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    handle.seek(0, os.SEEK_END)
                    handle.write(b"\n")
            handle.seek(0, os.SEEK_END)
        except OSError as exc:
            raise JournalWriteError(
                f"the journal {path} could not be opened ({describe_os_error(exc)})"
            ) from exc
        return cls(path, handle)

    def append(self, record: dict) -> None:
        # ensure_ascii keeps undecodable file names (surrogate escapes) representable.
        line = json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n"
        try:
            self._handle.write(line.encode("ascii"))
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise JournalWriteError(
                f"the journal {self.path.name} could not be written ({describe_os_error(exc)})"
            ) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -------------------------------------------------------------------------------------- reading


@dataclass
class JournalEntry:
    """Everything the journal says about one planned move (one ``seq``)."""

    seq: int
    move: dict | None = None  # the latest attempt
    done: dict | None = None
    failed: dict | None = None
    rolled_back: bool = False
    move_claims: set[str] = field(default_factory=set)
    restore: dict | None = None  # the latest undo attempt
    restored: dict | None = None
    restore_claims: set[str] = field(default_factory=set)

    @property
    def settled(self) -> bool:
        """Whether the forward move has a known outcome without looking at the disk."""
        return self.move is None or bool(self.done or self.failed or self.rolled_back)

    @property
    def maybe_moved(self) -> bool:
        """Whether the photo may be away from its original place because of this sort."""
        if self.restored is not None or self.move is None:
            return False
        return self.done is not None or not (self.failed or self.rolled_back)


@dataclass
class Journal:
    path: Path
    header: dict
    entries: dict[int, JournalEntry]
    created_dirs: list[Path]
    finished: bool
    undone: bool
    broken_lines: int

    @property
    def folder(self) -> Path | None:
        folder = self.header.get("folder")
        return Path(folder) if folder else None

    @property
    def moved(self) -> int:
        return sum(1 for e in self.entries.values() if e.done is not None)

    @property
    def needs_recovery(self) -> bool:
        """Interrupted sort, or an undo interrupted in the middle of moving a photo back."""
        if self.undone:
            return False
        if not self.finished:
            return True
        return any(e.restore is not None and e.restored is None for e in self.entries.values())


def read_journal(path: str | os.PathLike[str]) -> Journal:
    """Parse a journal, skipping lines that are not complete JSON (a crash mid-write)."""
    path = Path(path)
    header: dict = {}
    entries: dict[int, JournalEntry] = {}
    created: list[Path] = []
    finished = undone = False
    broken = 0
    for raw in path.read_bytes().split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            broken += 1
            continue
        if not isinstance(record, dict):
            broken += 1
            continue
        op = record.get("op")
        seq = record.get("seq")
        entry = entries.setdefault(seq, JournalEntry(seq)) if isinstance(seq, int) else None
        if op == "header":
            header = record
        elif op == "mkdir" and "path" in record:
            created.append(Path(record["path"]))
        elif op == "end":
            finished = True
        elif op == "undone":
            undone = True
        elif entry is None:
            continue
        elif op == "move" and "src" in record and "dst" in record:
            entry.move = record
        elif op == "done":
            entry.done = record
        elif op == "failed":
            entry.failed = record
        elif op == "rolled_back":
            entry.rolled_back = True
        elif op == "restore" and "src" in record and "dst" in record:
            entry.restore = record
        elif op == "restored":
            entry.restored = record
        elif op == "claim" and "dst" in record:
            claims = entry.restore_claims if record.get("phase") == "restore" else entry.move_claims
            claims.add(record["dst"])
    entries = {seq: entries[seq] for seq in sorted(entries)}
    undone = undone or path.name.endswith(UNDONE_SUFFIX)
    return Journal(path, header, entries, created, finished, undone, broken)


@dataclass(frozen=True)
class JournalInfo:
    """One sort that can be undone, for the UI's undo button and history."""

    path: Path
    started: str
    moved: int
    interrupted: bool
    undone: bool


def journal_paths(folder: str | os.PathLike[str]) -> list[Path]:
    directory = folder_lock.state_dir(folder)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    paths = [
        directory / name
        for name in names
        if name.startswith(JOURNAL_PREFIX) and name.endswith(JOURNAL_SUFFIX)
    ]
    # The name carries the UTC start time, so name order is time order.
    return sorted(paths, key=lambda p: p.name, reverse=True)


def list_journals(
    folder: str | os.PathLike[str], *, include_all: bool = False
) -> list[JournalInfo]:
    """Sorts of ``folder`` that undo can take back, newest first.

    An empty list means there is nothing to undo. ``include_all`` also lists undone sorts and
    sorts that moved nothing.
    """
    infos = []
    for path in journal_paths(folder):
        try:
            journal = read_journal(path)
        except OSError:
            continue
        undoable = not journal.undone and any(e.maybe_moved for e in journal.entries.values())
        if undoable or include_all:
            infos.append(
                JournalInfo(
                    path=path,
                    started=str(journal.header.get("started", "")),
                    moved=journal.moved,
                    interrupted=not journal.finished,
                    undone=journal.undone,
                )
            )
    return infos
