"""Saving the window's results as CSV, in the command-line tool's columns."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.report import COLUMNS, RowWriter, row_for
from .results_model import ResultsModel
from .session import Session

EXPORT_COLUMNS = (*COLUMNS, "corrected_by_user")


def write_results_csv(model: ResultsModel, path: Path) -> None:
    """Every row with the columns of the command-line tool, plus who set the label.

    A file name that is not valid UTF-8 is written as its original bytes.
    """
    threshold = model.threshold
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as stream:
        writer = RowWriter(stream, "csv", EXPORT_COLUMNS)
        for row in model.rows():
            if row.waiting:  # exported while a scan runs: only what is classified
                continue
            values = row_for(row.result, threshold, label=row.correction)
            values["corrected_by_user"] = "yes" if row.correction else "no"
            writer.write(values)
        writer.close()


def export_results(session: Session, parent: QWidget) -> None:
    """Ask where to save, then save; a failure is reported, never raised."""
    start = str((session.folder or Path.home()) / "dogcat-results.csv")
    path, _ = QFileDialog.getSaveFileName(parent, "Export Results", start, "CSV files (*.csv)")
    if not path:
        return
    try:
        write_results_csv(session.results, Path(path))
    except OSError as exc:
        session.show_message(
            QMessageBox.Icon.Warning,
            "Export failed",
            f"The file could not be written: {exc.strerror or exc}.",
        )
        return
    session.show_status(f"Saved {session.results.rowCount()} rows to {path}", 6000)
