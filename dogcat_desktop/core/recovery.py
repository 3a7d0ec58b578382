"""Settling a sort or undo that was killed half-way, so every photo is in exactly one place.

Because a crash can stop a move at any point, the state of an unfinished move is read back from
the disk ("settled"): the photo may still be at its source, already at its destination, or, for a
hard-link move killed between link and unlink, at both with the same content.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from dogcat_desktop.core.journal import (
    JournalEntry,
    JournalWriter,
    journal_paths,
    read_journal,
    utc_now_text,
)


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


def settle(record: dict, claims: set[str]) -> str:
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
    for path in reversed(journal_paths(folder)):
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
        if settle(entry.restore, entry.restore_claims) == "destination":
            writer.append(
                {"op": "restored", "seq": entry.seq, "to": entry.restore["dst"], "recovered": True}
            )
    elif entry.restore is None and not entry.settled:
        assert entry.move is not None
        if settle(entry.move, entry.move_claims) == "destination":
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
