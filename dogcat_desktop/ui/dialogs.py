"""Small dialogs: keyboard shortcuts, About, preferences, and naming a new pet."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.labels import SORT_FOLDERS
from ..core.personal import LabelError, check_name


class ShortcutsDialog(QDialog):
    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        table = QTreeWidget()
        table.setRootIsDecorated(False)
        table.setHeaderLabels(["Key", "Action"])
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for keys, action in shortcuts:
            QTreeWidgetItem(table, [keys, action])
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        # Wide enough that no action is cut short ("Name the selected photos as your pets…").
        table.resizeColumnToContents(0)
        table.resizeColumnToContents(1)
        needed = table.columnWidth(0) + table.columnWidth(1) + 2 * table.frameWidth()
        scroll_bar = table.verticalScrollBar().sizeHint().width()
        margins = layout.contentsMargins()
        self.resize(needed + scroll_bar + margins.left() + margins.right() + 8, 560)


def about_text(card: dict | None, personal: str = "") -> str:
    """Rich text for Help › About, with the model's measured quality when it is loaded and
    ``personal``, the personal layer's own account of whether it is used and how it scores."""
    lines = [
        f"<h3>DogCat Sorter {__version__}</h3>",
        "<p>Sorts a folder of photos into <i>dogs</i> and <i>cats</i> subfolders, "
        "with a preview before anything moves and an undo after.</p>",
    ]
    if card is None:
        lines.append("<p>The classifier is not loaded.</p>")
        return "".join(lines)
    test = card.get("test", {}) or {}
    figures = []
    if test.get("cat_dog_accuracy") is not None:
        figures.append(f"Cats and dogs told apart correctly: <b>{test['cat_dog_accuracy']:.1%}</b>")
    if test.get("other_recognised") is not None:
        figures.append(
            f"Photos of neither recognised as such: <b>{test['other_recognised']:.1%}</b>"
        )
    photos = test.get("photos")
    if photos:
        count = f"{photos:,}" if isinstance(photos, int) else html.escape(str(photos))
        figures.append(f"Measured on {count} photos from collections training never saw")
    date = str(card.get("date", ""))[:10]
    if date:
        figures.append(f"Model trained on {date}")
    if figures:
        lines.append("<p>" + "<br>".join(figures) + "</p>")
    if personal:
        lines.append(
            "<p>" + "<br>".join(html.escape(line) for line in personal.splitlines()) + "</p>"
        )
    lines.append("<p>Photos never leave this computer: the model runs locally.</p>")
    return "".join(lines)


class PreferencesDialog(QDialog):
    """The 'unsure below' threshold, in percent, with a way back to the model's own value;
    whether the last folder opens at start."""

    def __init__(
        self,
        threshold: float,
        model_threshold: float,
        reopen_last: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.model_threshold = model_threshold
        self.spin = QSpinBox()
        self.spin.setRange(34, 99)
        self.spin.setSuffix(" %")
        self.spin.setValue(round(threshold * 100))
        self.spin.setToolTip(
            "Photos the model is less sure about than this are marked 'unsure' and are not "
            "moved unless you label them."
        )
        reset = QPushButton(f"Use the Model's Value ({model_threshold:.0%})")
        reset.clicked.connect(lambda: self.spin.setValue(round(self.model_threshold * 100)))
        form = QFormLayout()
        form.addRow("Unsure below:", self.spin)
        form.addRow("", reset)
        explanation = QLabel(
            "A higher value marks more photos as unsure for you to check; a lower value sorts "
            "more photos without asking."
        )
        explanation.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reopen_box = QCheckBox("Open the last folder when the app starts")
        self.reopen_box.setChecked(reopen_last)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explanation)
        layout.addSpacing(8)
        layout.addWidget(self.reopen_box)
        layout.addWidget(buttons)

    @property
    def reopen_last(self) -> bool:
        return self.reopen_box.isChecked()

    @property
    def threshold(self) -> float:
        return self.spin.value() / 100


_EXAMPLE_NAMES = {"dog": "Rex", "cat": "Luna"}  # placeholders, as in the README


class NewPetDialog(QDialog):
    """Edit › New Pet…: a name under dog or cat, checked as it is typed (it becomes a folder)."""

    def __init__(self, species: str = "dog", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Pet")
        self.species_box = QComboBox()
        self.species_box.addItem("Dog", "dog")
        self.species_box.addItem("Cat", "cat")
        self.species_box.setCurrentIndex(max(0, self.species_box.findData(species)))
        self.name_edit = QLineEdit()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)  # the name is the user's text
        form = QFormLayout()
        form.addRow("Species:", self.species_box)
        form.addRow("Name:", self.name_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.explanation)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self.name_edit.textChanged.connect(self._explain)
        self.species_box.currentIndexChanged.connect(self._explain)
        self._check()
        self._explain()

    @property
    def species(self) -> str:
        return str(self.species_box.currentData())

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    def _explain(self) -> None:
        """The example follows the species and the name typed: where the photos will go."""
        example = _EXAMPLE_NAMES[self.species]
        self.name_edit.setPlaceholderText(example)
        try:
            shown = check_name(self.name_edit.text()) if self.name else example
        except LabelError:
            shown = example
        self.explanation.setText(
            "The selected photos get this name; after a few, similar photos are suggested as "
            f"this pet, and a sort puts them in their own folder ({SORT_FOLDERS[self.species]}/"
            f"{shown}/)."
        )

    def _check(self) -> None:
        """OK only for a name that can be a folder everywhere; the reason shown otherwise."""
        problem = ""
        if self.name_edit.text().strip():
            try:
                check_name(self.name_edit.text())
            except LabelError as exc:
                problem = str(exc).capitalize() + "."
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name_edit.text().strip()) and not problem)
