"""Planning and carrying out the sort: dogs into ``dogs/``, cats into ``cats/``, named pets into
``dogs/NAME/`` and ``cats/NAME/``, nothing lost.

Planning only reads the disk, so the same plan feeds a dry run and the GUI's preview. Execution
journals every step before taking it (see ``journal``), never overwrites a file (each photo goes
through ``transfer``, which claims names exclusively), and keeps going when one photo fails,
because a sort of thousands of photos should not stop at the first locked file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.companions import companion_name, find_companions
from dogcat_desktop.core.confine import resolve_folder, resolved_inside
from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.journal import (
    KEEP_JOURNALS,
    JournalWriteError,
    JournalWriter,
    prune_journals,
    utc_now_text,
)
from dogcat_desktop.core.labels import SORT_FOLDERS
from dogcat_desktop.core.personal.labels import LabelError, parse_label
from dogcat_desktop.core.printable import printable
from dogcat_desktop.core.recovery import placed_identity, recover_interrupted
from dogcat_desktop.core.review import (
    ALREADY_SORTED,
    OUTSIDE,
    ReviewStatus,
    sort_label,
    staying_detail,
)
from dogcat_desktop.core.stamp import FileStamp
from dogcat_desktop.core.transfer import MoveError, free_names, numbered_name, transfer

ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]


# ------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlannedMove:
    source: Path
    destination: Path
    label: str
    # The version of the file that was classified; None when the caller did not say.
    expected: FileStamp | None = None
    # Files that belong with the photo and follow it (``companions``): IMG_1.MOV, IMG_1.AAE.
    companions: tuple[Path, ...] = ()


@dataclass
class SortPlan:
    """What a sort would do; built from disk reads only, so it is safe for previews."""

    folder: Path
    moves: list[PlannedMove] = field(default_factory=list)
    counts_by_destination: dict[Path, int] = field(default_factory=dict)
    # (source, the name it would have had, the name it gets instead)
    collisions: list[tuple[Path, Path, Path]] = field(default_factory=list)
    staying: int = 0
    # review.STAY_REASONS key ("other", "unsure", "error", "already_sorted", "outside") -> photos
    staying_by_reason: dict[str, int] = field(default_factory=dict)
    # Problems visible before starting, such as 'dogs' being a file.
    warnings: list[str] = field(default_factory=list)
    # Destination folders photos may not go into (a link, a file), with the reason.
    refused: dict[Path, str] = field(default_factory=dict)

    @property
    def companions(self) -> int:
        """Files that go along with the moving photos (a Live Photo's video, sidecars)."""
        return sum(len(move.companions) for move in self.moves)

    def summary(self, max_listed: int = 10) -> str:
        """Plain text for a dry run on the command line and for the preview dialog."""
        lines = [f"Sorting {printable(self.folder)}"]
        if not self.moves:
            lines.append("  Nothing to move.")
        for destination, count in self.counts_by_destination.items():
            lines.append(f"  {_plural(count, 'photo')} -> {relative(destination, self.folder)}/")
        if self.companions:
            lines.append(f"  and {companions_text(self.companions)}")
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
                    f"    {relative(source, self.folder)} -> {relative(renamed, self.folder)}"
                )
            if len(self.collisions) > max_listed:
                lines.append(f"    ... and {len(self.collisions) - max_listed} more")
        lines.extend(f"  Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)


def companions_text(count: int) -> str:
    """'3 files that belong with them (Live Photo videos, edits, sidecars, raw files)'."""
    belong = "belongs" if count == 1 else "belong"
    kinds = "Live Photo videos, edits, sidecars, raw files"
    return f"{_plural(count, 'file')} that {belong} with them ({kinds})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def relative(path: Path, folder: Path) -> str:
    """``path`` as a person reads it in a list of the folder's moves: relative to ``folder``
    with forward slashes, or whole when it lies outside, control characters written out."""
    try:
        return printable(path.relative_to(folder).as_posix())
    except ValueError:
        return printable(path)


def absolute(path: str | os.PathLike[str]) -> Path:
    """Absolute without resolving symlinks."""
    return Path(os.path.abspath(path))


def destination_dir(folder: str | os.PathLike[str], label: str | None) -> Path | None:
    """The folder a label sorts into (``dog/Rex`` -> ``dogs/Rex``), or None for photos that stay."""
    if label is None:
        return None
    try:
        species, name = parse_label(label)
    except LabelError:
        return None
    base = SORT_FOLDERS.get(species)
    if base is None:
        return None
    directory = resolve_folder(folder) / base
    return directory / name if name else directory


def sorting_base(source: Path, root: Path) -> Path:
    """Where a photo's ``dogs/`` and ``cats/`` go when each subfolder gets its own: its folder,
    or, for a photo already in a ``dogs/`` or ``cats/`` (or a pet's folder in one), the folder
    holding that one."""
    names = {name.lower() for name in SORT_FOLDERS.values()}
    for folder in (source.parent, source.parent.parent):  # dogs/x.jpg, dogs/NAME/x.jpg
        if folder != root and _is_inside(folder, root) and folder.name.lower() in names:
            return folder.parent
    return source.parent


def destination_problem(directory: Path, folder: Path | None = None) -> str | None:
    """Why photos may not go into ``directory`` (a link, a file), or None when they may.

    With the folder resolved, ``dogs/`` that is a real folder lies inside it; only a link can
    lead elsewhere, so a link is refused whatever it points at. Given the chosen ``folder``,
    every level between it and ``directory`` is checked (``dogs/`` before ``dogs/Rex/``).
    """
    if folder is not None and directory.parent != folder and folder in directory.parents:
        problem = destination_problem(directory.parent, folder)
        if problem is not None:
            return problem
    return _level_problem(directory)


def _level_problem(directory: Path) -> str | None:
    try:
        mode = os.lstat(directory).st_mode
    except FileNotFoundError:
        return None  # created by the sort
    except OSError as exc:
        return f"'{directory.name}' cannot be checked ({describe_os_error(exc)})"
    if stat.S_ISLNK(mode):
        return (
            f"'{directory.name}' is a symbolic link, not a folder inside {directory.parent}; "
            "photos are only moved into real folders inside the chosen one, so those photos "
            "stay. Replace the link with a folder to sort them."
        )
    if not stat.S_ISDIR(mode):
        return (
            f"'{directory.name}' exists but is a file, not a folder; photos for it cannot be "
            "moved until it is renamed."
        )
    return None


def _is_inside(path: Path, directory: Path) -> bool:
    """Whether path lies in directory (any depth), comparing as the OS would."""
    norm_path = os.path.normcase(str(path))
    norm_dir = os.path.normcase(str(directory)).rstrip(os.sep) + os.sep
    return norm_path.startswith(norm_dir)


def _in_resolved_folder(
    source: Path, named: Path, root: Path, parents: dict[str, str]
) -> Path | None:
    """``source`` as a path inside the resolved folder ``root``, or None if it lies outside.

    ``named`` is the folder as the caller named it (it may run through links); a photo reached
    through a link to somewhere else is outside, and is never moved.
    """
    if _is_inside(source, named):
        source = root / os.path.relpath(source, named)
    return resolved_inside(source, root, parents)


def plan_sort(
    folder: str | os.PathLike[str],
    items: Iterable[tuple[str | os.PathLike[str], str | None]],
    stamps: Mapping[Path, FileStamp] | None = None,
    per_subfolder: bool = False,
) -> SortPlan:
    """Decide where each photo goes; only ``exists`` and link checks touch the disk.

    By default every dog goes to the folder's own ``dogs/``; ``per_subfolder`` gives each
    subfolder its own ``dogs/`` and ``cats/`` instead (``sorting_base``).

    Each item carries the photo's ``ReviewStatus`` (or just its label): dogs and cats move, a
    named pet (``dog/Rex``, see ``review.sort_status``) into its own folder, the others stay
    and are counted by reason; None counts as unsure. The folder is resolved once
    and every path is taken inside it. ``stamps`` (by the path as given) are the versions of the
    files that were classified: a file that differs when its turn to move comes stays where it
    is (see ``execute_plan``).
    """
    named = absolute(folder)
    root = resolve_folder(folder)
    plan = SortPlan(folder=root)
    state_dir = folder_lock.state_dir(root)
    taken: dict[Path, set[str]] = {}
    seen_sources: set[str] = set()
    reasons: dict[str, int] = {}
    statuses = [str(status) for status in ReviewStatus]
    refused: dict[Path, str | None] = {}
    parents: dict[str, str] = {}
    known: list[Path] = []  # every photo inside the folder, moving or not

    for raw_source, status in items:
        if status is not None and status not in statuses:
            parse_label(str(status))  # a named pet, or LabelError (a ValueError)
        source = _in_resolved_folder(absolute(raw_source), named, root, parents)
        if source is None:
            reasons[OUTSIDE] = reasons.get(OUTSIDE, 0) + 1
            continue
        key = os.path.normcase(str(source))
        if key in seen_sources or source == state_dir or _is_inside(source, state_dir):
            continue
        seen_sources.add(key)
        known.append(source)
        label = sort_label(status) if status is not None else None
        base = sorting_base(source, root) if per_subfolder else root
        target_dir = destination_dir(base, label)
        if label is None or target_dir is None:
            reason = str(status or ReviewStatus.UNSURE)
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        if _is_inside(source, target_dir):
            reasons[ALREADY_SORTED] = reasons.get(ALREADY_SORTED, 0) + 1
            continue
        if target_dir not in refused:
            refused[target_dir] = destination_problem(target_dir, root)
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
        expected = stamps.get(Path(raw_source)) if stamps is not None else None
        plan.moves.append(PlannedMove(source, target, label, expected))
        plan.counts_by_destination[target_dir] = plan.counts_by_destination.get(target_dir, 0) + 1

    if plan.moves:
        # Only the folders photos move from are listed; every photo there is asked, moving or not.
        moving_from = {move.source.parent for move in plan.moves}
        companions = find_companions(p for p in known if p.parent in moving_from)
        plan.moves = [replace(m, companions=companions.get(m.source, ())) for m in plan.moves]
    plan.staying = sum(reasons.values())
    plan.staying_by_reason = reasons
    plan.refused = {path: reason for path, reason in refused.items() if reason is not None}
    plan.warnings.extend(dict.fromkeys(plan.refused.values()))  # dogs/ refused once, not per pet
    plan.counts_by_destination = {
        directory: plan.counts_by_destination[directory]
        for directory in sorted(plan.counts_by_destination, key=destination_order)
    }
    return plan


def destination_order(directory: Path) -> tuple[int, int, str]:
    """How destinations are listed everywhere (preview, report, last sort, the CLI): dogs before
    cats, as the model's classes go, each species' own folders before its named pets'
    (``dogs/`` before ``dogs/Rex/``), then by path."""
    species = list(SORT_FOLDERS.values())
    if directory.name in species:
        return species.index(directory.name), 0, str(directory)
    if directory.parent.name in species:
        return species.index(directory.parent.name), 1, str(directory)
    return len(species), 0, str(directory)


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
    companions_moved: int = 0  # files that went along with their photos
    failures: list[MoveFailure] = field(default_factory=list)
    journal_path: Path | None = None
    cancelled: bool = False
    # Set when the sort had to stop early for a reason that concerns every file (journal
    # could not be written); the photos not reached stay where they were.
    error: str | None = None
    # Things the user should know that concern no one photo (an earlier journal refused).
    notices: list[str] = field(default_factory=list)
    # Journals of older sorts deleted to keep the last KEEP_JOURNALS (those can no longer
    # be undone).
    pruned: int = 0

    def pruned_text(self) -> str:
        """One line on the journals deleted, or '' when none were."""
        if not self.pruned:
            return ""
        older = "1 older sort" if self.pruned == 1 else f"{self.pruned} older sorts"
        return (
            f"The undo records of {older} were removed: the last {KEEP_JOURNALS} sorts of "
            "a folder can be undone."
        )

    def summary(self) -> str:
        lines = [f"Moved {_plural(self.moved, 'photo')} of {self.total}."]
        if self.companions_moved:
            lines.append(f"Also moved {companions_text(self.companions_moved)}.")
        if self.cancelled:
            lines.append("Stopped on request; the remaining photos stay where they were.")
        if self.error:
            lines.append(f"Stopped: {self.error}")
        if self.failures:
            lines.append(f"{_plural(len(self.failures), 'photo')} could not be moved:")
            lines.extend(f"  {relative(f.source, self.folder)}: {f.reason}" for f in self.failures)
        lines.extend(f"Note: {notice}" for notice in self.notices)
        if self.pruned:
            lines.append(self.pruned_text())
        return "\n".join(lines)


def _prepare_dirs(directory: Path, folder: Path, writer: JournalWriter) -> None:
    """Create a destination folder and any folder between it and the chosen one (``dogs/``
    before ``dogs/Rex/``), each journaled so that undo can remove it again."""
    if directory.parent != folder and folder in directory.parents:
        _prepare_dirs(directory.parent, folder, writer)
    _prepare_dir(directory, writer)


def _prepare_dir(directory: Path, writer: JournalWriter) -> None:
    """Create one destination folder, journaled so that undo can remove it again.

    Checked again before every move, not only in the plan: a link put in its place meanwhile
    must not take a photo out of the folder.
    """
    problem = destination_problem(directory)
    if problem is not None:
        raise MoveError(problem)
    if os.path.lexists(directory):
        return
    writer.append({"op": "mkdir", "path": str(directory)})
    try:
        os.mkdir(directory)
    except FileExistsError:
        problem = destination_problem(directory)
        if problem is not None:
            raise MoveError(problem) from None
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
        recover_interrupted(plan.folder, report.notices)
        if not plan.moves:
            return report
        writer: JournalWriter | None = None
        dir_errors: dict[Path, str] = {}
        try:
            writer = JournalWriter.create(plan.folder)
            report.journal_path = writer.path
            next_seq = itertools.count(len(plan.moves))  # companions' steps, after the photos'
            for index, move in enumerate(plan.moves):
                if cancel is not None and cancel():
                    report.cancelled = True
                    break
                try:
                    final = _execute_one(move, index, writer, dir_errors, plan.folder)
                except MoveError as exc:
                    report.failures.append(MoveFailure(move.source, move.destination, exc.reason))
                    writer.append(_failed(index, move.source, exc.reason))
                else:
                    report.moved += 1
                    report.moved_files.append((move.source, final))
                    _move_companions(move, final, index, next_seq, writer, report)
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
        if writer is not None:
            with contextlib.suppress(OSError):
                report.pruned = prune_journals(plan.folder)
    return report


def _execute_one(
    move: PlannedMove, seq: int, writer: JournalWriter, dir_errors: dict[Path, str], folder: Path
) -> Path:
    directory = move.destination.parent
    if directory in dir_errors:
        raise MoveError(dir_errors[directory])
    try:
        st = os.lstat(move.source)
    except OSError as exc:
        raise MoveError(describe_os_error(exc, side="source")) from exc
    now = FileStamp.of(st)
    if move.expected is not None and stat.S_ISREG(st.st_mode) and now != move.expected:
        raise MoveError(
            "the photo changed since it was classified (edited, replaced or renamed over), so it "
            "stays where it is; scan again to sort it"
        )
    try:
        _prepare_dirs(directory, folder, writer)
    except MoveError as exc:
        dir_errors[directory] = exc.reason
        raise
    candidates = free_names(move.destination, move.source.name)
    final, method = transfer(move.source, candidates, writer.append, seq, "move")
    writer.append(_done(seq, final, method))
    return final


def _done(seq: int, final: Path, method: str, **extra: int) -> dict:
    """The journal's record of a finished move, photo or companion alike."""
    return {
        "op": "done",
        "seq": seq,
        "dst": str(final),
        "method": method,
        **placed_identity(final),
    } | extra


def _failed(seq: int, source: Path, reason: str) -> dict:
    """The journal's record of a move that did not happen: the file stays where it was."""
    return {"op": "failed", "seq": seq, "src": str(source), "reason": reason}


def _move_companions(
    move: PlannedMove,
    photo: Path,
    photo_seq: int,
    next_seq: Iterator[int],
    writer: JournalWriter,
    report: SortReport,
) -> None:
    """Each of a moved photo's companions beside it, named after it (``IMG_1 (1).MOV`` when
    the photo became ``IMG_1 (1).HEIC``), journaled as moves of their own so that undo and
    recovery treat them as they treat photos; ``companion_of`` tells them apart."""
    for companion in move.companions:
        seq = next(next_seq)
        wanted = photo.parent / companion_name(move.source.name, companion.name, photo.name)
        try:
            candidates = free_names(wanted, wanted.name)
            final, method = transfer(companion, candidates, writer.append, seq, "move")
        except MoveError as exc:
            writer.append(_failed(seq, companion, exc.reason))
            report.notices.append(
                f"{companion.name} (with {move.source.name}) could not be moved and stays "
                f"where it was: {exc.reason}"
            )
            continue
        writer.append(_done(seq, final, method, companion_of=photo_seq))
        report.companions_moved += 1
