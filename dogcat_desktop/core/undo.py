"""Undo: putting the photos of the last sort back where they were, never overwriting.

Undo acts on a journal (see ``journal``): it walks it backwards, settles a move or an earlier undo
that was interrupted (see ``recovery``), and moves each photo back with the same one-file move a
sort uses (see ``transfer``), journaled in the same file, so an undo killed half-way is finished
by the next one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.confine import resolve_folder
from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.journal import (
    JOURNAL_SUFFIX,
    UNDONE_SUFFIX,
    JournalEntry,
    JournalWriteError,
    JournalWriter,
    list_journals,
    read_journal,
    utc_now_text,
)
from dogcat_desktop.core.printable import printable
from dogcat_desktop.core.recovery import identity, same_file, settle
from dogcat_desktop.core.transfer import MoveError, free_names, transfer


@dataclass
class UndoReport:
    folder: Path
    journal_path: Path | None = None
    restored: int = 0
    # (where the photo was, where it is now)
    restored_files: list[tuple[Path, Path]] = field(default_factory=list)
    companions_restored: int = 0  # files that had gone along with their photos (``companions``)
    # (original place, the name it got instead because the original place was taken)
    renamed: list[tuple[Path, Path]] = field(default_factory=list)
    # Photos the journal moved that are no longer where the sort put them.
    missing: list[tuple[Path, str]] = field(default_factory=list)
    # Photos that could not be moved back (permission, disk full); undo can be run again.
    failures: list[tuple[Path, str]] = field(default_factory=list)
    removed_folders: list[Path] = field(default_factory=list)
    # Files at a photo's sorted place that are not the file the sort put there: left alone.
    left_alone: list[tuple[Path, str]] = field(default_factory=list)
    # Why the journal was not acted on at all (crafted, damaged, another folder's).
    refused: str | None = None
    # The journal is marked undone; the next undo goes to the sort before.
    complete: bool = False

    @property
    def nothing_to_undo(self) -> bool:
        return self.journal_path is None

    def summary(self) -> str:
        if self.nothing_to_undo:
            return "Nothing to undo."
        if self.refused is not None:
            return (
                f"Undo refused, nothing was moved: {self.refused}. Move that journal out of the "
                "folder's .dogcat-sorter folder to undo the sorts before it."
            )
        lines = [f"Put back {self.restored} photo{'s' if self.restored != 1 else ''}."]
        if self.companions_restored:
            files = f"{self.companions_restored} file{'s' if self.companions_restored != 1 else ''}"
            lines.append(f"Also put back {files} that went with them.")
        for original, actual in self.renamed:
            lines.append(
                f"  {printable(original.name)} was put back as {printable(actual.name)}: a new"
                " file has the old name."
            )
        for path, reason in self.missing:
            lines.append(f"  {printable(path)}: {reason}")
        for path, reason in self.left_alone:
            lines.append(f"  {printable(path)}: {reason}")
        for path, reason in self.failures:
            lines.append(f"  {printable(path)}: could not be put back ({reason})")
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
    root = resolve_folder(folder)
    report = UndoReport(folder=root)
    infos = list_journals(root)
    if not infos:
        return report  # without creating the app's folder in a folder never sorted
    if infos[0].problem is not None:
        report.journal_path, report.refused = infos[0].path, infos[0].problem
        return report  # before taking a lock in a state folder that may not be the app's
    lock = folder_lock.acquire(root) if use_lock else contextlib.nullcontext()
    with lock:
        infos = list_journals(root)
        if not infos:
            return report
        report.journal_path = infos[0].path
        try:
            journal = read_journal(infos[0].path, root)
        except OSError as exc:
            report.refused = f"{infos[0].path.name} could not be read ({describe_os_error(exc)})"
            return report
        if journal.problem is not None:
            report.refused = journal.problem
            return report
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
                    report.failures.append((where, describe_os_error(exc)))
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
    if entry.move is None or entry.restored is not None:
        return
    if entry.restore is None and not entry.maybe_moved:
        # Failed or rolled back: the photo never left, and its transfer cleaned up after itself.
        # Looking at the destination again could only fail (a read-only disk) and block undo.
        return
    original = Path(entry.move["src"])
    # A previous undo may have been interrupted while moving this photo back.
    if (
        entry.restore is not None
        and settle(entry.restore, entry.restore_claims, entry.copied.get("restore"))
        == "destination"
    ):
        placed = Path(entry.restore["dst"])
        writer.append({"op": "restored", "seq": entry.seq, "to": str(placed)})
        _count_restored(report, entry, Path(entry.restore["src"]), placed)
        return
    sorted_to = Path((entry.done or {}).get("dst") or entry.move["dst"])
    if entry.done is None:
        where = settle(entry.move, entry.move_claims, entry.copied.get("move"))
        if where == "source":
            return
        if where == "missing":
            report.missing.append((original, f"not found at {sorted_to} nor at its old place"))
            return
    elif not os.path.lexists(sorted_to):
        if not os.path.lexists(original):
            report.missing.append((original, f"no longer at {sorted_to}; it was moved or deleted"))
        return
    elif os.path.lexists(original) and same_file(original, sorted_to):
        # Already back (an earlier undo stopped between its two steps): drop the second name.
        os.unlink(sorted_to)
        writer.append({"op": "restored", "seq": entry.seq, "to": str(original)})
        _count_restored(report, entry, sorted_to, original)
        return
    elif not _put_there_by(entry, sorted_to):
        report.left_alone.append(
            (
                sorted_to,
                "is not the photo the sort put there (replaced or changed since), so it was "
                f"left where it is; the photo was {original}",
            )
        )
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
    _count_restored(report, entry, sorted_to, placed)


def _put_there_by(entry: JournalEntry, path: Path) -> bool:
    """Whether ``path`` is the file the sort placed: same device, inode and size."""
    assert entry.move is not None and entry.done is not None
    found = identity(path)
    if found is None:
        return False
    done, move = entry.done, entry.move
    if "dst_dev" in done and "dst_ino" in done:
        expected: tuple[int, int] | None = (done["dst_dev"], done["dst_ino"])
    elif move.get("method", done.get("method")) in ("link", "rename"):
        expected = (move["dev"], move["ino"])  # a link or rename keeps the inode
    else:
        expected = None  # a copy journaled before inodes were kept: the size is all there is
    return found[2] == move["size"] and (expected is None or found[:2] == expected)


def _count_restored(report: UndoReport, entry: JournalEntry, was: Path, placed: Path) -> None:
    """A photo (or a file that went with one: counted apart, and not a photo to follow) back."""
    assert entry.move is not None
    original = Path(entry.move["src"])
    if "companion_of" in (entry.done or {}):
        report.companions_restored += 1
    else:
        report.restored += 1
        report.restored_files.append((was, placed))
    if placed != original:
        report.renamed.append((original, placed))
