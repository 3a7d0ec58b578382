"""The window's menus, toolbar, status bar and the page shown before a folder is open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import settings as keys
from .delegate import MAX_THUMBNAIL, MIN_THUMBNAIL
from .filter_model import FILTERS, SORT_ORDERS

if TYPE_CHECKING:
    from .main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(window.action_open)
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(window))
    file_menu.addSeparator()
    file_menu.addAction(window.action_rescan)
    file_menu.addAction(window.action_cancel)
    file_menu.addAction(window.action_recursive)
    file_menu.addSeparator()
    file_menu.addAction(window.action_export)
    file_menu.addSeparator()
    file_menu.addAction(window.action_quit)

    edit = bar.addMenu("&Edit")
    edit.addAction(window.action_undo)
    edit.addAction(window.action_redo)
    edit.addSeparator()
    for action in window.action_mark.values():
        edit.addAction(action)
    edit.addAction(window.action_clear)
    edit.addSeparator()
    edit.addAction(window.action_preferences)

    view = bar.addMenu("&View")
    show = view.addMenu("&Show")
    for action in window.action_filter.values():
        show.addAction(action)
    order = view.addMenu("&Order By")
    for action in window.action_order.values():
        order.addAction(action)
    view.addSeparator()
    view.addAction(window.action_zoom_in)
    view.addAction(window.action_zoom_out)
    view.addSeparator()
    view.addAction(window.action_large_preview)
    toggle = window.preview_dock.toggleViewAction()
    toggle.setText("Preview &Pane")
    toggle.setShortcut(QKeySequence("F3"))
    view.addAction(toggle)

    sort = bar.addMenu("&Sort")
    sort.addAction(window.action_sort)
    sort.addAction(window.action_undo_sort)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(window.action_shortcuts)
    help_menu.addAction(window.action_about)


def fill_recent_menu(window: MainWindow) -> None:
    """Filled each time it opens, so it always shows the current list."""
    menu = window.recent_menu
    menu.clear()
    recent = keys.read_list(window.settings, keys.RECENT_FOLDERS)
    for folder in recent:
        action = menu.addAction(folder)
        action.triggered.connect(lambda _=False, path=folder: window.open_folder(Path(path)))
    if not recent:
        menu.addAction("No recent folders").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear Menu").triggered.connect(
            lambda: window.settings.setValue(keys.RECENT_FOLDERS, [])
        )


def build_toolbar(window: MainWindow) -> None:
    bar = QToolBar("Main", window)
    bar.setObjectName("mainToolBar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(bar)
    bar.addAction(window.action_open)
    bar.addAction(window.action_rescan)
    bar.addAction(window.action_cancel)
    window.recursive_box = QCheckBox("Include subfolders")
    window.recursive_box.setToolTip(window.action_recursive.toolTip())
    window.recursive_box.toggled.connect(window.action_recursive.setChecked)
    window.action_recursive.toggled.connect(window.recursive_box.setChecked)
    bar.addWidget(_spaced(window.recursive_box))
    bar.addSeparator()

    filter_box = window.filter_box = QComboBox()
    filter_box.setToolTip("Which photos to show (Ctrl+1 … Ctrl+6)")
    filter_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for key, text in FILTERS.items():
        filter_box.addItem(text, key)
    filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    filter_box.activated.connect(lambda index: window.set_filter(filter_box.itemData(index)))
    bar.addWidget(_spaced(QLabel("Show:")))
    bar.addWidget(filter_box)
    order_box = window.order_box = QComboBox()
    order_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for key, text in SORT_ORDERS.items():
        order_box.addItem(text, key)
    order_box.activated.connect(lambda index: window.set_order(order_box.itemData(index)))
    bar.addWidget(_spaced(QLabel("Order:")))
    bar.addWidget(order_box)
    bar.addSeparator()

    slider = window.size_slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(MIN_THUMBNAIL, MAX_THUMBNAIL)
    slider.setSingleStep(16)
    slider.setPageStep(32)
    slider.setFixedWidth(110)
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    slider.setToolTip("Thumbnail size (Ctrl+plus / Ctrl+minus)")
    slider.valueChanged.connect(window.set_thumbnail_size)
    bar.addWidget(_spaced(QLabel("Size:")))
    bar.addWidget(slider)

    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    bar.addAction(window.action_undo_sort)
    bar.addAction(window.action_sort)
    sort_button = bar.widgetForAction(window.action_sort)
    if isinstance(sort_button, QToolButton):
        font = sort_button.font()
        font.setBold(True)
        sort_button.setFont(font)
    # Secondary commands show only their icon (with a tooltip), so the whole bar, and above all
    # "Sort into Folders", fits a laptop-width window instead of hiding behind the overflow.
    for action in (window.action_rescan, window.action_cancel, window.action_undo_sort):
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    window.toolbar = bar


def _spaced(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(8, 0, 4, 0)
    layout.addWidget(widget)
    return holder


def build_status_bar(window: MainWindow) -> None:
    """Counts on the right; scan progress beside them, shown only while a scan runs."""
    status = window.statusBar()
    window.counts_label = QLabel()
    window.progress_bar = QProgressBar()
    window.progress_bar.setFixedWidth(180)
    window.progress_bar.setTextVisible(False)
    window.progress_label = QLabel()
    sample = "88888/88888 · 888.8 photos/s · 88:88 left"
    window.progress_label.setMinimumWidth(
        window.progress_label.fontMetrics().horizontalAdvance(sample)
    )
    window.cancel_button = QPushButton("Stop")
    window.cancel_button.setToolTip("Stop scanning (Esc)")
    window.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    window.cancel_button.clicked.connect(window.cancel_scan)
    status.addPermanentWidget(window.progress_label)
    status.addPermanentWidget(window.progress_bar)
    status.addPermanentWidget(window.cancel_button)
    status.addPermanentWidget(window.counts_label)
    window.scans.show_progress(False)


def build_empty_page(window: MainWindow) -> QWidget:
    """What a new window shows: what the app does and a button to open a folder."""
    page = QWidget()
    layout = QVBoxLayout(page)
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
        window.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "Open Folder…"
    )
    button.setMinimumHeight(36)
    button.clicked.connect(window.open_folder_dialog)
    window.empty_button = button
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
    return page
