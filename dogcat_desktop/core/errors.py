"""OS errors in words a person understands: one vocabulary for moves, journals, locks and decoding.

A user should read "the disk is full", not "[Errno 28] No space left on device", and the same
error should read the same wherever it happens. What differs is only whose folder is involved,
which ``side`` says.
"""

from __future__ import annotations

import errno
from typing import Literal

# Whose file or folder the failing call was about:
#   "source": the photo's own file or folder (it stays where it is);
#   "destination": the folder it goes to (``folder_name`` names it);
#   "folder": the folder the user chose (locks, the app's state inside it);
#   "file": a file being read (decoding a photo);
#   "": none in particular (the reason alone).
Side = Literal["source", "destination", "folder", "file", ""]

_PERMISSION = {
    "source": "permission denied: the photo's own folder is read-only, so it stays there",
    "folder": "permission denied (the folder is read-only)",
    "file": "permission denied: cannot read this file",
    "": "permission denied",
}
_NOT_FOUND = {
    "source": "the photo is no longer there (moved or deleted since the scan)",
    "folder": "the folder does not exist",
    "file": "file not found (moved or deleted?)",
    "": "not found (moved or deleted?)",
}


def describe_os_error(exc: BaseException, *, side: Side = "", folder_name: str = "") -> str:
    """A short reason, lower case, for an OSError (or any exception, by its text)."""
    code = getattr(exc, "errno", None)
    where = f"the '{folder_name}' folder" if folder_name else "the destination folder"
    if code == errno.ENOSPC:
        return "the disk is full"
    if code == getattr(errno, "EDQUOT", -1):
        return "the disk quota is used up"
    if code == errno.EROFS:
        return "the disk is read-only"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        if side == "destination":
            return f"permission denied: {where} is read-only or not writable"
        return _PERMISSION[side]
    if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
        if side == "destination":
            return f"'{folder_name or 'destination'}' exists but is a file, not a folder"
        return "a part of the path is a file, not a folder"
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
        return "is a folder, not a file"
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        if side == "destination":
            return f"{where} disappeared while sorting"
        return _NOT_FOUND[side]
    if code == errno.ELOOP:
        return "too many symbolic links (a loop of links, or a link where none is followed)"
    if code == errno.ENAMETOOLONG:
        if side == "destination":
            return "the file name is too long for the destination"
        return "the name is too long for this disk"
    if code == errno.EIO:
        return "the disk reported a read or write error"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
