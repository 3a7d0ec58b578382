"""Planning and carrying out the sort: dogs into ``dogs/``, cats into ``cats/``, nothing lost.

Planning only reads the disk, so the same plan feeds a dry run and the GUI's preview. Execution
journals every step before taking it (see ``journal``), never overwrites a file (destination
names are claimed with exclusive operations, not checked and then written), and keeps going
when one photo fails, because a sort of thousands of photos should not stop at the first locked
file.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.journal import (
    JournalWriteError,
    JournalWriter,
    fsync_dir,
    recover_interrupted,
    utc_now_text,
)
from dogcat_desktop.core.labels import CLASSES, SORT_FOLDERS

ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]

# Errors from os.link that mean "no hard links here", not "you may not write here".
_LINK_UNSUPPORTED = frozenset(
    {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}
)
_NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d+)\)$")
_MAX_NUMBER = 100_000
_COPY_CHUNK = 1024 * 1024
TEMP_PREFIX = ".dogcat-sorter-"
TEMP_SUFFIX = ".part"


# ------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlannedMove:
    source: Path
    destination: Path
    label: str


@dataclass
class SortPlan:
    """What a sort would do; built from disk reads only, so it is safe for previews."""

    folder: Path
    moves: list[PlannedMove] = field(default_factory=list)
    counts_by_destination: dict[Path, int] = field(default_factory=dict)
    # (source, the name it would have had, the name it gets instead)
    collisions: list[tuple[Path, Path, Path]] = field(default_factory=list)
    staying: int = 0
    # "other", "unsure" and "already_sorted" -> how many photos stay for that reason
    staying_by_reason: dict[str, int] = field(default_factory=dict)
    # Problems visible before starting, such as 'dogs' being a file.
    warnings: list[str] = field(default_factory=list)

    def summary(self, max_listed: int = 10) -> str:
        """Plain text for a dry run on the command line and for the preview dialog."""
        lines = [f"Sorting {self.folder}"]
        if not self.moves:
            lines.append("  Nothing to move.")
        for destination, count in self.counts_by_destination.items():
            lines.append(f"  {_plural(count, 'photo')} -> {_relative(destination, self.folder)}/")
        if self.staying:
            reasons = [
                f"{self.staying_by_reason[key]} {text}"
                for key, text in (
                    ("other", "neither dog nor cat"),
                    ("unsure", "unsure or unreadable"),
                    ("already_sorted", "already in their folder"),
                )
                if self.staying_by_reason.get(key)
            ]
            detail = f" ({', '.join(reasons)})" if reasons else ""
            lines.append(f"  {_plural(self.staying, 'photo')} stay where they are{detail}")
        if self.collisions:
            lines.append(
                f"  {_plural(len(self.collisions), 'name collision')}: "
                "a number is added so that no file is overwritten:"
            )
            for source, _original, renamed in self.collisions[:max_listed]:
                lines.append(
                    f"    {_relative(source, self.folder)} -> {_relative(renamed, self.folder)}"
                )
            if len(self.collisions) > max_listed:
                lines.append(f"    ... and {len(self.collisions) - max_listed} more")
        lines.extend(f"  Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def absolute(path: str | os.PathLike[str]) -> Path:
    """Absolute without resolving symlinks: the user's folder names are what the journal keeps."""
    return Path(os.path.abspath(path))


def destination_dir(folder: str | os.PathLike[str], label: str | None) -> Path | None:
    """The folder a label sorts into, or None for photos that stay."""
    name = SORT_FOLDERS.get(label) if label is not None else None
    return absolute(folder) / name if name else None


def numbered_name(path: Path, number: int) -> Path:
    """``cat.jpg`` -> ``cat (1).jpg``; the number goes before the suffix so the type stays."""
    return path.with_name(f"{path.stem} ({number}){path.suffix}")


def _is_inside(path: Path, directory: Path) -> bool:
    """Whether path lies in directory (any depth), comparing as the OS would."""
    norm_path = os.path.normcase(str(path))
    norm_dir = os.path.normcase(str(directory)).rstrip(os.sep) + os.sep
    return norm_path.startswith(norm_dir)


def plan_sort(
    folder: str | os.PathLike[str], items: Iterable[tuple[str | os.PathLike[str], str | None]]
) -> SortPlan:
    """Decide where each photo goes; only ``exists`` checks touch the disk."""
    root = absolute(folder)
    plan = SortPlan(folder=root)
    state_dir = folder_lock.state_dir(root)
    taken: dict[Path, set[str]] = {}
    seen_sources: set[str] = set()
    reasons = {"other": 0, "unsure": 0, "already_sorted": 0}

    for raw_source, label in items:
        if label is not None and label not in CLASSES:
            raise ValueError(f"unknown label {label!r}; expected one of {CLASSES} or None")
        source = absolute(raw_source)
        key = os.path.normcase(str(source))
        if key in seen_sources or _is_inside(source, state_dir):
            continue
        seen_sources.add(key)
        target_dir = destination_dir(root, label)
        if target_dir is None:
            reasons["other" if label == "other" else "unsure"] += 1
            continue
        if _is_inside(source, target_dir):
            reasons["already_sorted"] += 1
            continue
        names = taken.setdefault(target_dir, set())
        original = target_dir / source.name
        target = original
        number = 0
        while os.path.normcase(target.name) in names or os.path.lexists(target):
            number += 1
            target = numbered_name(original, number)
        names.add(os.path.normcase(target.name))
        if target != original:
            plan.collisions.append((source, original, target))
        plan.moves.append(PlannedMove(source=source, destination=target, label=label))
        plan.counts_by_destination[target_dir] = plan.counts_by_destination.get(target_dir, 0) + 1

    plan.staying = sum(reasons.values())
    plan.staying_by_reason = {key: count for key, count in reasons.items() if count}
    for target_dir in plan.counts_by_destination:
        if os.path.lexists(target_dir) and not os.path.isdir(target_dir):
            plan.warnings.append(
                f"'{target_dir.name}' exists but is a file, not a folder; "
                f"photos for it cannot be moved until it is renamed."
            )
    return plan


# ------------------------------------------------------------------------ moving one file safely


class MoveError(Exception):
    """A file could not be moved; ``reason`` is written for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_os_error(exc: BaseException, *, side: str, folder_name: str = "") -> str:
    """Turn an OSError into words a user understands.

    ``side`` is "source" when the photo's own folder was involved, "destination" otherwise.
    """
    code = getattr(exc, "errno", None)
    where = f"the '{folder_name}' folder" if folder_name else "the destination folder"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "the disk is full" if code == errno.ENOSPC else "the disk quota is used up"
    if code == errno.EROFS:
        return "the disk is read-only"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        if side == "source":
            return "permission denied: the photo's own folder is read-only, so it stays there"
        return f"permission denied: {where} is read-only or not writable"
    if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
        return f"'{folder_name or 'destination'}' exists but is a file, not a folder"
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        if side == "source":
            return "the photo is no longer there (moved or deleted since the scan)"
        return f"{where} disappeared while sorting"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long for the destination"
    if code == errno.EIO:
        return "the disk reported a read or write error"
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"could not move it ({detail})"


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


def _claim(target: Path) -> None:
    """Reserve a name with an empty file created exclusively (FileExistsError if taken)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)


def _drop_placeholder(target: Path) -> None:
    """Remove our empty placeholder, and nothing else."""
    with contextlib.suppress(OSError):
        if os.lstat(target).st_size == 0:
            os.unlink(target)


def _copy_to_temp(source: Path, temp: Path, before: os.stat_result) -> None:
    """Copy, verify and fsync, so that the copy is complete before the source goes.

    A photo written to while it is copied (an editor saving in place) would give a torn copy
    that the source's removal then makes the only one; it is left where it is instead.
    """
    try:
        fin = open(source, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise _source_error(exc) from None
    with fin, open(temp, "xb") as fout:
        shutil.copyfileobj(fin, fout, _COPY_CHUNK)
        fout.flush()
        os.fsync(fout.fileno())
        written = os.fstat(fout.fileno()).st_size
        after = os.fstat(fin.fileno())
    if _identity(after) != _identity(before):
        raise MoveError("the photo changed while it was being copied; it was left in place")
    if written != before.st_size:
        raise MoveError(
            f"the copy came out {written} bytes instead of {before.st_size}; the photo was left "
            "in place"
        )
    with contextlib.suppress(OSError):
        shutil.copystat(source, temp)


def transfer(
    source: Path,
    candidates: Iterator[Path],
    log: Callable[[dict], None],
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
                    _claim(target)
                    log({"op": "claim", "phase": phase, "seq": seq, "dst": str(target)})
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
                        _copy_to_temp(source, temp, st)
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
        side = getattr(exc, "dogcat_side", "destination")
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


def _publish_temp(
    temp: Path, target: Path, log: Callable[[dict], None], phase: str, seq: int
) -> None:
    """Give the finished copy its final name without overwriting anything."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _LINK_UNSUPPORTED:
            raise
        _claim(target)
        log({"op": "claim", "phase": phase, "seq": seq, "dst": str(target)})
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


# ---------------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class MoveFailure:
    source: Path
    destination: Path
    reason: str


@dataclass
class SortReport:
    folder: Path
    total: int = 0
    moved: int = 0
    moved_files: list[tuple[Path, Path]] = field(default_factory=list)
    failures: list[MoveFailure] = field(default_factory=list)
    journal_path: Path | None = None
    cancelled: bool = False
    # Set when the sort had to stop early for a reason that concerns every file (journal
    # could not be written); the photos not reached stay where they were.
    error: str | None = None

    def summary(self) -> str:
        lines = [f"Moved {_plural(self.moved, 'photo')} of {self.total}."]
        if self.cancelled:
            lines.append("Stopped on request; the remaining photos stay where they were.")
        if self.error:
            lines.append(f"Stopped: {self.error}")
        if self.failures:
            lines.append(f"{_plural(len(self.failures), 'photo')} could not be moved:")
            lines.extend(f"  {_relative(f.source, self.folder)}: {f.reason}" for f in self.failures)
        return "\n".join(lines)


def _prepare_dir(directory: Path, writer: JournalWriter) -> None:
    """Create a destination folder, journaled so that undo can remove it again."""
    if os.path.isdir(directory):
        return
    if os.path.lexists(directory):
        raise MoveError(
            f"'{directory.name}' exists but is a file, not a folder; rename or remove it first"
        )
    writer.append({"op": "mkdir", "path": str(directory)})
    try:
        os.mkdir(directory)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise MoveError(f"'{directory.name}' exists but is a file, not a folder") from None
    except OSError as exc:
        reason = describe_os_error(exc, side="destination", folder_name=directory.name)
        raise MoveError(f"cannot create the '{directory.name}' folder: {reason}") from exc


def execute_plan(
    plan: SortPlan,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    *,
    use_lock: bool = True,
) -> SortReport:
    """Carry out a plan, journaling each step; one failed photo does not stop the rest.

    Takes the folder's lock (FolderBusyError if another sort or undo runs; ``use_lock=False``
    only when the caller holds it already), and first settles any earlier sort that was
    interrupted, so no photo is left under two names. ``progress(done, total)`` is called after
    each photo; ``cancel()`` is asked before each one. Lock and journal problems that concern
    the whole folder raise (LockError, JournalWriteError before the first move); anything that
    concerns one photo is listed in the report's failures.
    """
    report = SortReport(folder=plan.folder, total=len(plan.moves))
    lock = folder_lock.acquire(plan.folder) if use_lock else contextlib.nullcontext()
    with lock:
        recover_interrupted(plan.folder)
        if not plan.moves:
            return report
        writer: JournalWriter | None = None
        dir_errors: dict[Path, str] = {}
        try:
            writer = JournalWriter.create(plan.folder)
            report.journal_path = writer.path
            for index, move in enumerate(plan.moves):
                if cancel is not None and cancel():
                    report.cancelled = True
                    break
                try:
                    final = _execute_one(move, index, writer, dir_errors)
                except MoveError as exc:
                    report.failures.append(MoveFailure(move.source, move.destination, exc.reason))
                    writer.append(
                        {
                            "op": "failed",
                            "seq": index,
                            "src": str(move.source),
                            "reason": exc.reason,
                        }
                    )
                else:
                    report.moved += 1
                    report.moved_files.append((move.source, final))
                if progress is not None:
                    progress(index + 1, report.total)
            writer.append(
                {
                    "op": "end",
                    "time": utc_now_text(),
                    "moved": report.moved,
                    "failed": len(report.failures),
                    "cancelled": report.cancelled,
                }
            )
        except JournalWriteError as exc:
            # Without a journal a move could not be undone, so the sort stops here.
            report.error = str(exc)
        finally:
            if writer is not None:
                writer.close()
    return report


def _execute_one(
    move: PlannedMove, seq: int, writer: JournalWriter, dir_errors: dict[Path, str]
) -> Path:
    directory = move.destination.parent
    if directory in dir_errors:
        raise MoveError(dir_errors[directory])
    if not os.path.lexists(move.source):
        raise MoveError("the photo is no longer there (moved or deleted since the scan)")
    try:
        _prepare_dir(directory, writer)
    except MoveError as exc:
        dir_errors[directory] = exc.reason
        raise
    candidates = free_names(move.destination, move.source.name)
    final, method = transfer(move.source, candidates, writer.append, seq, "move")
    writer.append({"op": "done", "seq": seq, "dst": str(final), "method": method})
    return final
