"""The "Last Sort" view: every photo the folder's newest sort moved, and where, with Undo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.moves import destination_order, relative
from .plain_text import plain_label


class LastSortDialog(QDialog):
    """Moves grouped by the folder they went to (expanded); "Undo This Sort" accepts."""

    def __init__(
        self,
        folder: Path,
        started: str,
        moves: list[tuple[Path, Path]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Last Sort")
        self.resize(620, 480)
        when = f" on {started[:19].replace('T', ' ')} UTC" if started else ""
        photos = "1 photo" if len(moves) == 1 else f"{len(moves)} photos"
        heading = plain_label(f"The last sort of “{folder.name or folder}”{when} moved {photos}:")
        heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("lastSort")
        self.tree.setHeaderLabels(["Photo", "Came from"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Listed as the sort's preview listed them: dogs/ before cats/, pets after their species.
        counts = Counter(target.parent for _, target in moves)
        branches = {
            directory: QTreeWidgetItem(
                self.tree, [f"{relative(directory, folder)}/ ({counts[directory]})"]
            )
            for directory in sorted(counts, key=destination_order)
        }
        for source, destination in moves:
            QTreeWidgetItem(
                branches[destination.parent],
                [destination.name, relative(source.parent, folder) + "/"],
            )
        for branch in branches.values():
            branch.setExpanded(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.undo_button = buttons.addButton(
            "Undo This Sort", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.undo_button.setAutoDefault(False)
        self.undo_button.setEnabled(bool(moves))
        buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
