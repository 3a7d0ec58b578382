"""Which version of a file was classified, so that a sort moves only what was reviewed."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class FileStamp:
    """Size, modification and change time, and inode: an edit, a save-over (a new inode) or a
    file swapped in under the same name all change at least one of them."""

    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStamp:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
