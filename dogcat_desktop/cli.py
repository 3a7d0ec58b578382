"""``dogcat-sorter-cli``: classify, sort and undo without a window.

Exit status: 0 when every file was handled, 1 when some failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
# A file name that is not valid UTF-8 reaches Python as surrogate escapes; written back as its
# original bytes, it can neither stop a run halfway nor be printed as a different name.
NAME_ERRORS = "surrogateescape"


def _open_scanner(use_cache: bool):
    """The shared pipeline's scanner; a cache that had to be rebuilt is said once."""
    from .core.pipeline import open_scanner
    from .resources import model_dir

    scanner = open_scanner(model_dir(), use_cache=use_cache)
    if scanner.cache is not None and scanner.cache.notice:
        print(f"dogcat-sorter-cli: {scanner.cache.notice}", file=sys.stderr)
    return scanner


def _classify(args: argparse.Namespace) -> int:
    from .core.progress import TerminalBar
    from .core.report import RowWriter, row_for
    from .core.scan import expand_paths

    files = expand_paths(args.paths, args.recursive)
    scanner = _open_scanner(not args.no_cache)
    threshold = args.threshold if args.threshold is not None else scanner.classifier.threshold
    failed = 0
    with contextlib.ExitStack() as stack:
        output = (
            stack.enter_context(
                open(args.output, "w", newline="", encoding="utf-8", errors=NAME_ERRORS)
            )
            if args.output
            else sys.stdout
        )
        writer = RowWriter(output, args.format)
        bar = TerminalBar(len(files))
        for done, result in enumerate(scanner.scan(files), start=1):
            writer.write(row_for(result, threshold))
            failed += result.prediction is None
            bar.update(done)
        bar.close()
        writer.close()
    if failed:
        print(f"{failed} of {len(files)} files could not be read", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _sort(args: argparse.Namespace) -> int:
    from .core.confine import resolve_folder
    from .core.folder_lock import LockError, acquire

    if not args.path.is_dir():
        print(f"dogcat-sorter-cli: not a folder: {args.path}", file=sys.stderr)
        return EXIT_USAGE
    # Resolved once: every later step works in this folder, whatever its path's links do.
    folder = args.path = resolve_folder(args.path)
    if args.dry_run:
        return _sort_locked(args, holding_lock=False)
    try:
        # Held from the start, so a second sort of the folder is refused before it classifies.
        with acquire(folder):
            return _sort_locked(args, holding_lock=True)
    except LockError as exc:
        print(f"dogcat-sorter-cli: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED


def _sort_locked(args: argparse.Namespace, holding_lock: bool) -> int:
    from .core.corrections import CorrectionsDamagedError
    from .core.journal import JournalWriteError
    from .core.moves import execute_plan, plan_sort
    from .core.pipeline import attach_corrections, open_corrections
    from .core.progress import TerminalBar
    from .core.review import ReviewStatus, review_status
    from .core.scan import list_photos
    from .core.stamp import FileStamp

    folder = args.path
    try:
        corrections = open_corrections()
    except CorrectionsDamagedError as exc:
        if not args.ignore_corrections:
            print(
                f"dogcat-sorter-cli: {exc} Nothing was moved: a sort would ignore them. Run "
                "again with --ignore-corrections to sort on the model's labels alone.",
                file=sys.stderr,
            )
            return EXIT_SOME_FAILED
        print(f"dogcat-sorter-cli: {exc} Sorting on the model's labels alone.", file=sys.stderr)
        corrections = None
    files = list_photos(folder, args.recursive)
    scanner = _open_scanner(not args.no_cache)
    threshold = (
        args.min_confidence if args.min_confidence is not None else scanner.classifier.threshold
    )
    items: list[tuple[Path, str | None]] = []
    stamps: dict[Path, FileStamp] = {}
    unreadable: list[tuple[Path, str]] = []
    corrected = 0
    bar = TerminalBar(len(files))
    reviewed = attach_corrections(scanner.scan(files), corrections)
    for done, item in enumerate(reviewed, start=1):
        bar.update(done)
        result = item.result
        status = review_status(result, item.correction, threshold)
        if status == ReviewStatus.ERROR:
            unreadable.append((result.path, result.error or "unreadable"))
        elif item.correction is not None:
            corrected += 1
        items.append((result.path, status))
        if result.stamp is not None:
            stamps[result.path] = result.stamp
    bar.close()
    plan = plan_sort(folder, items, stamps)
    print(plan.summary())
    if corrected:
        print(f"  {corrected} photo{'s' if corrected != 1 else ''} labelled by you")
    for path, reason in unreadable:
        print(f"  cannot read {path}: {reason}")
    if plan.refused:
        print(
            "dogcat-sorter-cli: refused, nothing was moved: " + " ".join(plan.refused.values()),
            file=sys.stderr,
        )
        return EXIT_SOME_FAILED
    if args.dry_run:
        print("Dry run: nothing was moved.")
        return EXIT_SOME_FAILED if unreadable else EXIT_OK
    progress = TerminalBar(len(plan.moves))
    try:
        report = execute_plan(
            plan,
            progress=lambda done, _total: progress.update(done),
            use_lock=not holding_lock,
        )
    except JournalWriteError as exc:  # nothing was moved
        progress.close()
        print(f"dogcat-sorter-cli: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED
    progress.close()
    if corrections is not None:
        corrections.follow(report.moved_files)
    print(report.summary())
    if report.journal_path:
        print(f"To undo: dogcat-sorter-cli undo {folder}")
    failed = unreadable or report.failures or report.error or report.notices
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _undo(args: argparse.Namespace) -> int:
    from .core.corrections import CorrectionsDamagedError
    from .core.folder_lock import LockError
    from .core.pipeline import open_corrections
    from .core.undo import undo_last

    if not args.path.is_dir():
        print(f"dogcat-sorter-cli: not a folder: {args.path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = undo_last(args.path)
    except LockError as exc:
        print(f"dogcat-sorter-cli: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED
    print(report.summary())
    try:
        corrections = open_corrections()
    except CorrectionsDamagedError as exc:
        print(f"dogcat-sorter-cli: {exc} They were not moved with the photos.", file=sys.stderr)
        return EXIT_SOME_FAILED
    if corrections is not None:
        corrections.follow(report.restored_files)
    problems = report.failures or report.missing or report.left_alone or report.refused
    return EXIT_SOME_FAILED if problems else EXIT_OK


def _threshold(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dogcat-sorter-cli",
        description="Sort photos of dogs and cats into folders, from the command line.",
        epilog="Exit status: 0 all files handled, 1 some files failed, 2 bad usage.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    classify = commands.add_parser(
        "classify",
        help="print a label for each photo",
        description="One row per file: path,label,confidence,p_dog,p_cat,p_other,status,error. "
        "status is ok, unsure (confidence under the threshold) or error (the file could not "
        "be read; error says why). Folders are searched for photos; a file named explicitly is "
        "always reported.",
    )
    classify.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    classify.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    classify.add_argument("--format", choices=("csv", "json"), default="csv")
    classify.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here, not stdout"
    )
    classify.add_argument(
        "--threshold",
        type=_threshold,
        metavar="X",
        help="unsure below this confidence (default: the model card's)",
    )
    classify.add_argument(
        "--no-cache", action="store_true", help="ignore and do not update the cache"
    )
    classify.set_defaults(run=_classify)

    sort = commands.add_parser(
        "sort",
        help="move dogs into PATH/dogs and cats into PATH/cats",
        description="Classify the photos in PATH, then move dogs into PATH/dogs/ and cats into "
        "PATH/cats/. Neither, unsure and unreadable photos stay. Nothing is ever overwritten "
        "(a taken name gets ' (1)'), and every move is journaled so 'undo' can reverse it.",
    )
    sort.add_argument("path", type=Path, metavar="PATH")
    sort.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    sort.add_argument("-n", "--dry-run", action="store_true", help="print the plan, move nothing")
    sort.add_argument(
        "--min-confidence",
        type=_threshold,
        metavar="X",
        help="move only photos at least this sure (default: the model card's threshold)",
    )
    sort.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")
    sort.add_argument(
        "--ignore-corrections",
        action="store_true",
        help="sort even when the labels you set by hand cannot be read (they are then ignored)",
    )
    sort.set_defaults(run=_sort)

    undo = commands.add_parser(
        "undo",
        help="put back every photo the last sort of PATH moved",
        description="Reverse the newest sort of PATH, also one interrupted by a crash. A file "
        "that has since appeared at a photo's old place is never overwritten.",
    )
    undo.add_argument("path", type=Path, metavar="PATH")
    undo.set_defaults(run=_undo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with contextlib.suppress(AttributeError, ValueError):  # not a text stream: left as it is
        sys.stdout.reconfigure(errors=NAME_ERRORS)  # type: ignore[union-attr]
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a message, not a traceback
        from .core.classifier import ModelLoadError

        if isinstance(exc, (ModelLoadError, OSError)):
            print(f"dogcat-sorter-cli: {exc}", file=sys.stderr)
            return EXIT_SOME_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
