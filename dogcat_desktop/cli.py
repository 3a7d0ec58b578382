"""``dogcat-sorter-cli``: classify, label, sort and undo without a window.

Exit status: 0 when every file was handled, 1 when some failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .core.printable import printable, terminal_safe

# numpy's threaded BLAS stalls a busy two-core machine for a fit this small (see README,
# "Learning from your labels"); set before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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


def _say(message: str) -> None:
    print(f"dogcat-sorter-cli: {message}", file=sys.stderr)


class _TerminalSafe(io.TextIOBase):
    """A stream a person reads: a name's terminal escapes are written out, not obeyed
    (``core/printable.py``). Everything the CLI prints to stderr goes through one, and stdout
    too when it is a terminal; a file or a pipe gets the names exactly."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(terminal_safe(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def _open_corrections_quietly():
    """The person's labels for reading; a damaged store is said once and left out."""
    from .core.corrections import CorrectionsDamagedError
    from .core.pipeline import open_corrections

    try:
        return open_corrections()
    except CorrectionsDamagedError as exc:
        _say(f"{exc} Classifying without them.")
        return None


def _bundled_means():
    """The bundled model's species means, which named pets are told apart against at first; a
    damaged file is said once (a sort asks for them twice) and pets are told apart without."""
    from .resources import model_dir

    return _bundled_means_of(model_dir())


@functools.lru_cache(maxsize=4)
def _bundled_means_of(directory: Path):
    from .core.personal.means import BundledMeansError, bundled_means

    try:
        return bundled_means(directory)
    except BundledMeansError as exc:
        _say(f"{exc}; named pets are told apart without the model's typical dog and cat")
        return None


def _personal_layer(model_id: str, enabled: bool):
    """The fitted personal layer; a damaged file is said once and the bundled model used."""
    from .core.learning import load_layer, open_personal_store

    loaded = load_layer(open_personal_store(), model_id, enabled=enabled, prior=_bundled_means())
    problem = loaded.layer.status().problem
    if problem:
        _say(f"{problem}; using the bundled model alone (dogcat-sorter-cli personal reset)")
    return loaded


def _waiting_for_embeddings(loaded) -> set[str]:
    """Keys of the labelled photos whose embeddings an older model made: only these are kept
    from a scan for ``_refill`` (keeping every result held 13 KB a photo, 1.3 GB over 100,000)."""
    if loaded.state is None:
        return set()
    return {key for key, _label in loaded.state.training.missing()}


def _refill(model_id: str, corrections, reviewed) -> None:
    """Labels made under an older model learn again from this scan's embeddings."""
    from .core.learning import LabelBook, open_personal_store
    from .core.personal import PersonalFileError

    with contextlib.suppress(PersonalFileError, OSError):
        LabelBook(corrections, open_personal_store(), model_id).refill(reviewed)


def _remember_species(model_id: str, counted) -> None:
    """The photos just scanned count towards the species' means named pets are told apart
    against (next time: this run's layer was fitted before the scan)."""
    from .core.learning import LabelBook, open_personal_store
    from .core.personal import PersonalFileError

    if counted.counts.any():
        with contextlib.suppress(PersonalFileError, OSError):
            LabelBook(None, open_personal_store(), model_id).update(seen=counted.means())


def _classify(args: argparse.Namespace) -> int:
    from .core.learning import attach_personal, personal_key, tally
    from .core.personal.means import Tally
    from .core.pipeline import attach_corrections
    from .core.progress import TerminalBar
    from .core.report import RowWriter, row_for
    from .core.scan import expand_paths

    files = expand_paths(args.paths, args.recursive)
    scanner = _open_scanner(not args.no_cache)
    threshold = args.threshold if args.threshold is not None else scanner.classifier.threshold
    model_id = scanner.classifier.model_id
    loaded = _personal_layer(model_id, not args.no_personal)
    corrections = None if args.no_personal else _open_corrections_quietly()
    if args.verbose:
        print(loaded.layer.status().describe(), file=sys.stderr)
    failed = 0
    wanted = _waiting_for_embeddings(loaded)
    seen = []
    counted = Tally()
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
        reviewed = attach_personal(
            attach_corrections(scanner.scan(files), corrections), loaded.layer
        )
        for done, item in enumerate(reviewed, start=1):
            result = item.result
            writer.write(row_for(result, threshold, item.correction, item.personal))
            failed += result.prediction is None
            bar.update(done)
            tally(counted, result)
            if wanted and personal_key(result.path) in wanted:
                seen.append(item)
        bar.close()
        writer.close()
    if wanted:
        _refill(model_id, corrections, seen)
    if not args.no_personal:
        _remember_species(model_id, counted)
    if failed:
        print(f"{failed} of {len(files)} files could not be read", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _sort(args: argparse.Namespace) -> int:
    from .core.confine import resolve_folder
    from .core.folder_lock import LockError, acquire

    if not args.path.is_dir():
        print(f"dogcat-sorter-cli: not a folder: {printable(args.path)}", file=sys.stderr)
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
    from .core.learning import attach_personal, personal_key, renamed, tally, with_this_folder
    from .core.moves import execute_plan, plan_sort
    from .core.personal.labels import SPECIES
    from .core.personal.means import Tally
    from .core.pipeline import Reviewed, attach_corrections, open_corrections
    from .core.progress import TerminalBar
    from .core.review import ReviewStatus, review_status, sort_status
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
    files = list_photos(folder, args.recursive or args.each_subfolder)
    scanner = _open_scanner(not args.no_cache)
    threshold = (
        args.min_confidence if args.min_confidence is not None else scanner.classifier.threshold
    )
    model_id = scanner.classifier.model_id
    loaded = _personal_layer(model_id, not args.no_personal)
    items: list[tuple[Path, str | None]] = []
    stamps: dict[Path, FileStamp] = {}
    unreadable: list[tuple[Path, str]] = []
    corrected = learnt = 0
    wanted = _waiting_for_embeddings(loaded)
    seen = []
    counted = Tally()
    named: dict[int, Reviewed] = {}  # items[n] a named pet may claim, once this folder counts
    bar = TerminalBar(len(files))
    reviewed = attach_personal(attach_corrections(scanner.scan(files), corrections), loaded.layer)
    for done, item in enumerate(reviewed, start=1):
        bar.update(done)
        result = item.result
        status = item.status(threshold)
        if status == ReviewStatus.ERROR:
            unreadable.append((result.path, result.error or "unreadable"))
        elif item.correction is not None:
            corrected += 1
        elif item.personal is not None and item.personal.changed:
            learnt += 1
        if loaded.layer.names and item.correction is None and status in SPECIES:
            # Kept without its thumbnail: a folder of many pets must not hold them all.
            named[len(items)] = dataclasses.replace(
                item, result=dataclasses.replace(result, thumbnail=None)
            )
        items.append((result.path, sort_status(status, item.correction, item.personal)))
        if result.stamp is not None:
            stamps[result.path] = result.stamp
        tally(counted, result)
        if wanted and personal_key(result.path) in wanted:
            seen.append(item)
    bar.close()
    if not args.no_personal:
        _remember_species(model_id, counted)
    if wanted:
        _refill(model_id, corrections, seen)
    # Which photo is which named pet, told apart with this folder's own dogs and cats counted in.
    layer = with_this_folder(loaded, counted, _bundled_means()) if named else None
    if layer is not None:
        for index, item in zip(named, renamed(list(named.values()), layer), strict=True):
            status = review_status(item.result, None, threshold, item.personal)
            items[index] = (item.result.path, sort_status(status, None, item.personal))
    plan = plan_sort(folder, items, stamps, per_subfolder=args.each_subfolder)
    print(plan.summary())
    if corrected:
        print(f"  {corrected} photo{'s' if corrected != 1 else ''} labelled by you")
    if learnt:
        print(
            f"  {learnt} photo{'s' if learnt != 1 else ''} labelled by the personal layer"
            " (the bundled model said otherwise)"
        )
    for path, reason in unreadable:
        print(f"  cannot read {printable(path)}: {reason}")
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
    _follow_personal(model_id, corrections, report.moved_files)
    print(report.summary())
    if report.journal_path:
        print(f"To undo: dogcat-sorter-cli undo {printable(folder)}")
    failed = unreadable or report.failures or report.error or report.notices
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _undo(args: argparse.Namespace) -> int:
    from .core.corrections import CorrectionsDamagedError
    from .core.folder_lock import LockError
    from .core.pipeline import open_corrections
    from .core.undo import undo_last

    if not args.path.is_dir():
        print(f"dogcat-sorter-cli: not a folder: {printable(args.path)}", file=sys.stderr)
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
    _follow_personal(None, corrections, report.restored_files)
    problems = report.failures or report.missing or report.left_alone or report.refused
    return EXIT_SOME_FAILED if problems else EXIT_OK


def _follow_personal(model_id: str | None, corrections, moves) -> None:
    """The personal layer's examples follow the photos a sort or an undo moved."""
    from .core.classifier import model_id_of
    from .core.learning import LabelBook, open_personal_store
    from .core.personal import PersonalFileError
    from .resources import model_dir

    if not moves:
        return
    try:
        book = LabelBook(corrections, open_personal_store(), model_id or model_id_of(model_dir()))
        book.follow(moves)
    except (PersonalFileError, OSError) as exc:
        _say(f"{exc}; the personal layer's examples did not follow the photos")


def _label(args: argparse.Namespace) -> int:
    from .core.corrections import CorrectionsDamagedError, FileVersion
    from .core.learning import Example, LabelBook, load_layer, open_personal_store
    from .core.personal import LabelError, PersonalFileError, format_label, parse_label
    from .core.pipeline import open_corrections
    from .core.scan import expand_paths

    if args.clear == (args.label is not None):
        _say("give either --as LABEL or --clear")
        return EXIT_USAGE
    label = None
    if args.label is not None:
        try:
            label = format_label(*parse_label(args.label))
        except LabelError as exc:
            _say(f"{exc} (for example --as dog, --as cat/Luna)")
            return EXIT_USAGE
    files = expand_paths(args.paths)
    try:
        corrections = open_corrections()
    except CorrectionsDamagedError as exc:
        _say(f"{exc} Nothing was labelled.")
        return EXIT_SOME_FAILED
    failed: list[tuple[Path, str]] = []
    examples: list[Example] = []
    if label is None:
        examples = [Example(_version_or_none(path), None) for path in files]
        from .core.classifier import model_id_of
        from .resources import model_dir

        model_id = model_id_of(model_dir())
    else:
        scanner = _open_scanner(True)
        model_id = scanner.classifier.model_id
        for result in scanner.scan(files):
            if result.prediction is None or result.embedding is None or result.stamp is None:
                failed.append((result.path, result.error or "it could not be read"))
                continue
            version = FileVersion(result.path, result.size, result.stamp.mtime_ns)
            examples.append(
                Example(version, label, result.embedding, result.prediction.probabilities)
            )
    store = open_personal_store()
    book = LabelBook(corrections, store, model_id)
    try:
        book.set(examples)
    except PersonalFileError as exc:
        _say(
            f"{exc}. The labels were set on the photos, but the personal layer cannot learn"
            " from them until it is reset (dogcat-sorter-cli personal reset)."
        )
        return EXIT_SOME_FAILED
    for path, reason in failed:
        _say(f"cannot label {printable(path)}: {reason}")
    done = len(examples)
    what = f"as {label}" if label else "cleared"
    print(f"{done} photo{'s' if done != 1 else ''} {what}.")
    print(load_layer(store, model_id, prior=_bundled_means()).layer.status().describe())
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _version_or_none(path: Path):
    from .core.corrections import FileVersion

    try:
        return FileVersion.of(path)
    except OSError:
        return FileVersion(Path(os.path.abspath(path)), 0, 0)


def _personal(args: argparse.Namespace) -> int:
    from .core.classifier import model_id_of
    from .core.learning import LabelBook, load_layer, open_personal_store
    from .core.personal import PersonalFileError
    from .resources import model_dir

    store = open_personal_store()
    model_id = model_id_of(model_dir())
    if args.action == "reset":
        with contextlib.suppress(PersonalFileError):
            store.load(model_id)  # a damaged file is set aside, not deleted
        aside = store.reset()
        print("Personal layer reset: it has forgotten every label it learnt from.")
        print("The labels on your photos stay; set new ones to teach it again.")
        if aside is not None:
            print(f"The damaged file was kept as {printable(aside)}.")
        return EXIT_OK
    try:
        if args.action in ("on", "off"):
            LabelBook(None, store, model_id).update(enabled=args.action == "on")
    except PersonalFileError as exc:
        _say(f"{exc}")
        return EXIT_SOME_FAILED
    layer = load_layer(store, model_id, prior=_bundled_means()).layer
    print(layer.status().describe())
    return EXIT_SOME_FAILED if layer.status().problem else EXIT_OK


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
        description="One row per file: path,label,confidence,p_dog,p_cat,p_other,status,error,"
        "source,name. status is ok, unsure (confidence under the threshold) or error (the file "
        "could not be read; error says why). source says where the label came from: model, "
        "personal (the layer that learns from your labels) or you (a label you set); name is "
        "your named pet's. Folders are searched for photos; a file named explicitly is always "
        "reported.",
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
    classify.add_argument(
        "--no-personal",
        action="store_true",
        help="the bundled model alone: no personal layer, no labels you set",
    )
    classify.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say on stderr whether the personal layer is used and how it scores",
    )
    classify.set_defaults(run=_classify)

    label = commands.add_parser(
        "label",
        help="set your own label on photos (the personal layer learns from it)",
        description="Label photos as the window does: dog, cat, other, or a named pet "
        "(dog/NAME, cat/NAME). The label wins over the model's for these files, and the "
        "personal layer learns from it. --clear forgets the labels. A folder labels the "
        "photos in it.",
    )
    label.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    label.add_argument(
        "--as", dest="label", metavar="LABEL", help="dog, cat, other, dog/NAME or cat/NAME"
    )
    label.add_argument("--clear", action="store_true", help="forget the labels of these files")
    label.set_defaults(run=_label)

    personal = commands.add_parser(
        "personal",
        help="the personal layer: status, on, off, reset",
        description="status says whether the personal layer is used and how it scores on your "
        "labels; off and on switch it; reset makes it forget what it learnt (the labels on "
        "your photos stay).",
    )
    personal.add_argument("action", choices=("status", "on", "off", "reset"))
    personal.set_defaults(run=_personal)

    sort = commands.add_parser(
        "sort",
        help="move dogs into PATH/dogs and cats into PATH/cats",
        description="Classify the photos in PATH, then move dogs into PATH/dogs/ and cats into "
        "PATH/cats/, and your named pets into PATH/dogs/NAME/, PATH/cats/NAME/. Neither, "
        "unsure and unreadable photos stay. Nothing is ever overwritten "
        "(a taken name gets ' (1)'), and every move is journaled so 'undo' can reverse it.",
    )
    sort.add_argument("path", type=Path, metavar="PATH")
    sort.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    sort.add_argument(
        "--each-subfolder",
        action="store_true",
        help="give each subfolder its own dogs/ and cats/ (implies --recursive), as the "
        "window's sort preview can",
    )
    sort.add_argument("-n", "--dry-run", action="store_true", help="print the plan, move nothing")
    sort.add_argument(
        "--min-confidence",
        type=_threshold,
        metavar="X",
        help="move only photos at least this sure (default: the model card's threshold)",
    )
    sort.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")
    sort.add_argument(
        "--no-personal",
        action="store_true",
        help="sort on the bundled model and your labels, without the personal layer",
    )
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
    stdout, stderr = sys.stdout, sys.stderr
    sys.stderr = _TerminalSafe(stderr)  # type: ignore[assignment]
    if stdout.isatty():
        sys.stdout = _TerminalSafe(stdout)  # type: ignore[assignment]
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(args: argparse.Namespace) -> int:
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
