"""The scan pipeline wired once: model, cache and a person's labels, for the window and the CLI.

Both front ends open the scanner and look up corrections here, so a photo the window shows as
a dog is the photo the command line sorts as one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .cache import ScanCache
from .classifier import Classifier
from .corrections import FILE_NAME as CORRECTIONS_FILE_NAME
from .corrections import CorrectionsDamagedError, CorrectionStore, FileVersion
from .paths import user_cache_dir, user_data_dir
from .personal import PersonalPrediction, Source
from .review import ReviewStatus, pet_name, review_status
from .scan import Scanner, ScanResult, default_workers, runner_threads

CACHE_FILE_NAME = "scan-cache.sqlite3"


def open_scanner(model_dir: Path, use_cache: bool = True, background: bool = False) -> Scanner:
    """The classifier and its scan cache; a cache that cannot be opened only costs speed.

    ``background`` lowers the decoding threads' priority, for the window (see core.priority).
    Raises ``ModelLoadError`` when the model is missing or unreadable.
    """
    classifier = Classifier(model_dir, threads=runner_threads(default_workers()))
    cache: ScanCache | None = None
    if use_cache:
        try:
            cache = ScanCache(user_cache_dir() / CACHE_FILE_NAME, classifier.model_id)
        except (OSError, sqlite3.Error):
            cache = None
    return Scanner(classifier, cache, background=background)


def open_corrections() -> CorrectionStore | None:
    """The labels a person set in the window; None when there is nowhere to keep them.

    Raises ``CorrectionsDamagedError`` when the store exists but cannot be used: a person's
    work is never skipped without a word, and each front end says what happens instead.
    """
    path = user_data_dir() / CORRECTIONS_FILE_NAME
    try:
        return CorrectionStore(path)
    except (OSError, sqlite3.Error) as exc:
        if not path.exists():
            return None  # nowhere to keep labels, so none were ever set
        raise CorrectionsDamagedError(
            f"The labels you set by hand could not be read from {path} ({exc})."
        ) from exc


@dataclass(frozen=True)
class Reviewed:
    """A scan result with the version of the file it describes, the person's label for it, and
    the personal layer's prediction where the layer has learnt something (see ``learning``)."""

    result: ScanResult
    version: FileVersion
    correction: str | None
    personal: PersonalPrediction | None = None

    @property
    def source(self) -> Source:
        """Who decided the label: you, the personal layer, or the bundled model."""
        if self.correction:
            return Source.YOU
        return self.personal.source if self.personal is not None else Source.MODEL

    def status(self, threshold: float) -> ReviewStatus:
        return review_status(self.result, self.correction, threshold, self.personal)

    def name(self, threshold: float) -> str | None:
        """The named pet this photo is, when it is one (the person's or a confident guess)."""
        return pet_name(self.status(threshold), self.correction, self.personal)


def attach_corrections(
    results: Iterable[ScanResult], corrections: CorrectionStore | None
) -> Iterator[Reviewed]:
    """Each result with its correction, looked up for the file as it is now.

    The size is the scan's and the modification time is read now, so a photo edited since
    its correction was made is judged afresh; unreadable files carry no correction.
    """
    for result in results:
        try:
            mtime_ns = os.stat(result.path).st_mtime_ns
        except OSError:
            mtime_ns = 0
        version = FileVersion(result.path, result.size, mtime_ns)
        correction = None
        if corrections is not None and result.prediction is not None:
            correction = corrections.get(version)
        yield Reviewed(result, version, correction)
