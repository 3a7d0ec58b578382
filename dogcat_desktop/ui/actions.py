"""The window's commands as actions, shared by its menus, toolbar, context menu and shortcuts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle

from .filter_model import FILTERS, SORT_ORDERS
from .style import MARKABLE, STYLES

if TYPE_CHECKING:
    from .main_window import MainWindow


def add_action(
    window: MainWindow,
    text: str,
    slot: Callable[..., object] | None = None,
    shortcut: QKeySequence | str | Sequence[QKeySequence | str] | None = None,
    icon: QStyle.StandardPixmap | None = None,
    tip: str = "",
    checkable: bool = False,
) -> QAction:
    """An action added to the window, so its shortcut works wherever the focus is."""
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_actions(window: MainWindow) -> None:
    """Create every ``window.action_*``; the review actions also work inside grid and preview."""
    sp = QStyle.StandardPixmap
    window.action_open = add_action(
        window,
        "&Open Folder…",
        window.open_folder_dialog,
        QKeySequence.StandardKey.Open,
        sp.SP_DirOpenIcon,
        "Choose a folder of photos to scan",
    )
    window.action_rescan = add_action(
        window,
        "&Re-scan",
        window.rescan,
        "F5",
        sp.SP_BrowserReload,
        "Scan the folder again (known photos come from the cache)",
    )
    window.action_cancel = add_action(
        window,
        "&Stop Scan",
        window.cancel_scan,
        Qt.Key.Key_Escape,
        sp.SP_BrowserStop,
        "Stop scanning; the photos scanned so far stay",
    )
    window.action_recursive = add_action(
        window,
        "Include &Subfolders",
        None,
        tip="Also scan the folders inside the folder",
        checkable=True,
    )
    window.action_recursive.toggled.connect(window.scans.recursive_changed)
    window.action_export = add_action(
        window,
        "&Export Results…",
        window.export_results,
        "Ctrl+E",
        tip="Save the labels as a CSV file",
    )
    window.action_quit = add_action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit)

    window.action_undo = window.undo_stack.createUndoAction(window, "&Undo")
    window.action_undo.setShortcut(QKeySequence.StandardKey.Undo)
    window.action_redo = window.undo_stack.createRedoAction(window, "&Redo")
    window.action_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    window.addAction(window.action_undo)
    window.addAction(window.action_redo)

    _build_review_actions(window)
    window.action_preferences = add_action(
        window,
        "&Preferences…",
        window.show_preferences,
        QKeySequence.StandardKey.Preferences,
    )
    if window.action_preferences.shortcut().isEmpty():
        window.action_preferences.setShortcut(QKeySequence("Ctrl+,"))

    window.action_sort = add_action(
        window,
        "&Sort into Folders…",
        window.sort_into_folders,
        "Ctrl+M",
        sp.SP_DialogApplyButton,
        "Move dogs into dogs/ and cats into cats/, after a preview",
    )
    window.action_undo_sort = add_action(
        window,
        "&Undo Last Sort",
        window.undo_last_sort,
        "Ctrl+Shift+M",
        sp.SP_ArrowBack,
        "Put the photos of the last sort back where they were",
    )
    _build_view_actions(window)
    window.action_shortcuts = add_action(
        window,
        "&Keyboard Shortcuts",
        window.show_shortcuts,
        QKeySequence.StandardKey.HelpContents,
    )
    window.action_about = add_action(window, "&About DogCat Sorter", window.show_about)


def _build_review_actions(window: MainWindow) -> None:
    """Labelling and the large preview; their keys are plain letters, so they are scoped to
    the grid and the preview rather than the whole window."""
    marks: dict[str, QAction] = {}
    for status in MARKABLE:
        style, value = STYLES[status], status.value
        action = add_action(
            window, f"Mark as &{style.name}", lambda value=value: window.mark(value), style.key
        )
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        marks[status.value] = action
    window.action_mark = marks
    window.action_clear = add_action(
        window,
        "Use &Model's Label",
        lambda: window.mark(None),
        Qt.Key.Key_Backspace,
        tip="Forget your label for the selected photos",
    )
    window.action_clear.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.action_large_preview = add_action(
        window,
        "&Large Preview",
        window.show_large_preview,
        Qt.Key.Key_Space,
    )
    window.action_large_preview.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    for action in (*window.action_mark.values(), window.action_clear, window.action_large_preview):
        window.grid.addAction(action)
        window.preview.addAction(action)


def _build_view_actions(window: MainWindow) -> None:
    """Thumbnail size, which photos to show and in what order."""
    window.action_zoom_in = add_action(
        window,
        "&Larger Thumbnails",
        lambda: window.set_thumbnail_size(window.delegate.thumbnail_size + 16),
        QKeySequence.StandardKey.ZoomIn,
    )
    window.action_zoom_out = add_action(
        window,
        "&Smaller Thumbnails",
        lambda: window.set_thumbnail_size(window.delegate.thumbnail_size - 16),
        QKeySequence.StandardKey.ZoomOut,
    )
    filters: dict[str, QAction] = {}
    for number, (key, text) in enumerate(FILTERS.items(), start=1):
        filters[key] = add_action(
            window,
            text,
            lambda value=key: window.set_filter(value),
            f"Ctrl+{number}",
            checkable=True,
        )
    window.action_filter = filters
    orders: dict[str, QAction] = {}
    for key, text in SORT_ORDERS.items():
        orders[key] = add_action(
            window, text, lambda value=key: window.set_order(value), checkable=True
        )
    window.action_order = orders


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for the shortcuts dialog, read from the actions themselves so the
    list shows the platform's actual keys."""
    entries = [
        *(
            (window.action_mark[status.value], f"Mark the selected photos as {STYLES[status].name}")
            for status in MARKABLE
        ),
        (window.action_clear, "Forget your label (use the model's)"),
        (window.action_large_preview, "Show the photo large (Space or Esc closes it)"),
        (window.action_undo, "Undo the last label change"),
        (window.action_redo, "Redo"),
        (window.action_open, "Open a folder"),
        (window.action_rescan, "Scan the folder again"),
        (window.action_cancel, "Stop the scan"),
        (window.action_sort, "Sort into dogs/ and cats/ (with a preview first)"),
        (window.action_undo_sort, "Undo the last sort"),
        (window.action_zoom_in, "Larger thumbnails"),
        (window.action_zoom_out, "Smaller thumbnails"),
        (window.preview_dock.toggleViewAction(), "Show or hide the preview pane"),
        (window.action_export, "Export the results as CSV"),
    ]
    rows = [
        ("Arrow keys", "Move between photos"),
        ("Shift+arrows, Ctrl+A", "Select several photos"),
    ]
    for action, text in entries:
        sequences = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        rows.append((", ".join(s for s in sequences if s), text))
    shown = ", ".join(text.split()[0].lower() for text in FILTERS.values())
    rows.append((f"Ctrl+1 … Ctrl+{len(FILTERS)}", f"Show {shown}"))
    return rows
