"""Result rows as the CLI and the GUI's export write them (one set of columns for both).

A file name is whatever the folder's owner chose, so CSV output is made safe to open: a field
holding a carriage return, line feed, comma or quote is quoted (Python's ``csv`` leaves a lone
carriage return bare when lines end in a line feed, which splits the row), and a text field
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so a
spreadsheet shows it instead of running it as a formula (OWASP's advice on CSV injection).
JSON keeps every value exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from .labels import CLASSES, Status
from .personal import PersonalPrediction, Source, parse_label
from .scan import ScanResult

# New columns go at the end, so a script that reads them by position keeps working.
COLUMNS = (
    "path",
    "label",
    "confidence",
    "p_dog",
    "p_cat",
    "p_other",
    "status",
    "error",
    "source",
    "name",
)


def row_for(
    result: ScanResult,
    threshold: float,
    label: str | None = None,
    personal: PersonalPrediction | None = None,
) -> dict[str, object]:
    """One row. ``label`` is a person's label (``dog``, ``dog/Rex``...), which wins and is sure
    (source ``you``); else the personal layer's prediction where given, else the model's.
    The probabilities are those the label was chosen by (the person's leave them as they were)."""
    prediction = result.prediction
    kind, name = parse_label(label) if label else (None, None)
    if prediction is None:
        return {
            "path": str(result.path),
            "label": kind or "",
            "confidence": "",
            "p_dog": "",
            "p_cat": "",
            "p_other": "",
            "status": str(Status.ERROR),
            "error": result.error or "",
            "source": "",
            "name": "",
        }
    probabilities, confidence = prediction.probabilities, prediction.confidence
    predicted, source = prediction.label, Source.MODEL
    if personal is not None:
        probabilities, confidence = personal.probabilities, personal.confidence
        predicted, source = personal.label, personal.source
        name = name if kind else personal.name
    if kind:
        status, source = Status.OK, Source.YOU
    else:
        status = Status.OK if confidence >= threshold else Status.UNSURE
        name = name if status == Status.OK else None  # an unsure photo is no one's for sure
    return {
        "path": str(result.path),
        "label": kind or predicted,
        "confidence": round(confidence, 4),
        **{f"p_{c}": round(p, 4) for c, p in zip(CLASSES, probabilities, strict=True)},
        "status": str(status),
        "error": "",
        "source": str(source),
        "name": name or "",
    }


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = frozenset(',"\r\n')


def csv_field(value: object) -> str:
    """One CSV field: text neutralised if a spreadsheet would run it, quoted if needed."""
    text = str(value)
    neutralised = isinstance(value, str) and text.startswith(_FORMULA_STARTS)
    if neutralised:
        text = "'" + text
    if neutralised or _NEEDS_QUOTES.intersection(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class RowWriter:
    """Streams rows as CSV, or collects them into one JSON array written at the end."""

    def __init__(self, stream: IO[str], fmt: str, columns: Iterable[str] = COLUMNS) -> None:
        self.stream, self.fmt, self.columns = stream, fmt, tuple(columns)
        self.rows: list[dict[str, object]] = []
        if fmt == "csv":
            self.stream.write(",".join(csv_field(name) for name in self.columns) + "\n")

    def write(self, row: dict[str, object]) -> None:
        if self.fmt == "csv":
            self.stream.write(",".join(csv_field(row[key]) for key in self.columns) + "\n")
        else:
            self.rows.append({key: (None if row[key] == "" else row[key]) for key in self.columns})

    def close(self) -> None:
        if self.fmt == "json":
            json.dump(self.rows, self.stream, indent=2)
            self.stream.write("\n")
        self.stream.flush()
