"""Saving the window's results as CSV, in the command-line tool's columns."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.errors import describe_os_error
from ..core.report import COLUMNS, RowWriter, row_for
from . import settings as keys
from .results_model import ResultsModel
from .session import Session

# The command-line tool's columns (the model's label and its confidence in that label), then
# the label a person set, kept apart so no row pairs one's label with the other's confidence.
EXPORT_COLUMNS = (*COLUMNS, "user_label")


def write_results_csv(model: ResultsModel, path: Path) -> None:
    """Every row with the columns of the command-line tool, plus the person's label.

    A file name that is not valid UTF-8 is written as its original bytes.
    """
    threshold = model.threshold
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as stream:
        writer = RowWriter(stream, "csv", EXPORT_COLUMNS)
        for row in model.rows():
            if row.waiting:  # exported while a scan runs: only what is classified
                continue
            values = row_for(row.result, threshold)
            values["user_label"] = row.correction or ""
            writer.write(values)
        writer.close()


def suggested_path(session: Session) -> Path:
    """Where the save dialog starts: the last export's folder, else Documents; never inside
    the photo folder, where the file would be one more thing to sort."""
    last = session.settings.value(keys.EXPORT_FOLDER)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    directory = Path(str(last)) if last else Path(documents or Path.home())
    folder = session.folder
    if folder is not None and (directory == folder or folder in directory.parents):
        directory = Path(documents or Path.home())
    name = f"{folder.name}-dogcat-results.csv" if folder is not None else "dogcat-results.csv"
    return directory / name


def export_results(session: Session, parent: QWidget) -> None:
    """Ask where to save, then save; a failure is reported, never raised."""
    start = str(suggested_path(session))
    path, _ = QFileDialog.getSaveFileName(parent, "Export Results", start, "CSV files (*.csv)")
    if not path:
        return
    session.settings.setValue(keys.EXPORT_FOLDER, str(Path(path).parent))
    try:
        write_results_csv(session.results, Path(path))
    except OSError as exc:
        session.show_message(
            QMessageBox.Icon.Warning,
            "Export failed",
            f"{path} could not be written: {describe_os_error(exc)}.",
        )
        return
    session.show_status(f"Saved {session.results.rowCount()} rows to {path}", 6000)
