"""Planning and carrying out the sort: dogs into ``dogs/``, cats into ``cats/``, nothing lost.

Planning only reads the disk, so the same plan feeds a dry run and the GUI's preview. Execution
journals every step before taking it (see ``journal``), never overwrites a file (each photo goes
through ``transfer``, which claims names exclusively), and keeps going when one photo fails,
because a sort of thousands of photos should not stop at the first locked file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.journal import JournalWriteError, JournalWriter, utc_now_text
from dogcat_desktop.core.labels import SORT_FOLDERS
from dogcat_desktop.core.recovery import recover_interrupted
from dogcat_desktop.core.review import ALREADY_SORTED, ReviewStatus, sort_label, staying_detail
from dogcat_desktop.core.transfer import MoveError, free_names, numbered_name, transfer

ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]


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
    # review.STAY_REASONS key ("other", "unsure", "error", "already_sorted") -> photos staying
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
            detail = staying_detail(self.staying_by_reason)
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


def _is_inside(path: Path, directory: Path) -> bool:
    """Whether path lies in directory (any depth), comparing as the OS would."""
    norm_path = os.path.normcase(str(path))
    norm_dir = os.path.normcase(str(directory)).rstrip(os.sep) + os.sep
    return norm_path.startswith(norm_dir)


def plan_sort(
    folder: str | os.PathLike[str], items: Iterable[tuple[str | os.PathLike[str], str | None]]
) -> SortPlan:
    """Decide where each photo goes; only ``exists`` checks touch the disk.

    Each item carries the photo's ``ReviewStatus`` (or just its label): dogs and cats move, the
    others stay and are counted by reason; None counts as unsure.
    """
    root = absolute(folder)
    plan = SortPlan(folder=root)
    state_dir = folder_lock.state_dir(root)
    taken: dict[Path, set[str]] = {}
    seen_sources: set[str] = set()
    reasons: dict[str, int] = {}
    statuses = [str(status) for status in ReviewStatus]

    for raw_source, status in items:
        if status is not None and status not in statuses:
            raise ValueError(f"unknown label {status!r}; expected one of {statuses} or None")
        source = absolute(raw_source)
        key = os.path.normcase(str(source))
        if key in seen_sources or _is_inside(source, state_dir):
            continue
        seen_sources.add(key)
        label = sort_label(status) if status is not None else None
        target_dir = destination_dir(root, label)
        if label is None or target_dir is None:
            reason = str(status or ReviewStatus.UNSURE)
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        if _is_inside(source, target_dir):
            reasons[ALREADY_SORTED] = reasons.get(ALREADY_SORTED, 0) + 1
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
    plan.staying_by_reason = reasons
    for target_dir in plan.counts_by_destination:
        if os.path.lexists(target_dir) and not os.path.isdir(target_dir):
            plan.warnings.append(
                f"'{target_dir.name}' exists but is a file, not a folder; "
                f"photos for it cannot be moved until it is renamed."
            )
    return plan


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
