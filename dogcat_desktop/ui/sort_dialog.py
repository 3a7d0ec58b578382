"""What a sort will do, shown before anything moves, and what it did, in words."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.labels import SORT_FOLDERS
from ..core.moves import SortPlan, SortReport
from ..core.review import ReviewStatus, staying_detail
from ..core.undo import UndoReport
from .style import STYLES, style_of

MAX_LISTED = 15


def _photos(count: int) -> str:
    return "1 photo" if count == 1 else f"{count} photos"


def _relative(path, folder) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _swatch(colour: str) -> QLabel:
    label = QLabel()
    label.setFixedSize(12, 12)
    label.setStyleSheet(f"background: {colour}; border-radius: 6px;")
    return label


class SortPreviewDialog(QDialog):
    """Counts per destination, what stays and why, and renamed files; Cancel is the default."""

    def __init__(self, plan: SortPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle("Sort into Folders")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        heading = QLabel(f"Move photos into folders inside “{plan.folder.name or plan.folder}”?")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)
        layout.addWidget(heading)

        counts = QGridLayout()
        counts.setHorizontalSpacing(10)
        counts.setVerticalSpacing(6)
        line = 0
        by_name = {path.name: count for path, count in plan.counts_by_destination.items()}
        for label, name in SORT_FOLDERS.items():
            counts.addWidget(_swatch(style_of(label).background), line, 0)
            counts.addWidget(
                QLabel(f"<b>{_photos(by_name.get(name, 0))}</b> go to <b>{name}/</b>"), line, 1
            )
            line += 1
        stay = QLabel(
            f"<b>{_photos(plan.staying)}</b> stay where they are"
            + staying_detail(plan.staying_by_reason)
        )
        stay.setWordWrap(True)
        counts.addWidget(_swatch(STYLES[ReviewStatus.OTHER].background), line, 0)
        counts.addWidget(stay, line, 1)
        counts.setColumnStretch(1, 1)
        layout.addLayout(counts)

        if plan.collisions:
            taken = len(plan.collisions)
            note = QLabel(
                f"{'One name is' if taken == 1 else f'{taken} names are'} already taken, so "
                f"{'that photo gets' if taken == 1 else 'those photos get'} a number added "
                "(nothing is overwritten):"
            )
            note.setWordWrap(True)
            layout.addWidget(note)
            table = QTreeWidget()
            table.setObjectName("collisions")
            table.setRootIsDecorated(False)
            table.setHeaderLabels(["Photo", "New name"])
            table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            table.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            for source, _original, renamed in plan.collisions:
                QTreeWidgetItem(
                    table, [_relative(source, plan.folder), _relative(renamed, plan.folder)]
                )
            rows = min(len(plan.collisions), 6)
            row_height = table.sizeHintForRow(0) if plan.collisions else 20
            table.setFixedHeight(table.header().sizeHint().height() + rows * row_height + 6)
            layout.addWidget(table)

        for warning in plan.warnings:
            line_label = QLabel(f"⚠ {warning}")
            line_label.setWordWrap(True)
            line_label.setStyleSheet(f"color: {STYLES[ReviewStatus.ERROR].background};")
            layout.addWidget(line_label)

        hint = QLabel("You can put everything back afterwards with Sort › Undo Last Sort.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        layout.addWidget(hint)

        buttons = QDialogButtonBox()
        self.move_button = QPushButton(f"Move {_photos(len(plan.moves))}")
        self.move_button.setAutoDefault(False)
        self.move_button.setEnabled(bool(plan.moves))
        buttons.addButton(self.move_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def sort_report_text(report: SortReport) -> tuple[str, str, str]:
    """Title, message and details for the box shown after a sort."""
    by_folder = Counter(destination.parent.name for _source, destination in report.moved_files)
    where = ", ".join(f"{count} to {name}/" for name, count in sorted(by_folder.items()))
    lines = [f"Moved {_photos(report.moved)}" + (f": {where}." if where else ".")]
    if report.cancelled:
        lines.append("Stopped on request; the other photos stay where they were.")
    if report.error:
        lines.append(f"The sort stopped: {report.error}. The other photos stay where they were.")
    details = ""
    if report.failures:
        lines.append(
            f"{_photos(len(report.failures))} could not be moved and stay where they were:"
        )
        lines.extend(
            f"• {failure.source.name}: {failure.reason}" for failure in report.failures[:MAX_LISTED]
        )
        if len(report.failures) > MAX_LISTED:
            lines.append(f"… and {len(report.failures) - MAX_LISTED} more (see details).")
        details = "\n".join(
            f"{_relative(f.source, report.folder)}: {f.reason}" for f in report.failures
        )
    lines.extend(f"Note: {notice}" for notice in report.notices)
    problems = report.failures or report.error or report.notices
    title = "Sort finished with problems" if problems else "Sort finished"
    return title, "\n".join(lines), details


def undo_report_text(report: UndoReport) -> tuple[str, str]:
    if report.nothing_to_undo:
        return "Nothing to undo", "There is no sort of this folder left to undo."
    title = "Undo finished" if report.complete else "Undo not finished"
    return title, report.summary()
