"""Result rows as the CLI and the GUI's export write them (one set of columns for both)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

from .labels import Status
from .scan import ScanResult

COLUMNS = ("path", "label", "confidence", "p_dog", "p_cat", "p_other", "status", "error")


def row_for(result: ScanResult, threshold: float, label: str | None = None) -> dict[str, object]:
    """One row; ``label`` overrides the model's (a person's correction)."""
    prediction = result.prediction
    if prediction is None:
        return {
            "path": str(result.path),
            "label": label or "",
            "confidence": "",
            "p_dog": "",
            "p_cat": "",
            "p_other": "",
            "status": str(Status.ERROR),
            "error": result.error or "",
        }
    return {
        "path": str(result.path),
        "label": label or prediction.label,
        "confidence": round(prediction.confidence, 4),
        "p_dog": round(prediction.p_dog, 4),
        "p_cat": round(prediction.p_cat, 4),
        "p_other": round(prediction.p_other, 4),
        "status": str(result.status(threshold)),
        "error": "",
    }


class RowWriter:
    """Streams rows as CSV, or collects them into one JSON array written at the end."""

    def __init__(self, stream: IO[str], fmt: str, columns: Iterable[str] = COLUMNS) -> None:
        self.stream, self.fmt, self.columns = stream, fmt, tuple(columns)
        self.rows: list[dict[str, object]] = []
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=self.columns, lineterminator="\n")
            self._csv.writeheader()

    def write(self, row: dict[str, object]) -> None:
        if self.fmt == "csv":
            self._csv.writerow(row)
        else:
            self.rows.append({key: (None if row[key] == "" else row[key]) for key in self.columns})

    def close(self) -> None:
        if self.fmt == "json":
            json.dump(self.rows, self.stream, indent=2)
            self.stream.write("\n")
        self.stream.flush()
