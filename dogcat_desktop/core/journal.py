"""The sort journal, and undo built on it.

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

Because a crash can stop a move at any point, the state of an unfinished move is read back from
the disk ("settled"): the photo may still be at its source, already at its destination, or, for a
hard-link move killed between link and unlink, at both with the same content. A truncated last
line (killed while writing it) is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from dogcat_desktop.core import folder_lock

JOURNAL_PREFIX = "journal-"
JOURNAL_SUFFIX = ".jsonl"
UNDONE_SUFFIX = ".undone.jsonl"
FORMAT_VERSION = 1


class JournalWriteError(RuntimeError):
    """The journal could not be written; moving on would make the sort impossible to undo."""


def utc_now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _describe_write_error(exc: OSError) -> str:
    if exc.errno == 28:  # ENOSPC
        return "the disk is full"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


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
                f"the sort's journal could not be created in {directory} "
                f"({_describe_write_error(exc)})"
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
                f"the journal {path} could not be opened ({_describe_write_error(exc)})"
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
                f"the journal {self.path.name} could not be written ({_describe_write_error(exc)})"
            ) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def fsync_dir(directory: Path) -> None:
    """Make a new name durable; not possible (nor needed) on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


def _journal_paths(folder: str | os.PathLike[str]) -> list[Path]:
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
    for path in _journal_paths(folder):
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


# ------------------------------------------------------------------------------------ settling


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def same_content(a: Path, b: Path) -> bool:
    """The same file (hard links) or byte-identical copies."""
    try:
        if os.path.samefile(a, b):
            return True
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        return _sha256(a) == _sha256(b)
    except OSError:
        return False


def _is_the_moved_file(path: Path, record: dict) -> bool:
    """Whether ``path`` plausibly is the photo the record moved (same inode, or same size)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if st.st_ino == record.get("ino") and st.st_dev == record.get("dev"):
        return True
    return st.st_size == record.get("size")


def _settle(record: dict, claims: set[str]) -> str:
    """Bring an interrupted transfer to a single copy; say where the photo is.

    Returns "source", "destination" or "missing". Removes only what the transfer itself made:
    its temporary file, a second name of the same file, a byte-identical copy, or its own empty
    placeholder.
    """
    source, target = Path(record["src"]), Path(record["dst"])
    temp = record.get("tmp")
    if temp:
        # The temporary copy is gone before the source is removed, so the source still exists.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    at_source = os.path.lexists(source)
    at_target = os.path.lexists(target)
    if at_source and at_target:
        if same_content(source, target):
            os.unlink(target)
        elif record["dst"] in claims:
            with contextlib.suppress(OSError):
                if os.lstat(target).st_size == 0:
                    os.unlink(target)
        return "source"
    if at_source:
        return "source"
    if at_target and _is_the_moved_file(target, record):
        return "destination"
    return "missing"


def recover_interrupted(folder: str | os.PathLike[str]) -> list[Path]:
    """Settle journals left by a sort or undo that was killed; the caller holds the lock.

    Afterwards every photo of such a sort is in exactly one place, and its journal says where,
    so a new sort does not see half-moved photos and undo still works. Returns the journals
    that needed it.
    """
    recovered = []
    for path in reversed(_journal_paths(folder)):
        journal = read_journal(path)
        if not journal.needs_recovery:
            continue
        with JournalWriter.reopen(path) as writer:
            all_settled = True
            for entry in journal.entries.values():
                try:
                    _recover_entry(entry, writer)
                except OSError:
                    all_settled = False  # tried again before the next sort
            if all_settled and not journal.finished:
                writer.append({"op": "end", "time": utc_now_text(), "interrupted": True})
        recovered.append(path)
    return recovered


def _recover_entry(entry: JournalEntry, writer: JournalWriter) -> None:
    if entry.restore is not None and entry.restored is None:
        if _settle(entry.restore, entry.restore_claims) == "destination":
            writer.append(
                {"op": "restored", "seq": entry.seq, "to": entry.restore["dst"], "recovered": True}
            )
    elif entry.restore is None and not entry.settled:
        assert entry.move is not None
        if _settle(entry.move, entry.move_claims) == "destination":
            writer.append(
                {
                    "op": "done",
                    "seq": entry.seq,
                    "dst": entry.move["dst"],
                    "method": entry.move.get("method"),
                    "recovered": True,
                }
            )
        else:
            writer.append({"op": "rolled_back", "seq": entry.seq})


# ----------------------------------------------------------------------------------------- undo


@dataclass
class UndoReport:
    folder: Path
    journal_path: Path | None = None
    restored: int = 0
    # (where the photo was, where it is now)
    restored_files: list[tuple[Path, Path]] = field(default_factory=list)
    # (original place, the name it got instead because the original place was taken)
    renamed: list[tuple[Path, Path]] = field(default_factory=list)
    # Photos the journal moved that are no longer where the sort put them.
    missing: list[tuple[Path, str]] = field(default_factory=list)
    # Photos that could not be moved back (permission, disk full); undo can be run again.
    failures: list[tuple[Path, str]] = field(default_factory=list)
    removed_folders: list[Path] = field(default_factory=list)
    # The journal is marked undone; the next undo goes to the sort before.
    complete: bool = False

    @property
    def nothing_to_undo(self) -> bool:
        return self.journal_path is None

    def summary(self) -> str:
        if self.nothing_to_undo:
            return "Nothing to undo."
        lines = [f"Put back {self.restored} photo{'s' if self.restored != 1 else ''}."]
        for original, actual in self.renamed:
            lines.append(
                f"  {original.name} was put back as {actual.name}: a new file has the old name."
            )
        for path, reason in self.missing:
            lines.append(f"  {path}: {reason}")
        for path, reason in self.failures:
            lines.append(f"  {path}: could not be put back ({reason})")
        if self.failures:
            lines.append("Undo is not finished; run it again once the problem is fixed.")
        return "\n".join(lines)


def undo_last(folder: str | os.PathLike[str], *, use_lock: bool = True) -> UndoReport:
    """Move every photo of the newest sort not yet undone back to where it was.

    Works in reverse order, also for a sort that was killed midway, and never overwrites: a
    photo whose original name is taken again gets ``name (1).ext`` beside it. Takes the folder's
    lock (FolderBusyError while a sort runs); pass ``use_lock=False`` only when the caller holds
    it already. When some photo cannot be put back the journal stays open, so running undo again
    finishes the job.
    """
    root = folder_lock.state_dir(folder).parent
    report = UndoReport(folder=root)
    if not list_journals(root):
        return report  # without creating the app's folder in a folder never sorted
    lock = folder_lock.acquire(root) if use_lock else contextlib.nullcontext()
    with lock:
        infos = list_journals(root)
        if not infos:
            return report
        journal = read_journal(infos[0].path)
        report.journal_path = journal.path
        try:
            writer = JournalWriter.reopen(journal.path)
        except JournalWriteError as exc:
            report.failures.append((journal.path, str(exc)))
            return report
        with writer:
            for entry in reversed(journal.entries.values()):
                try:
                    _undo_entry(entry, writer, report)
                except JournalWriteError as exc:
                    # Each step is journaled before it is taken; without that, stop here. The
                    # journal still describes the disk, so running undo again carries on.
                    report.failures.append((journal.path, str(exc)))
                    return report
                except OSError as exc:
                    where = Path(entry.move["src"]) if entry.move else journal.path
                    report.failures.append((where, exc.strerror or str(exc)))
            for directory in reversed(journal.created_dirs):
                try:
                    os.rmdir(directory)
                except OSError:
                    continue  # not empty (new files, or the user's), or gone already
                report.removed_folders.append(directory)
            if report.failures:
                return report
            writer.append({"op": "undone", "time": utc_now_text(), "restored": report.restored})
        final_name = journal.path.name[: -len(JOURNAL_SUFFIX)] + UNDONE_SUFFIX
        with contextlib.suppress(OSError):
            os.replace(journal.path, journal.path.with_name(final_name))
            report.journal_path = journal.path.with_name(final_name)
        report.complete = True
    return report


def _undo_entry(entry: JournalEntry, writer: JournalWriter, report: UndoReport) -> None:
    from dogcat_desktop.core.moves import MoveError, free_names, transfer  # moves imports us

    if entry.move is None or entry.restored is not None:
        return
    if entry.restore is None and not entry.maybe_moved:
        # Failed or rolled back: the photo never left, and its transfer cleaned up after itself.
        # Looking at the destination again could only fail (a read-only disk) and block undo.
        return
    original = Path(entry.move["src"])
    # A previous undo may have been interrupted while moving this photo back.
    if entry.restore is not None and _settle(entry.restore, entry.restore_claims) == "destination":
        placed = Path(entry.restore["dst"])
        writer.append({"op": "restored", "seq": entry.seq, "to": str(placed)})
        _count_restored(report, original, Path(entry.restore["src"]), placed)
        return
    sorted_to = Path((entry.done or {}).get("dst") or entry.move["dst"])
    if entry.done is None:
        where = _settle(entry.move, entry.move_claims)
        if where == "source":
            return
        if where == "missing":
            report.missing.append((original, f"not found at {sorted_to} nor at its old place"))
            return
    elif not os.path.lexists(sorted_to):
        if not os.path.lexists(original):
            report.missing.append((original, f"no longer at {sorted_to}; it was moved or deleted"))
        return
    elif os.path.lexists(original) and same_content(original, sorted_to):
        # Already back (an earlier undo stopped between its two steps): drop the second name.
        os.unlink(sorted_to)
        writer.append({"op": "restored", "seq": entry.seq, "to": str(original)})
        _count_restored(report, original, sorted_to, original)
        return
    try:
        original.parent.mkdir(parents=True, exist_ok=True)
        placed, _method = transfer(
            sorted_to, free_names(original, original.name), writer.append, entry.seq, "restore"
        )
    except MoveError as exc:
        report.failures.append((sorted_to, exc.reason))
        return
    except OSError as exc:
        report.failures.append((sorted_to, f"its old folder cannot be recreated ({exc.strerror})"))
        return
    writer.append({"op": "restored", "seq": entry.seq, "to": str(placed)})
    _count_restored(report, original, sorted_to, placed)


def _count_restored(report: UndoReport, original: Path, was: Path, placed: Path) -> None:
    report.restored += 1
    report.restored_files.append((was, placed))
    if placed != original:
        report.renamed.append((original, placed))
