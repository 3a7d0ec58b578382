"""The window's menus, toolbar, status bar and the page shown before a folder is open.

Each builder returns what it made; the window keeps those and does the wiring to controllers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStatusBar,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.progress import format_duration
from . import settings as keys
from .actions import Action, Actions
from .delegate import MAX_THUMBNAIL, MIN_THUMBNAIL
from .filter_model import FILTERS, SORT_ORDERS, filter_name, pet_filter
from .workers import ScanProgress


def build_menus(bar: QMenuBar, actions: Actions, preview_toggle: QAction) -> QMenu:
    """Fill the menu bar; returns File › Open Recent, which is filled each time it opens."""
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions[Action.OPEN])
    recent = file_menu.addMenu("Open &Recent")
    file_menu.addSeparator()
    for key in (Action.RESCAN, Action.CANCEL_SCAN, Action.RECURSIVE):
        file_menu.addAction(actions[key])
    file_menu.addSeparator()
    file_menu.addAction(actions[Action.SHOW_IN_FOLDER])
    file_menu.addAction(actions[Action.OPEN_DEFAULT])
    file_menu.addSeparator()
    file_menu.addAction(actions[Action.EXPORT])
    file_menu.addSeparator()
    file_menu.addAction(actions[Action.QUIT])

    edit = bar.addMenu("&Edit")
    edit.addAction(actions[Action.UNDO])
    edit.addAction(actions[Action.REDO])
    edit.addSeparator()
    for action in actions.marks.values():
        edit.addAction(action)
    pets = edit.addMenu("Name &As")
    actions.fill_pet_menu(pets)
    pets.aboutToShow.connect(lambda: actions.fill_pet_menu(pets))
    edit.addAction(actions[Action.NEW_PET])
    edit.addAction(actions[Action.CLEAR_MARK])
    edit.addAction(actions[Action.AUTO_ADVANCE])
    edit.addSeparator()
    edit.addAction(actions[Action.LEARN])
    edit.addAction(actions[Action.RESET_LEARNING])
    edit.addSeparator()
    edit.addAction(actions[Action.PREFERENCES])

    view = bar.addMenu("&View")
    show = view.addMenu("&Show")
    for action in actions.filters.values():
        show.addAction(action)
    order = view.addMenu("&Order By")
    for action in actions.orders.values():
        order.addAction(action)
    view.addSeparator()
    view.addAction(actions[Action.ZOOM_IN])
    view.addAction(actions[Action.ZOOM_OUT])
    view.addSeparator()
    view.addAction(actions[Action.LARGE_PREVIEW])
    preview_toggle.setText("Preview &Pane")
    preview_toggle.setShortcut(QKeySequence("F3"))
    view.addAction(preview_toggle)

    sort = bar.addMenu("&Sort")
    sort.addAction(actions[Action.SORT])
    sort.addAction(actions[Action.UNDO_SORT])
    sort.addAction(actions[Action.LAST_SORT])

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions[Action.SHORTCUTS])
    help_menu.addAction(actions[Action.ABOUT])
    return recent


def fill_recent_menu(menu: QMenu, settings: QSettings, open_folder: Callable[[Path], None]) -> None:
    """Filled each time it opens, so it always shows the current list."""
    menu.clear()
    recent = keys.read_list(settings, keys.RECENT_FOLDERS)
    for folder in recent:
        action = menu.addAction(folder)
        action.triggered.connect(lambda _=False, path=folder: open_folder(Path(path)))
    if not recent:
        menu.addAction("No recent folders").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear Menu").triggered.connect(
            lambda: settings.setValue(keys.RECENT_FOLDERS, [])
        )


@dataclass(frozen=True)
class Toolbar:
    bar: QToolBar
    recursive_box: QCheckBox
    filter_box: QComboBox
    order_box: QComboBox
    size_slider: QSlider


def show_pet_filters(filter_box: QComboBox, pets: list[str]) -> list[str]:
    """One entry per named pet (its label, ``cat/Luna``) after the statuses in Show; returns
    their keys."""
    keys = [pet_filter(label) for label in pets]
    if [filter_box.itemData(i) for i in range(len(FILTERS), filter_box.count())] != keys:
        while filter_box.count() > len(FILTERS):
            filter_box.removeItem(filter_box.count() - 1)
        for key in keys:
            filter_box.addItem(filter_name(key), key)
    return keys


def build_toolbar(window: QMainWindow, actions: Actions) -> Toolbar:
    bar = QToolBar("Main", window)
    bar.setObjectName("mainToolBar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(bar)
    for key in (Action.OPEN, Action.RESCAN, Action.CANCEL_SCAN):
        bar.addAction(actions[key])
    recursive = actions[Action.RECURSIVE]
    recursive_box = QCheckBox("Subfolders")
    recursive_box.setToolTip(recursive.toolTip())
    recursive_box.toggled.connect(recursive.setChecked)
    recursive.toggled.connect(recursive_box.setChecked)
    bar.addWidget(_spaced(recursive_box))
    bar.addSeparator()

    filter_box = QComboBox()
    filter_box.setToolTip(f"Which photos to show (Ctrl+1 … Ctrl+{len(FILTERS)})")
    filter_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for name, text in FILTERS.items():
        filter_box.addItem(text, name)
    filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    # Never squeezed: with its counts ("Unsure (1234)") it must still read whole at 1024 px.
    filter_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    bar.addWidget(_spaced(QLabel("Show:")))
    bar.addWidget(filter_box)
    order_box = QComboBox()
    order_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for name, text in SORT_ORDERS.items():
        order_box.addItem(text, name)
    bar.addWidget(_spaced(QLabel("Order:")))
    bar.addWidget(order_box)
    bar.addSeparator()

    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(MIN_THUMBNAIL, MAX_THUMBNAIL)
    slider.setSingleStep(16)
    slider.setPageStep(32)
    slider.setFixedWidth(84)
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    slider.setToolTip("Thumbnail size (Ctrl+plus / Ctrl+minus)")
    bar.addWidget(_spaced(QLabel("Size:")))
    bar.addWidget(slider)

    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    bar.addAction(actions[Action.UNDO_SORT])
    bar.addAction(actions[Action.SORT])
    sort_button = bar.widgetForAction(actions[Action.SORT])
    if isinstance(sort_button, QToolButton):
        font = sort_button.font()
        font.setBold(True)
        sort_button.setFont(font)
    # Secondary commands show only their icon (with a tooltip), so the whole bar, and above all
    # "Sort into Folders", fits a laptop-width window instead of hiding behind the overflow.
    # Undo Last Sort keeps a short label: a bare arrow says nothing about what it would undo.
    actions[Action.UNDO_SORT].setIconText("Undo Sort")
    for key in (Action.RESCAN, Action.CANCEL_SCAN):
        button = bar.widgetForAction(actions[key])
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return Toolbar(bar, recursive_box, filter_box, order_box, slider)


def _spaced(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(6, 0, 2, 0)
    layout.addWidget(widget)
    return holder


class StatusWidgets:
    """Counts on the right of the status bar; scan progress beside them, only while a scan runs."""

    def __init__(self, status: QStatusBar, stop_scan: Callable[[], None]) -> None:
        self.counts = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(180)
        self.progress_bar.setTextVisible(False)
        self.progress_label = QLabel()
        sample = "88888/88888 · 888.8 photos/s · 88:88 left"
        self.progress_label.setMinimumWidth(
            self.progress_label.fontMetrics().horizontalAdvance(sample)
        )
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop scanning (Esc)")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(lambda _checked=False: stop_scan())
        for widget in (self.progress_label, self.progress_bar, self.cancel_button, self.counts):
            status.addPermanentWidget(widget)
        self.show_progress(False)

    def show_progress(self, visible: bool) -> None:
        for widget in (self.progress_bar, self.progress_label, self.cancel_button):
            widget.setVisible(visible)

    def scan_started(self) -> None:
        self.show_progress(True)
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("Looking for photos…")

    def scan_listed(self, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"0/{total}")

    def scan_progressed(self, progress: ScanProgress) -> None:
        self.progress_bar.setValue(progress.done)
        speed = f"{progress.per_second:.1f} photos/s" if progress.per_second else "… photos/s"
        self.progress_label.setText(
            f"{progress.done}/{progress.total} · {speed} · "
            f"{format_duration(progress.seconds_left)} left"
        )

    def scan_stopping(self) -> None:
        self.progress_label.setText("Stopping…")


class EmptyPage(QWidget):
    """What a new window shows: what the app does and a button to open a folder."""

    def __init__(self, open_folder: Callable[[], None]) -> None:
        super().__init__()
        self.button = self._build(open_folder)

    def _build(self, open_folder: Callable[[], None]) -> QPushButton:
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        title = QLabel("Open a folder of photos to start")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "DogCat Sorter finds the dogs and cats among your photos and moves them into "
            "<b>dogs</b> and <b>cats</b> folders. Nothing moves until you confirm, and every "
            "sort can be undone."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(min(520, text.fontMetrics().horizontalAdvance("x" * 80)))
        button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "Open Folder…"
        )
        button.setMinimumHeight(36)
        button.clicked.connect(lambda _checked=False: open_folder())
        hint = QLabel("or drop a folder onto this window")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setEnabled(False)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(hint)
        layout.addStretch(3)
        return button
