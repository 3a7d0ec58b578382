"""Moving one file without ever losing or overwriting it.

The single-file move shared by a sort and by undo. Each attempt is journaled (through a callback)
before it touches the disk, and destination names are claimed with exclusive operations rather
than checked and then written.

How one file is moved, from the safest to the most general:

* ``link``: same file system with hard links: ``os.link`` (fails if the name is taken), then
  ``os.unlink`` of the source. At every instant the photo exists under at least one name.
* ``rename``: same file system without hard links (FAT, exFAT, some network shares): claim the
  name by creating an empty placeholder with ``O_EXCL``, then ``os.replace`` the photo onto the
  placeholder, which only ever replaces our own empty file.
* ``copy``: different file systems: copy to a hidden temporary file in the destination folder,
  check the size, flush and fsync, give it its final name without overwriting (hard link, or the
  placeholder trick), and only then remove the source.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from dogcat_desktop.core.errors import Side, describe_os_error

# Errors from os.link that mean "no hard links here", not "you may not write here".
_LINK_UNSUPPORTED = frozenset(
    {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}
)
_NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d+)\)$")
_MAX_NUMBER = 100_000
_COPY_CHUNK = 1024 * 1024
TEMP_PREFIX = ".dogcat-sorter-"
TEMP_SUFFIX = ".part"

JournalLog = Callable[[dict], None]


class MoveError(Exception):
    """A file could not be moved; ``reason`` is written for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def numbered_name(path: Path, number: int) -> Path:
    """``cat.jpg`` -> ``cat (1).jpg``; the number goes before the suffix so the type stays."""
    return path.with_name(f"{path.stem} ({number}){path.suffix}")


def free_names(planned: Path, source_name: str) -> Iterator[Path]:
    """Candidate names not in use right now, in order of preference.

    The name is chosen again at execution time: the plain name first, then ``(1)``, ``(2)``, ...
    The caller still claims the name exclusively, since the check here can race.
    """
    base = planned.parent / source_name
    match = _NUMBERED.match(Path(planned.name).stem)
    derived = planned.name == source_name or (
        match is not None and numbered_name(base, int(match["n"])).name == planned.name
    )
    start = base if derived else planned
    for number in range(_MAX_NUMBER):
        candidate = start if number == 0 else numbered_name(start, number)
        if not os.path.lexists(candidate):
            yield candidate
    raise MoveError(f"no free name for {source_name} in '{planned.parent.name}'")


def _claim(target: Path) -> int:
    """Reserve a name with an empty file created exclusively (FileExistsError if taken).

    Returns its inode, which the journal keeps so that recovery removes this placeholder and no
    other empty file.
    """
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        return os.fstat(fd).st_ino
    finally:
        os.close(fd)


def _drop_placeholder(target: Path) -> None:
    """Remove our empty placeholder, and nothing else."""
    with contextlib.suppress(OSError):
        if os.lstat(target).st_size == 0:
            os.unlink(target)


def _copy_to_temp(source: Path, temp: Path, before: os.stat_result) -> dict[str, int]:
    """Copy, verify and fsync, so that the copy is complete before the source goes.

    A photo written to while it is copied (an editor saving in place) would give a torn copy
    that the source's removal then makes the only one; it is left where it is instead. The
    source is opened without following a link or blocking on a pipe swapped in since it was
    checked. Returns the copy's ``dev`` and ``ino``.
    """
    extra = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fin = open(source, "rb", opener=lambda path, flags: os.open(path, flags | extra))  # noqa: SIM115
    except OSError as exc:
        raise _source_error(exc) from None
    if _identity(os.fstat(fin.fileno())) != _identity(before):
        fin.close()
        raise MoveError("the photo changed before it could be copied; it was left in place")
    if extra & getattr(os, "O_NONBLOCK", 0):
        os.set_blocking(fin.fileno(), True)
    with fin, open(temp, "xb") as fout:
        shutil.copyfileobj(fin, fout, _COPY_CHUNK)
        fout.flush()
        os.fsync(fout.fileno())
        copy = os.fstat(fout.fileno())
        written = copy.st_size
        after = os.fstat(fin.fileno())
    if _identity(after) != _identity(before):
        raise MoveError("the photo changed while it was being copied; it was left in place")
    if written != before.st_size:
        raise MoveError(
            f"the copy came out {written} bytes instead of {before.st_size}; the photo was left "
            "in place"
        )
    with contextlib.suppress(OSError):
        shutil.copystat(source, temp, follow_symlinks=False)
    return {"dev": copy.st_dev, "ino": copy.st_ino}


def transfer(
    source: Path,
    candidates: Iterator[Path],
    log: JournalLog,
    seq: int,
    phase: str,
) -> tuple[Path, str]:
    """Move ``source`` to the first candidate name that can be claimed; never overwrite.

    Each attempt is journaled through ``log`` before it touches the disk, as
    ``{"op": phase, "seq", "src", "dst", "method", "size", ...}``; a claimed placeholder is
    journaled as ``{"op": "claim", ...}``. The caller journals completion. Returns the final
    path and the method used. Raises MoveError (with a user-facing reason) when it fails, after
    putting things back as they were.
    """
    folder_name = ""
    try:
        st = os.lstat(source)
    except OSError as exc:
        raise MoveError(describe_os_error(exc, side="source")) from exc
    if not stat.S_ISREG(st.st_mode):
        raise MoveError("not a regular file (a link or a folder), so it was left in place")
    target = next(candidates)
    folder_name = target.parent.name
    try:
        same_device = os.stat(target.parent).st_dev == st.st_dev
    except OSError as exc:
        reason = describe_os_error(exc, side="destination", folder_name=folder_name)
        raise MoveError(reason) from exc
    method = "link" if same_device else "copy"
    temp: Path | None = None
    temp_ready = False
    record_base = {
        "seq": seq,
        "src": str(source),
        "size": st.st_size,
        "dev": st.st_dev,
        "ino": st.st_ino,
    }
    try:
        while True:
            record = {"op": phase, **record_base, "dst": str(target), "method": method}
            if method == "copy" and temp is None:
                temp = target.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}{TEMP_SUFFIX}"
            if temp is not None:
                record["tmp"] = str(temp)
            log(record)
            try:
                if method == "link":
                    _link_then_unlink(source, target)
                elif method == "rename":
                    ino = _claim(target)
                    log({"op": "claim", "phase": phase, "seq": seq, "dst": str(target), "ino": ino})
                    try:
                        os.replace(source, target)
                    except OSError as exc:
                        _drop_placeholder(target)
                        if not os.path.lexists(source):
                            raise _source_error(exc) from None
                        raise
                else:
                    assert temp is not None
                    if not temp_ready:
                        copy = _copy_to_temp(source, temp, st)
                        # Recovery removes a file at the destination only if it is this copy.
                        log({"op": "copied", "phase": phase, "seq": seq, **copy})
                        temp_ready = True
                    _publish_temp(temp, target, log, phase, seq)
                    temp = None
                    fsync_dir(target.parent)
                    _remove_source_after_copy(source, target, st)
                return target, method
            except FileExistsError:
                target = next(candidates)
            except _SwitchMethodError as switch:
                method = switch.method
    except MoveError:
        raise
    except OSError as exc:
        side: Side = "source" if getattr(exc, "dogcat_side", "") == "source" else "destination"
        raise MoveError(describe_os_error(exc, side=side, folder_name=folder_name)) from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


class _SwitchMethodError(Exception):
    def __init__(self, method: str) -> None:
        super().__init__(method)
        self.method = method


def _source_error(exc: OSError) -> OSError:
    exc.dogcat_side = "source"  # type: ignore[attr-defined]
    return exc


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    """Which file, at which size and modification time."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _still_the_moved_file(source: Path, moved: os.stat_result) -> bool:
    """Whether ``source`` still names the file that was moved, and may be removed.

    A photo saved over meanwhile (editors write a new file and rename it onto the old name)
    is another file: removing it would lose the new version, so it stays.
    """
    try:
        now = os.lstat(source)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (moved.st_dev, moved.st_ino)


def _link_then_unlink(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except FileNotFoundError as exc:
        if not os.path.lexists(source):
            raise _source_error(exc) from None
        raise
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            raise _SwitchMethodError("copy") from exc
        if exc.errno in _LINK_UNSUPPORTED:
            raise _SwitchMethodError("rename") from exc
        raise
    try:
        if not _still_the_moved_file(source, os.lstat(target)):
            return  # gone or replaced meanwhile; the photo that was linked is at its new place
        os.unlink(source)
    except FileNotFoundError:
        pass  # someone removed the old name meanwhile; the photo is at its new place
    except OSError as exc:
        # The photo cannot leave its folder: take the new name away again so it is in one place.
        with contextlib.suppress(OSError):
            if os.path.samefile(source, target):
                os.unlink(target)
        raise _source_error(exc) from None


def _publish_temp(temp: Path, target: Path, log: JournalLog, phase: str, seq: int) -> None:
    """Give the finished copy its final name without overwriting anything."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _LINK_UNSUPPORTED:
            raise
        ino = _claim(target)
        log({"op": "claim", "phase": phase, "seq": seq, "dst": str(target), "ino": ino})
        try:
            os.replace(temp, target)
        except OSError:
            _drop_placeholder(target)
            raise
        return
    os.unlink(temp)


def _remove_source_after_copy(source: Path, target: Path, copied: os.stat_result) -> None:
    try:
        if not _still_the_moved_file(source, copied):
            return  # gone or replaced meanwhile; the copy of what was there is at its new place
        os.unlink(source)
    except FileNotFoundError:
        pass
    except OSError as exc:
        # Keep one copy only: the original stays, the new copy goes.
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise _source_error(exc) from None


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
