"""Settling a sort or undo that was killed half-way, so every photo is in exactly one place.

Because a crash can stop a move at any point, the state of an unfinished move is read back from
the disk ("settled"): the photo may still be at its source, already at its destination, or, for a
hard-link move killed between link and unlink, at both with the same content.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from dogcat_desktop.core.journal import (
    UNDONE_SUFFIX,
    JournalEntry,
    JournalWriter,
    journal_paths,
    read_journal,
    utc_now_text,
)


def identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, size) of a regular file, not following links; None for anything else."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_dev, st.st_ino, st.st_size


def is_placed_file(path: Path, record: dict, copied: tuple[int, int] | None) -> bool:
    """Whether ``path`` is the very file a transfer put there: the moved file itself (a link or
    rename keeps its inode) or the transfer's own finished copy, never just a look-alike."""
    found = identity(path)
    if found is None:
        return False
    if found == (record["dev"], record["ino"], record["size"]):
        return True
    return copied is not None and found[:2] == copied and found[2] == record["size"]


def settle(
    record: dict, claims: dict[str, int | None], copied: tuple[int, int] | None = None
) -> str:
    """Bring an interrupted transfer to a single copy; say where the photo is.

    Returns "source", "destination" or "missing". Removes only what the transfer itself made:
    its temporary file, a second name of the same file, its own finished copy, or its own empty
    placeholder; a file that merely looks the same (a copy the user made) is never removed.
    """
    source, target = Path(record["src"]), Path(record["dst"])
    temp = record.get("tmp")
    if temp and identity(Path(temp)) is not None:
        # The temporary copy is gone before the source is removed, so the source still exists.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    at_source = os.path.lexists(source)
    at_target = os.path.lexists(target)
    if at_source and at_target:
        if same_file(source, target) or (
            copied is not None and is_placed_file(target, record, copied)
        ):
            os.unlink(target)
        elif record["dst"] in claims:
            placeholder = identity(target)
            recorded = claims[record["dst"]]
            if (
                placeholder is not None
                and placeholder[2] == 0
                and recorded in (None, placeholder[1])
            ):
                os.unlink(target)
        return "source"
    if at_source:
        return "source"
    if at_target and is_placed_file(target, record, copied):
        return "destination"
    return "missing"


def same_file(a: Path, b: Path) -> bool:
    """Two names of one regular file (a hard-link move stopped between link and unlink)."""
    first, second = identity(a), identity(b)
    return first is not None and first == second


def recover_interrupted(
    folder: str | os.PathLike[str], notices: list[str] | None = None
) -> list[Path]:
    """Settle journals left by a sort or undo that was killed; the caller holds the lock.

    Afterwards every photo of such a sort is in exactly one place, and its journal says where,
    so a new sort does not see half-moved photos and undo still works. Returns the journals
    that needed it. A journal that must not be acted on (see ``journal_check``) is left as it
    is, and why goes into ``notices``.
    """
    recovered = []
    for path in reversed(journal_paths(folder)):
        if path.name.endswith(UNDONE_SUFFIX):
            continue
        try:
            journal = read_journal(path, folder)
        except OSError as exc:
            if notices is not None:
                notices.append(f"{path.name} was not read: {exc}")
            continue
        if journal.problem is not None:
            if notices is not None:
                notices.append(f"An earlier sort's journal was not acted on: {journal.problem}")
            continue
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
        where = settle(entry.restore, entry.restore_claims, entry.copied.get("restore"))
        if where == "destination":
            writer.append(
                {"op": "restored", "seq": entry.seq, "to": entry.restore["dst"], "recovered": True}
            )
    elif entry.restore is None and not entry.settled:
        assert entry.move is not None
        if settle(entry.move, entry.move_claims, entry.copied.get("move")) == "destination":
            writer.append(
                {
                    "op": "done",
                    "seq": entry.seq,
                    "dst": entry.move["dst"],
                    "method": entry.move.get("method"),
                    "recovered": True,
                    **placed_identity(Path(entry.move["dst"])),
                }
            )
        else:
            writer.append({"op": "rolled_back", "seq": entry.seq})


def placed_identity(path: Path) -> dict[str, int]:
    """The ``dst_dev``/``dst_ino`` fields a ``done`` record keeps for undo to check."""
    found = identity(path)
    return {} if found is None else {"dst_dev": found[0], "dst_ino": found[1]}
