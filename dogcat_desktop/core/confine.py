"""Keeping every action inside the folder the user chose.

Everything in a folder is untrusted input, the app's own ``.dogcat-sorter/`` state included: a
folder someone hands over can carry a crafted journal, or links where the app expects its own
files and folders. So the folder is resolved once (``realpath``), every path the app is about to
act on is checked to lie strictly inside it after resolving links, and the app's state files are
opened without following links.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A journal of 100,000 moves is about 40 MB; anything far beyond is not one of ours.
MAX_STATE_FILE_BYTES = 256 * 1024 * 1024


class UnsafeStateError(OSError):
    """A state file or folder is a link, not a regular file, or otherwise not the app's own."""


def resolve_folder(folder: str | os.PathLike[str]) -> Path:
    """The chosen folder with every link resolved: the one root all checks compare against."""
    return Path(os.path.realpath(os.path.abspath(folder)))


def _strictly_below(path: str, root: str) -> bool:
    root = root.rstrip(os.sep) + os.sep
    return os.path.normcase(path).startswith(os.path.normcase(root))


def resolved_inside(
    path: str | os.PathLike[str], root: Path, parents: dict[str, str] | None = None
) -> Path | None:
    """``path`` with the links of its folders resolved, if it lies strictly inside ``root``.

    The last component is kept as it is (a link there is a link to move or refuse, not a place
    to go); ``root`` must be resolved already. None when the path leads outside, is the root
    itself, or ends in ``.`` or ``..``. ``parents`` caches resolved folders within one task.
    """
    text = os.path.abspath(os.fspath(path))
    name = os.path.basename(text)
    if name in ("", ".", ".."):
        return None
    folder = os.path.dirname(text)
    parent = parents.get(folder) if parents is not None else None
    if parent is None:
        parent = os.path.realpath(folder)
        if parents is not None:
            parents[folder] = parent
    if parent != str(root) and not _strictly_below(parent, str(root)):
        return None
    return Path(parent) / name


def is_real_folder(path: Path) -> bool:
    """A folder itself, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def check_state_dir(directory: Path) -> None:
    """Refuse a ``.dogcat-sorter`` that is a link or not a folder; a missing one is fine."""
    try:
        mode = os.lstat(directory).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise UnsafeStateError(
            f"{directory} is a symbolic link, not the app's own folder; it is refused so that "
            "nothing outside the folder is written. Remove the link to sort this folder."
        )
    if not stat.S_ISDIR(mode):
        raise UnsafeStateError(
            f"{directory} exists but is not a folder; the app needs it to be one."
        )


def open_state_file(path: Path, flags: int, mode: int = 0o644) -> int:
    """Open one of the app's own files without following a link, refusing anything irregular.

    Opened non-blocking, so a named pipe in its place cannot hang the app, and checked on the
    open descriptor, so nothing can be swapped in between the check and the use.
    """
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | nofollow | nonblocking | getattr(os, "O_BINARY", 0), mode)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeStateError(
                f"{path} is a symbolic link, not the app's own file; it was not followed"
            ) from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeStateError(f"{path} is not a regular file; it was not used")
        if nonblocking:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_state_file(path: Path, limit: int = MAX_STATE_FILE_BYTES) -> bytes:
    """The bytes of one of the app's own files, read without following links, size-capped."""
    fd = open_state_file(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnsafeStateError(f"{path} is larger than any file the app writes; it was not read")
    return data
