"""Saving the window's results as CSV, in the command-line tool's columns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..core.report import COLUMNS, RowWriter, row_for
from .results_model import ResultsModel

if TYPE_CHECKING:
    from .main_window import MainWindow

EXPORT_COLUMNS = (*COLUMNS, "corrected_by_user")


def write_results_csv(model: ResultsModel, path: Path) -> None:
    """Every row with the columns of the command-line tool, plus who set the label.

    A file name that is not valid UTF-8 is written as its original bytes.
    """
    threshold = model.threshold
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as stream:
        writer = RowWriter(stream, "csv", EXPORT_COLUMNS)
        for row in model.rows():
            values = row_for(row.result, threshold, label=row.correction)
            values["corrected_by_user"] = "yes" if row.correction else "no"
            writer.write(values)
        writer.close()


def export_results(window: MainWindow) -> None:
    """Ask where to save, then save; a failure is reported, never raised."""
    start = str((window.folder or Path.home()) / "dogcat-results.csv")
    path, _ = QFileDialog.getSaveFileName(window, "Export Results", start, "CSV files (*.csv)")
    if not path:
        return
    try:
        window.export_csv(Path(path))
    except OSError as exc:
        window.show_message(
            QMessageBox.Icon.Warning,
            "Export failed",
            f"The file could not be written: {exc.strerror or exc}.",
        )
        return
    window.statusBar().showMessage(f"Saved {window.model.rowCount()} rows to {path}", 6000)
