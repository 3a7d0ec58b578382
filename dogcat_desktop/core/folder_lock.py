"""One sort (or undo) per folder at a time, guarded by a lock file.

Two sorts of the same folder running at once (two windows, or the GUI and the CLI) would race for
the same destination names and interleave two journals, so undo could no longer restore the
original tree. The lock is a file created with ``O_CREAT | O_EXCL`` in ``<folder>/.dogcat-sorter``
holding the owner's pid, host name and start time. A lock left behind by a process that died
(same host, pid no longer running) is recognised as stale and taken over; a lock from another
host is never broken, because whether its owner is alive cannot be known from here.

A folder and its subfolders lock each other out: a sort of ``pets`` writes into ``pets/dogs``,
which a sort of ``pets/dogs`` would be moving photos out of at the same time. So after taking its
own lock, a sort looks for a live lock in every folder above and below, and gives way if it
finds one (both look after taking their own, so two such sorts cannot both miss each other).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from dogcat_desktop.core.confine import (
    UnsafeStateError,
    check_state_dir,
    read_state_file,
    resolve_folder,
)
from dogcat_desktop.core.errors import describe_os_error

STATE_DIR_NAME = ".dogcat-sorter"
LOCK_NAME = "lock"
_BREAK_NAME = "lock.break"
# A lock file that cannot be parsed is normally one being written right now; only after this long
# is it treated as the remains of a crash between creating and writing it.
_UNREADABLE_GRACE_S = 10.0
_MAX_LOCK_BYTES = 64 * 1024


class LockError(RuntimeError):
    """The folder's lock could not be taken."""


class FolderBusyError(LockError):
    """Another sort or undo of the same folder is running."""


class LockUnavailableError(LockError):
    """The lock file cannot be created at all (folder missing or not writable)."""


def state_dir(folder: str | os.PathLike[str]) -> Path:
    """Where the app keeps its journals and lock inside a sorted folder (links resolved)."""
    return resolve_folder(folder) / STATE_DIR_NAME


def lock_path(folder: str | os.PathLike[str]) -> Path:
    return state_dir(folder) / LOCK_NAME


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (errs on the side of 'alive')."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True
    if sys.platform.startswith("linux"):
        # A zombie has finished; it only waits for its parent to collect the exit status.
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
            return state not in ("Z", "X")
        except (OSError, IndexError):
            return True
    return True


def _pid_alive_windows(pid: int) -> bool:
    """``os.kill(pid, 0)`` would send Ctrl+C on Windows, so ask the process table instead."""
    import ctypes

    process_query_limited_information = 0x1000
    still_active = 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        # Access denied means the process exists; anything else means it does not.
        return ctypes.GetLastError() == 5  # type: ignore[attr-defined]
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def read_lock(path: Path) -> dict | None:
    """The owner record of a lock file, or None when it is missing, unreadable or a link."""
    try:
        data = json.loads(read_state_file(path, _MAX_LOCK_BYTES).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _describe_owner(owner: dict | None) -> str:
    if not owner:
        return "another process"
    when = owner.get("time_text") or "an unknown time"
    return f"process {owner.get('pid', '?')} on {owner.get('hostname', '?')} (started {when})"


def _is_stale(path: Path, owner: dict | None) -> bool:
    """A lock is stale only when its owner provably no longer runs."""
    if owner is None:
        try:
            age = time.time() - path.lstat().st_mtime
        except FileNotFoundError:
            return False  # gone already; the next create attempt will tell
        return age > _UNREADABLE_GRACE_S
    if owner.get("hostname") != socket.gethostname():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return False
    return not pid_alive(pid)


def _create_exclusive(path: Path, payload: dict) -> None:
    """Create ``path`` holding ``payload``, or leave nothing behind.

    A lock file left empty (the disk filled up while writing it) would read as a lock being
    written right now and hold off every sort of the folder for a while.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, json.dumps(payload).encode("utf-8"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def _break_stale(lock: Path, seen: dict | None) -> None:
    """Remove a stale lock without ever removing a fresh one that replaced it meanwhile.

    Breakers serialise on a second exclusive file, and re-read the lock under it: if the content
    changed, someone else broke and retook it, and it is left alone.
    """
    breaker = lock.with_name(_BREAK_NAME)
    me = {"pid": os.getpid(), "hostname": socket.gethostname(), "time": time.time()}
    try:
        _create_exclusive(breaker, me)
    except FileExistsError:
        other = read_lock(breaker)
        if _is_stale(breaker, other):
            with contextlib.suppress(FileNotFoundError):
                breaker.unlink()
        return  # someone else is breaking it; the caller retries
    try:
        if read_lock(lock) == seen:
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
    finally:
        with contextlib.suppress(FileNotFoundError):
            breaker.unlink()


def _unavailable(folder: Path, exc: OSError) -> LockUnavailableError:
    if isinstance(exc, FileNotFoundError):
        return LockUnavailableError(f"The folder {folder} does not exist.")
    reason = describe_os_error(exc, side="folder")
    return LockUnavailableError(f"Cannot write in {folder}: {reason}.")


def _try_take(lock: Path, payload: dict) -> bool:
    try:
        _create_exclusive(lock, payload)
    except FileExistsError:
        return False
    except OSError as exc:
        raise _unavailable(lock.parent.parent, exc) from exc
    return True


@contextlib.contextmanager
def acquire(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the folder's lock for the duration of the ``with`` block.

    Raises FolderBusyError when a live process holds it, LockUnavailableError when it cannot be
    created. Yields the lock file's path.
    """
    directory = state_dir(folder)
    try:
        check_state_dir(directory)
        directory.mkdir(exist_ok=True)
        check_state_dir(directory)
    except UnsafeStateError as exc:
        raise LockUnavailableError(str(exc)) from exc
    except FileExistsError as exc:
        raise LockUnavailableError(
            f"{directory} exists but is a file; the app needs it to be a folder."
        ) from exc
    except OSError as exc:
        raise _unavailable(directory.parent, exc) from exc
    lock = directory / LOCK_NAME
    now = time.time()
    payload = {
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "time": now,
        "time_text": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)),
        "token": uuid.uuid4().hex,
    }
    taken = False
    for _ in range(5):
        if _try_take(lock, payload):
            taken = True
            break
        owner = read_lock(lock)
        if not _is_stale(lock, owner):
            raise FolderBusyError(
                f"{directory.parent} is already being sorted or restored by "
                f"{_describe_owner(owner)}. Wait for it to finish, then try again."
            )
        _break_stale(lock, owner)
    if not taken:
        raise FolderBusyError(
            f"{directory.parent} is being sorted by another process; try again in a moment."
        )
    try:
        neighbour = _sort_nearby(directory.parent)
        if neighbour is not None:
            raise FolderBusyError(
                f"{directory.parent} cannot be sorted while {neighbour}. Wait for it to finish, "
                "then try again."
            )
        yield lock
    finally:
        # Remove the lock only while it is still ours.
        current = read_lock(lock)
        if current is not None and current.get("token") == payload["token"]:
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()


def _held_by(folder: Path) -> str | None:
    """Who holds a live lock in ``folder``, in words, or None when nobody does."""
    lock = folder / STATE_DIR_NAME / LOCK_NAME
    if not os.path.lexists(lock):
        return None
    owner = read_lock(lock)
    return None if _is_stale(lock, owner) else _describe_owner(owner)


def _sort_nearby(root: Path) -> str | None:
    """Describes a live sort of a folder above or below ``root``, or None.

    Only reads: a lock found elsewhere is never broken or written, only given way to. The walk
    down is iterative (a tree thousands of folders deep must not exhaust the stack) and does not
    follow links, which lead to folders this sort does not act in.
    """
    for parent in root.parents:
        owner = _held_by(parent)
        if owner is not None:
            return f"{parent} (a folder above it) is being sorted by {owner}"
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                subfolders = [
                    Path(entry.path)
                    for entry in entries
                    if entry.name != STATE_DIR_NAME and entry.is_dir(follow_symlinks=False)
                ]
        except OSError:
            continue
        for subfolder in subfolders:
            owner = _held_by(subfolder)
            if owner is not None:
                return f"{subfolder} (a folder inside it) is being sorted by {owner}"
        pending.extend(subfolders)
    return None
