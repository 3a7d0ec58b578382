"""What a sort will do, shown before anything moves, and what it did, in words."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.labels import SORT_FOLDERS
from ..core.moves import (
    SortPlan,
    SortReport,
    companions_text,
    destination_order,
    relative,
)
from ..core.review import ReviewStatus, staying_detail
from ..core.undo import UndoReport
from .plain_text import escaped, plain_label
from .style import STYLES, style_of

MAX_LISTED = 15
REPLAN = 2  # the preview's answer when the person changed where subfolders' photos go
# Keys that press a focused button in Qt's styles; never a way to start moving photos.
PRESSING_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


def _photos(count: int) -> str:
    return "1 photo" if count == 1 else f"{count} photos"


def _swatch(colour: str) -> QLabel:
    label = QLabel()
    label.setFixedSize(12, 12)
    label.setStyleSheet(f"background: {colour}; border-radius: 6px;")
    return label


class SortPreviewDialog(QDialog):
    """Counts per destination, the files behind each (expandable), what stays and why, and
    renamed files.

    Nothing here moves photos on Space or Return: Cancel is the default button and the Move
    button never takes the focus, so only a click, Ctrl+Return or Alt+M confirms. A refused
    destination (a link, a file) turns the dialog into a refusal with no way to go on.
    """

    def __init__(
        self, plan: SortPlan, parent: QWidget | None = None, per_subfolder: bool = False
    ) -> None:
        super().__init__(parent)
        self.plan = plan
        self.per_subfolder = per_subfolder
        self.setWindowTitle("Sort into Folders")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        where = plan.folder.name or str(plan.folder)
        if plan.refused:
            text = f"Nothing in “{where}” can be sorted until this is fixed:"
        else:
            text = f"Move photos into folders inside “{where}”?"
        heading = plain_label(text)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        for warning in plan.refused.values():
            layout.addWidget(_warning(warning))

        counts = QGridLayout()
        counts.setHorizontalSpacing(10)
        counts.setVerticalSpacing(6)
        line = 0
        for label, count, text in destination_lines(plan):
            counts.addWidget(_swatch(style_of(label).background), line, 0)
            counts.addWidget(QLabel(f"<b>{_photos(count)}</b> {_go(count)} to {text}"), line, 1)
            line += 1
        if plan.companions:
            along = QLabel(f"And {companions_text(plan.companions)}")
            along.setObjectName("companions")
            along.setWordWrap(True)
            counts.addWidget(along, line, 1)
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

        # Offered when photos come from subfolders: one dogs/ and cats/ at the top, or a pair in
        # each subfolder. Changing it ends the dialog with REPLAN; the new plan is shown next.
        self.per_subfolder_box = QCheckBox("Give each subfolder its own dogs/ and cats/")
        self.per_subfolder_box.setObjectName("perSubfolder")
        self.per_subfolder_box.setChecked(per_subfolder)
        self.per_subfolder_box.setToolTip(
            "Off: every dog goes to one dogs/ at the top of the folder. On: photos in trip/ go to "
            "trip/dogs/ and trip/cats/. Remembered for next time."
        )
        self.per_subfolder_box.toggled.connect(self._choose_per_subfolder)
        from_subfolders = any(
            move.source.parent != plan.folder
            and move.source.parent.name not in SORT_FOLDERS.values()
            for move in plan.moves
        )
        self.per_subfolder_box.setVisible(from_subfolders or per_subfolder)
        layout.addWidget(self.per_subfolder_box)

        self.files = self._file_list(plan)
        self.files_toggle = QToolButton()
        self.files_toggle.setObjectName("showFiles")
        self.files_toggle.setText("Show the files")
        self.files_toggle.setCheckable(True)
        self.files_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.files_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.files_toggle.setAutoRaise(True)
        self.files_toggle.toggled.connect(self._show_files)
        layout.addWidget(self.files_toggle)
        layout.addWidget(self.files)
        self.files.setVisible(False)

        if plan.collisions:
            layout.addWidget(self._collisions(plan))

        for warning in plan.warnings:
            if warning not in plan.refused.values():
                layout.addWidget(_warning(warning))

        if plan.refused:
            hint_text = "Nothing was moved."
        else:
            hint_text = (
                "Click Move (or press Ctrl+Return) to go ahead. You can put everything back "
                "afterwards with Edit › Undo or Sort › Undo Last Sort."
            )
        hint = QLabel(hint_text)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        layout.addWidget(hint)

        buttons = QDialogButtonBox()
        self.move_button = QPushButton(f"&Move {_photos(len(plan.moves))}")
        self.move_button.setAutoDefault(False)
        self.move_button.setDefault(False)
        # Never focused, so Space (the app's large-view key) cannot press it.
        self.move_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.move_button.setEnabled(bool(plan.moves) and not plan.refused)
        self.move_button.setToolTip("Move the photos (Ctrl+Return)")
        self.move_button.installEventFilter(self)
        buttons.addButton(self.move_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(
            QDialogButtonBox.StandardButton.Close
            if plan.refused
            else QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.cancel_button.installEventFilter(self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Cancel has the focus once shown (not the first widget in tab order)."""
        super().showEvent(event)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose_per_subfolder(self, on: bool) -> None:
        self.per_subfolder = on
        self.done(REPLAN)

    def _confirm(self) -> None:
        if self.move_button.isEnabled():
            self.accept()

    def event(self, event: QEvent) -> bool:
        """Plain keys stay in the dialog: the window's Space (large view) and D/C/N (marks)
        must not act behind it."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if plain:
                event.accept()
                return True
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Ctrl+Return confirms from either button; the Move button ignores the keys that
        press a focused button (Space, Return), and Space presses neither."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(
            event, QKeyEvent
        ):
            if _is_confirm_key(event):
                if event.type() == QEvent.Type.KeyPress:
                    self._confirm()
                return True
            if watched is self.move_button and event.key() in PRESSING_KEYS:
                return True
            if event.key() == Qt.Key.Key_Space:  # Space does nothing here, not even Cancel
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if _is_confirm_key(event):
            self._confirm()
            return
        super().keyPressEvent(event)

    def _show_files(self, shown: bool) -> None:
        self.files.setVisible(shown)
        self.files_toggle.setText("Hide the files" if shown else "Show the files")
        self.files_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.adjustSize()

    @staticmethod
    def _file_list(plan: SortPlan) -> QTreeWidget:
        """One branch per destination folder with the photos that go there, collapsed."""
        tree = QTreeWidget()
        tree.setObjectName("files")
        tree.setHeaderLabels(["Photo", "Goes to"])
        tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        tree.setMinimumHeight(180)
        # In the order the summary above lists them (the plan keeps its destinations so).
        branches = {
            directory: QTreeWidgetItem(
                tree, [f"{relative(directory, plan.folder)}/ ({_photos(count)})", ""]
            )
            for directory, count in plan.counts_by_destination.items()
        }
        for move in plan.moves:
            item = QTreeWidgetItem(
                branches[move.destination.parent],
                [relative(move.source, plan.folder), relative(move.destination, plan.folder)],
            )
            for companion in move.companions:  # named after the photo where it lands
                QTreeWidgetItem(item, [companion.name, "with the photo"])
        return tree

    @staticmethod
    def _collisions(plan: SortPlan) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
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
            QTreeWidgetItem(table, [relative(source, plan.folder), relative(renamed, plan.folder)])
        rows = min(len(plan.collisions), 6)
        row_height = table.sizeHintForRow(0) if plan.collisions else 20
        table.setFixedHeight(table.header().sizeHint().height() + rows * row_height + 6)
        layout.addWidget(table)
        return box


def _is_confirm_key(event: QKeyEvent) -> bool:
    """Ctrl+Return (Cmd+Return on a Mac): deliberate, unlike Space or a plain Return."""
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
        event.modifiers() & Qt.KeyboardModifier.ControlModifier
    )


def _warning(text: str) -> QLabel:
    label = plain_label(f"⚠ {text}")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {STYLES[ReviewStatus.ERROR].background};")
    return label


def _go(count: int) -> str:
    return "goes" if count == 1 else "go"


def destination_lines(plan: SortPlan) -> list[tuple[str, int, str]]:
    """(label, photos, where in words) per kind of destination: 'dogs/' when every dog goes
    to the top, 'dogs/ in 3 folders' when each subfolder has its own."""
    lines = []
    species = set(SORT_FOLDERS.values())
    for label, name in SORT_FOLDERS.items():
        # dogs/ or a subfolder's dogs/; each named pet's folder (dogs/Rex/) has a line below
        destinations = plan.counts_by_destination
        folders = [d for d in destinations if d.name == name and d.parent.name not in species]
        count = sum(destinations[d] for d in folders)
        roots = sorted(folders)
        if len(roots) <= 1:
            where = f"<b>{escaped(relative(roots[0], plan.folder)) if roots else name}/</b>"
        else:
            where = f"<b>{name}/</b> in {len(roots)} folders"
        lines.append((label, count, where))
        # Each named pet's own folder (dogs/Rex/), on a line of its own.
        for pet in sorted(d for d in destinations if d.parent.name == name):
            shown = escaped(relative(pet, plan.folder))
            lines.append((label, destinations[pet], f"<b>{shown}/</b>"))
    return lines


def sort_report_text(report: SortReport) -> tuple[str, str, str]:
    """Title, message and details for the box shown after a sort."""
    by_folder = Counter(destination.parent for _source, destination in report.moved_files)
    where = ", ".join(
        f"{by_folder[directory]} to {relative(directory, report.folder)}/"
        for directory in sorted(by_folder, key=destination_order)
    )
    lines = [f"Moved {_photos(report.moved)}" + (f": {where}." if where else ".")]
    if report.companions_moved:
        lines.append(f"Also moved {companions_text(report.companions_moved)}.")
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
            f"{relative(f.source, report.folder)}: {f.reason}" for f in report.failures
        )
    lines.extend(f"Note: {notice}" for notice in report.notices)
    if report.pruned:
        lines.append(report.pruned_text())
    problems = report.failures or report.error or report.notices
    title = "Sort finished with problems" if problems else "Sort finished"
    return title, "\n".join(lines), details


def undo_report_text(report: UndoReport) -> tuple[str, str]:
    if report.nothing_to_undo:
        return "Nothing to undo", "There is no sort of this folder left to undo."
    title = "Undo finished" if report.complete else "Undo not finished"
    return title, report.summary()
