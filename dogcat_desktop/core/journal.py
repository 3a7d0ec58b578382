"""The sort journal: writing it durably and reading it back.

Every sort writes ``<folder>/.dogcat-sorter/journal-<UTC time>.jsonl``: one JSON object per line,
each flushed and fsynced before the step it describes, so that after a crash or a power cut the
journal always knows at least as much as the disk. Records (``op``):

* ``header``: folder (links resolved) with its device and inode, start time, pid, host.
* ``mkdir``: a destination folder the sort is about to create (undo removes it if empty).
* ``move``: an attempt to move ``src`` to ``dst`` (with ``size``/``dev``/``ino`` of the source,
  the ``method`` and, for copies, the temporary file ``tmp``). A later ``move`` with the same
  ``seq`` supersedes it (the name was taken meanwhile).
* ``claim``: an empty placeholder created at ``dst`` (moves without hard links), with its inode.
* ``copied``: a copy is complete in its temporary file (``dev``/``ino`` of that file).
* ``done`` / ``failed`` / ``rolled_back``: how the move of ``seq`` ended; ``done`` holds the
  ``dst_dev``/``dst_ino`` of the photo at its new place, which undo checks before moving it.
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
from dogcat_desktop.core.confine import (
    UnsafeStateError,
    check_state_dir,
    open_state_file,
    read_state_file,
    resolve_folder,
)
from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.journal_check import (
    FolderMatch,
    JournalRefusedError,
    check_record,
    match_folder,
)
from dogcat_desktop.core.transfer import fsync_dir

JOURNAL_PREFIX = "journal-"
JOURNAL_SUFFIX = ".jsonl"
UNDONE_SUFFIX = ".undone.jsonl"
FORMAT_VERSION = 1
# Journals kept per folder: the newest sorts stay undoable, old ones stop piling up.
KEEP_JOURNALS = 20


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
        """Start a new journal for a sort of ``folder``, with its header record.

        The state folder must be a real folder (not a link) and the journal a new file, opened
        without following links, so a crafted ``.dogcat-sorter`` cannot make a sort write
        elsewhere.
        """
        directory = folder_lock.state_dir(folder)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            check_state_dir(directory)
            directory.mkdir(exist_ok=True)
            check_state_dir(directory)
            for attempt in range(1000):
                suffix = f"-{attempt}" if attempt else ""
                path = directory / f"{JOURNAL_PREFIX}{stamp}{suffix}{JOURNAL_SUFFIX}"
                try:
                    handle = os.fdopen(open_state_file(path, flags), "wb")
                    break
                except FileExistsError:
                    continue
            else:
                raise FileExistsError(f"no free journal name in {directory}")
            fsync_dir(directory)
            here = os.stat(directory.parent)
        except UnsafeStateError as exc:
            raise JournalWriteError(f"the sort's journal was not written: {exc}") from exc
        except OSError as exc:
            raise JournalWriteError(
                f"the sort's journal could not be created in {directory} ({describe_os_error(exc)})"
            ) from exc
        writer = cls(path, handle)
        writer.append(
            {
                "op": "header",
                "version": FORMAT_VERSION,
                "folder": str(directory.parent),
                # Recognises the folder after a rename, and tells a copy from the original.
                "folder_dev": here.st_dev,
                "folder_ino": here.st_ino,
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
            handle = os.fdopen(open_state_file(path, os.O_RDWR), "r+b")
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    handle.seek(0, os.SEEK_END)
                    handle.write(b"\n")
            handle.seek(0, os.SEEK_END)
        except UnsafeStateError as exc:
            raise JournalWriteError(f"the journal was not opened: {exc}") from exc
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
    # Empty placeholders created at a name (name -> inode when recorded), per phase.
    move_claims: dict[str, int | None] = field(default_factory=dict)
    restore: dict | None = None  # the latest undo attempt
    restored: dict | None = None
    restore_claims: dict[str, int | None] = field(default_factory=dict)
    # The (device, inode) of a finished copy before it got its name, per phase: a file with
    # that identity at the destination is the transfer's own copy.
    copied: dict[str, tuple[int, int]] = field(default_factory=dict)

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
    # Why the journal must not be acted on (crafted, damaged, or another folder's); None if fine.
    problem: str | None = None

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


def moved_files(journal: Journal) -> list[tuple[Path, Path]]:
    """(where it was, where it is) for each photo the sort put in place and undo has not
    taken back: what the window's "Last Sort" lists. The files that went along with a photo
    (``companions``) are left out: they are where their photo is."""
    return [
        (Path(entry.move["src"]), Path(entry.done["dst"]))
        for entry in journal.entries.values()
        if entry.move is not None
        and entry.done is not None
        and entry.restored is None
        and "companion_of" not in entry.done
    ]


def read_journal(
    path: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None
) -> Journal:
    """Parse a journal of ``folder`` (by default the one it lies in), checking every record.

    Lines that are not complete JSON objects are skipped (a crash mid-write leaves one). Any
    record that is of the wrong type, or names a place outside the folder, makes the journal
    ``problem``: nothing may act on it. Raises OSError (UnsafeStateError for a link) when the
    file cannot be read.
    """
    path = Path(path)
    root = resolve_folder(folder if folder is not None else path.parent.parent)
    journal = Journal(path, {}, {}, [], False, path.name.endswith(UNDONE_SUFFIX), 0)
    lines = read_state_file(path).split(b"\n")
    match: FolderMatch | None = None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            journal.broken_lines += 1
            continue
        try:
            if not isinstance(record, dict):
                raise JournalRefusedError("a line is not a record")
            if match is None and record.get("op") in ("end", "undone"):
                continue  # nothing to act on, and no place named
            if match is None:
                if record.get("op") != "header":
                    raise JournalRefusedError("it does not start with a header")
                match = match_folder(check_record(record, FolderMatch(root, "")), root)
            _add(journal, check_record(record, match))
        except JournalRefusedError as exc:
            journal.problem = f"{path.name}, line {number}: {exc}"
            break
    if match is None:
        # Killed while writing its header (only an end may follow): it moved nothing.
        journal.finished = True
    journal.entries = {seq: journal.entries[seq] for seq in sorted(journal.entries)}
    return journal


def _add(journal: Journal, record: dict) -> None:
    op = record["op"]
    seq = record.get("seq")
    entry = journal.entries.setdefault(seq, JournalEntry(seq)) if isinstance(seq, int) else None
    if op == "header":
        journal.header = record
    elif op == "mkdir":
        journal.created_dirs.append(Path(record["path"]))
    elif op == "end":
        journal.finished = True
    elif op == "undone":
        journal.undone = True
    elif entry is None:
        return
    elif op == "move":
        entry.move = record
    elif op == "done":
        entry.done = record
    elif op == "failed":
        entry.failed = record
    elif op == "rolled_back":
        entry.rolled_back = True
    elif op == "restore":
        entry.restore = record
    elif op == "restored":
        entry.restored = record
    elif op == "claim":
        claims = entry.restore_claims if record.get("phase") == "restore" else entry.move_claims
        claims[record["dst"]] = record.get("ino")
    elif op == "copied":
        entry.copied[record.get("phase", "move")] = (record["dev"], record["ino"])


@dataclass(frozen=True)
class JournalInfo:
    """One sort that can be undone, for the UI's undo button and history."""

    path: Path
    started: str
    moved: int
    interrupted: bool
    undone: bool
    # Why undo will refuse it (see Journal.problem); listed so that it is never silently skipped.
    problem: str | None = None


def journal_paths(folder: str | os.PathLike[str]) -> list[Path]:
    """The folder's journals, newest first; UnsafeStateError if its state folder is a link."""
    directory = folder_lock.state_dir(folder)
    check_state_dir(directory)
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


def prune_journals(folder: str | os.PathLike[str], keep: int = KEEP_JOURNALS) -> int:
    """Delete the journals older than the newest ``keep``; returns how many went.

    Only settled ones go (finished, or undone, with no undo stopped half-way) and only the
    app's own (a journal with a ``problem`` stays, so undo can keep saying why). Call it with
    the folder's lock held.
    """
    removed = 0
    for path in journal_paths(folder)[keep:]:
        try:
            journal = read_journal(path, folder)
            if journal.problem is None and not journal.needs_recovery:
                os.unlink(path)
                removed += 1
        except OSError:
            continue
    return removed


def list_journals(
    folder: str | os.PathLike[str], *, include_all: bool = False
) -> list[JournalInfo]:
    """Sorts of ``folder`` that undo can take back, newest first.

    An empty list means there is nothing to undo. ``include_all`` also lists undone sorts and
    sorts that moved nothing. A journal that cannot be used is listed with its ``problem``, so
    that undo says why rather than skipping it.
    """
    try:
        paths = journal_paths(folder)
    except UnsafeStateError as exc:
        directory = folder_lock.state_dir(folder)
        return [JournalInfo(directory, "", 0, False, False, str(exc))]
    infos = []
    for path in paths:
        if path.name.endswith(UNDONE_SUFFIX) and not include_all:
            continue
        try:
            journal = read_journal(path, folder)
        except OSError as exc:
            infos.append(JournalInfo(path, "", 0, False, False, f"{path.name}: {exc}"))
            continue
        undoable = not journal.undone and any(e.maybe_moved for e in journal.entries.values())
        if undoable or include_all or journal.problem:
            infos.append(
                JournalInfo(
                    path=path,
                    started=str(journal.header.get("started", "")),
                    moved=journal.moved,
                    interrupted=not journal.finished,
                    undone=journal.undone,
                    problem=journal.problem,
                )
            )
    return infos
