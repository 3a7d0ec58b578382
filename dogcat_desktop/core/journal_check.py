"""What a journal record may say, checked before anything acts on it.

A journal lives in the folder it describes, so whoever handed over the folder could have written
it. Every record is checked against the folder being sorted: fields of the right JSON types,
every path strictly inside the folder once links are resolved, temporary files only where a
copy puts them, created folders only ``dogs/``, ``cats/`` and a named pet's folder in one of them
(``dogs/Rex/``, a name the app would accept). A folder renamed since the sort
(same device and inode) has its paths carried over to the new name; one copied or moved to
another disk is not the folder the journal's moves happened in, so its journal is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dogcat_desktop.core.confine import resolved_inside
from dogcat_desktop.core.folder_lock import STATE_DIR_NAME
from dogcat_desktop.core.labels import SORT_FOLDERS
from dogcat_desktop.core.personal.labels import LabelError, check_name
from dogcat_desktop.core.transfer import TEMP_PREFIX, TEMP_SUFFIX

METHODS = frozenset({"link", "rename", "copy"})
PHASES = frozenset({"move", "restore"})
# The fields each record must have, with their JSON types (int means a JSON integer).
_REQUIRED: dict[str, dict[str, type]] = {
    "header": {"folder": str},
    "mkdir": {"path": str},
    "move": {"seq": int, "src": str, "dst": str, "size": int, "dev": int, "ino": int},
    "restore": {"seq": int, "src": str, "dst": str, "size": int, "dev": int, "ino": int},
    "claim": {"seq": int, "dst": str},
    "copied": {"seq": int, "dev": int, "ino": int},
    "done": {"seq": int},
    "failed": {"seq": int},
    "rolled_back": {"seq": int},
    "restored": {"seq": int},
    "end": {},
    "undone": {},
}
_OPTIONAL: dict[str, dict[str, type]] = {
    "move": {"tmp": str, "method": str},
    "restore": {"tmp": str, "method": str},
    "claim": {"phase": str, "ino": int},
    "copied": {"phase": str},
    "done": {"dst": str, "method": str, "dst_dev": int, "dst_ino": int, "companion_of": int},
    "restored": {"to": str},
}
_PATH_FIELDS = ("src", "dst", "tmp", "path", "to")


class JournalRefusedError(ValueError):
    """A record the app will not act on; the message says why, for the user."""


@dataclass
class FolderMatch:
    """How the paths in a journal map onto the folder being sorted now."""

    root: Path  # the folder now, links resolved
    recorded: str  # the folder the journal says it was written for
    parents: dict[str, str] = field(default_factory=dict)  # resolved folders, for speed

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR_NAME

    def carry(self, text: str) -> str:
        """A recorded path carried over to the folder's name now (after a rename)."""
        recorded = self.recorded.rstrip(os.sep)
        if recorded != str(self.root) and text.startswith(recorded + os.sep):
            return str(self.root) + text[len(recorded) :]
        return text

    def inside(self, text: str) -> Path | None:
        """The path, links resolved, if strictly inside the folder and outside the app's state."""
        key = self.carry(text)
        place = resolved_inside(key, self.root, self.parents) if "\0" not in key else None
        if place is not None and (place == self.state_dir or self.state_dir in place.parents):
            return None
        return place


def match_folder(header: dict, root: Path) -> FolderMatch:
    """Recognise the folder a journal was written for, or refuse the journal.

    The same path, or a path that still leads here, is this folder. A different path is this
    folder renamed only when the header's device and inode are this folder's; otherwise the
    journal came with a copy, or the folder moved to another disk, and the files it names are
    not the ones the sort moved.
    """
    recorded = header.get("folder")
    if not isinstance(recorded, str) or not recorded:
        raise JournalRefusedError("it has no valid header naming the folder it was written for")
    if recorded == str(root) or os.path.realpath(recorded) == str(root):
        return FolderMatch(root, recorded)
    dev, ino = header.get("folder_dev"), header.get("folder_ino")
    try:
        here = os.stat(root)
    except OSError as exc:
        raise JournalRefusedError(f"the folder cannot be read ({exc.strerror})") from exc
    if _is_int(dev) and _is_int(ino) and (here.st_dev, here.st_ino) == (dev, ino):
        return FolderMatch(root, recorded)
    raise JournalRefusedError(
        f"it was written for {recorded}; this folder is a copy of it, or was moved to another "
        "disk, so the files it names are not the ones that sort moved"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_TYPE_NAMES = {int: "a whole number", str: "text"}


def _type_ok(value: object, expected: type) -> bool:
    return _is_int(value) if expected is int else isinstance(value, expected)


def check_record(record: dict, folder: FolderMatch) -> dict:
    """The record with its paths resolved inside the folder; JournalRefusedError if unusable.

    Unknown operations are returned as they are (nothing acts on them).
    """
    op = record.get("op")
    if not isinstance(op, str):
        raise JournalRefusedError("a record has no operation name")
    required = _REQUIRED.get(op)
    if required is None:
        return record
    optional = _OPTIONAL.get(op, {})
    for name, expected in (*required.items(), *optional.items()):
        if name not in record:
            if name in required:
                raise JournalRefusedError(f"a '{op}' record has no '{name}'")
            continue
        if not _type_ok(record[name], expected):
            raise JournalRefusedError(f"a '{op}' record's '{name}' is not {_TYPE_NAMES[expected]}")
    if op == "header":
        return record
    if "seq" in record and record["seq"] < 0:
        raise JournalRefusedError(f"a '{op}' record has a negative number")
    if record.get("method", "link") not in METHODS:
        raise JournalRefusedError(f"a '{op}' record names an unknown method {record['method']!r}")
    if record.get("phase", "move") not in PHASES:
        raise JournalRefusedError(f"a '{op}' record names an unknown phase {record['phase']!r}")
    checked = dict(record)
    for name in _PATH_FIELDS:
        if name in record and (name != "path" or op == "mkdir"):
            place = folder.inside(record[name])
            if place is None:
                raise JournalRefusedError(
                    f"a '{op}' record names {record[name]!r}, which is not inside the folder"
                )
            checked[name] = str(place)
    if op == "mkdir" and not _sort_folder(Path(checked["path"]), folder.root):
        raise JournalRefusedError(
            f"a 'mkdir' record names {record['path']!r}, not dogs/, cats/ or a pet's folder in them"
        )
    if "tmp" in checked:
        temp = Path(checked["tmp"])
        if (
            temp.parent != Path(checked["dst"]).parent
            or not temp.name.startswith(TEMP_PREFIX)
            or not temp.name.endswith(TEMP_SUFFIX)
        ):
            raise JournalRefusedError(
                f"a '{op}' record names {record['tmp']!r} as its temporary file, which is not "
                "one the app makes"
            )
    return checked


def _sort_folder(path: Path, root: Path) -> bool:
    """Whether a sort creates ``path``: ``dogs/``, ``cats/``, or ``dogs/NAME``, ``cats/NAME``
    with a name the app accepts (exactly as it would write it), at the top of the folder or in
    a subfolder (a sort that gives each subfolder its own)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not parts:
        return False
    if parts[-1] in SORT_FOLDERS.values():
        return True
    if len(parts) < 2 or parts[-2] not in SORT_FOLDERS.values():
        return False
    try:
        return check_name(parts[-1]) == parts[-1]
    except LabelError:
        return False
