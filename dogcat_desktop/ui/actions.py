"""The window's commands as actions, shared by its menus, toolbar, context menu and shortcuts.

Actions are defined here (text, keys, icon, tip) and keyed by ``Action``, as Picard keys its
own by ``MainAction``; the window connects them to the controllers that carry them out.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMenu, QStyle, QWidget

from ..core.personal import format_label
from .filter_model import FILTERS, SORT_ORDERS
from .style import MARKABLE, STYLES

Shortcut = QKeySequence | QKeySequence.StandardKey | Qt.Key | str


class Action(Enum):
    OPEN = auto()
    RESCAN = auto()
    CANCEL_SCAN = auto()
    RECURSIVE = auto()
    EXPORT = auto()
    QUIT = auto()
    UNDO = auto()
    REDO = auto()
    CLEAR_MARK = auto()
    AUTO_ADVANCE = auto()
    LARGE_PREVIEW = auto()
    SHOW_IN_FOLDER = auto()
    OPEN_DEFAULT = auto()
    PREFERENCES = auto()
    SORT = auto()
    UNDO_SORT = auto()
    LAST_SORT = auto()
    ZOOM_IN = auto()
    ZOOM_OUT = auto()
    SHORTCUTS = auto()
    ABOUT = auto()
    NEW_PET = auto()
    LEARN = auto()
    RESET_LEARNING = auto()


PET_KEYS = 9  # keys 1 to 9 name the selected photos as the first nine named pets


def make_action(
    parent: QWidget,
    text: str,
    shortcut: Shortcut | None = None,
    icon: QStyle.StandardPixmap | None = None,
    tip: str = "",
    checkable: bool = False,
) -> QAction:
    """An action added to ``parent``, so its shortcut works wherever the focus is inside it."""
    action = QAction(text, parent)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    parent.addAction(action)
    return action


class Actions:
    """Every command of the window: ``actions[Action.SORT]``, plus the families built from the
    tables (``marks`` by label, ``filters`` and ``orders`` by key)."""

    def __init__(
        self,
        keyed: dict[Action, QAction],
        marks: dict[str, QAction],
        filters: dict[str, QAction],
        orders: dict[str, QAction],
        pets: list[QAction] | None = None,
    ) -> None:
        self._actions = keyed
        self.marks = marks
        self.filters = filters
        self.orders = orders
        self.pets = pets or []  # "Name as Rex" for each named pet, data: "dog/Rex"
        self._pet_list: list[tuple[str, str]] = []
        self.name_as: Callable[[str], None] | None = None  # names the selection (the window's)

    def __getitem__(self, key: Action) -> QAction:
        return self._actions[key]

    def review_actions(self) -> list[QAction]:
        """The actions that label photos or show one large; also added to grid and preview."""
        return [
            *self.marks.values(),
            *self.pets,
            self[Action.CLEAR_MARK],
            self[Action.LARGE_PREVIEW],
        ]

    def show_pets(self, pets: list[tuple[str, str]]) -> None:
        """One 'Name as' action per named pet (species, name), keys 1 to 9 in this order."""
        self._pet_list = list(pets)
        for number, action in enumerate(self.pets):
            if number < len(pets):
                species, name = pets[number]
                action.setText(f"&{number + 1} {name} ({species})")
                action.setData(format_label(species, name))
                action.setVisible(True)
            else:
                action.setVisible(False)
                action.setData(None)

    def fill_pet_menu(self, menu: QMenu) -> None:
        """Edit › Name As and the context menu's: the pets, then New Pet…"""
        menu.clear()
        shown = [action for action in self.pets if action.isVisible()]
        for action in shown:
            menu.addAction(action)
        for species, name in self._pet_list[len(self.pets) :]:  # beyond the keys: menu only
            extra = menu.addAction(f"{name} ({species})")
            label = format_label(species, name)
            extra.triggered.connect(lambda _checked=False, label=label: self._name(label))
        if not shown:
            menu.addAction("No named pets yet").setEnabled(False)
        menu.addSeparator()
        menu.addAction(self[Action.NEW_PET])

    def _name(self, label: str) -> None:
        if self.name_as is not None:
            self.name_as(label)

    def context_menu(self, parent: QWidget) -> QMenu:
        """The grid's right-click menu."""
        menu = QMenu(parent)
        for action in self.marks.values():
            menu.addAction(action)
        self.fill_pet_menu(menu.addMenu("Name &As"))
        menu.addAction(self[Action.CLEAR_MARK])
        menu.addSeparator()
        menu.addAction(self[Action.LARGE_PREVIEW])
        menu.addAction(self[Action.SHOW_IN_FOLDER])
        menu.addAction(self[Action.OPEN_DEFAULT])
        return menu

    def check_only(self, family: dict[str, QAction], key: str) -> None:
        """Tick ``key`` in a family of exclusive choices (filters, orders)."""
        for name, action in family.items():
            action.setChecked(name == key)


def build_actions(window: QWidget, undo_stack: QUndoStack) -> Actions:
    """Every action, added to ``window`` so its shortcut works wherever the focus is in it."""
    sp = QStyle.StandardPixmap
    add = make_action
    keyed: dict[Action, QAction] = {
        Action.OPEN: add(
            window,
            "&Open Folder…",
            QKeySequence.StandardKey.Open,
            sp.SP_DirOpenIcon,
            "Choose a folder of photos to scan",
        ),
        Action.RESCAN: add(
            window,
            "&Re-scan",
            "F5",
            sp.SP_BrowserReload,
            "Scan the folder again (known photos come from the cache)",
        ),
        Action.CANCEL_SCAN: add(
            window,
            "&Stop Scan",
            Qt.Key.Key_Escape,
            sp.SP_BrowserStop,
            "Stop scanning; the photos scanned so far stay",
        ),
        Action.RECURSIVE: add(
            window,
            "Include &Subfolders",
            tip="Also scan the folders inside the folder",
            checkable=True,
        ),
        Action.EXPORT: add(
            window, "&Export Results…", "Ctrl+E", tip="Save the labels as a CSV file"
        ),
        Action.QUIT: add(window, "&Quit", QKeySequence.StandardKey.Quit),
        Action.UNDO: undo_stack.createUndoAction(window, "&Undo"),
        Action.REDO: undo_stack.createRedoAction(window, "&Redo"),
        Action.CLEAR_MARK: add(
            window,
            "Use &Model's Label",
            Qt.Key.Key_Backspace,
            tip="Forget your label for the selected photos",
        ),
        Action.AUTO_ADVANCE: add(
            window,
            "&Auto-Advance After Marking",
            tip="After D, C or N, go on to the next photo",
            checkable=True,
        ),
        Action.LARGE_PREVIEW: add(window, "&Large Preview", Qt.Key.Key_Space),
        Action.SHOW_IN_FOLDER: add(
            window,
            "Show in &Folder",
            "Ctrl+Shift+R",
            tip="Show the current photo in the file manager",
        ),
        Action.OPEN_DEFAULT: add(
            window,
            "Open With &Default App",
            "Ctrl+Shift+O",
            tip="Open the current photo in the system's viewer or editor",
        ),
        Action.PREFERENCES: add(window, "&Preferences…", QKeySequence.StandardKey.Preferences),
        Action.SORT: add(
            window,
            "&Sort into Folders…",
            "Ctrl+M",
            sp.SP_DialogApplyButton,
            "Move dogs into dogs/ and cats into cats/, after a preview",
        ),
        Action.UNDO_SORT: add(
            window,
            "&Undo Last Sort",
            "Ctrl+Shift+M",
            sp.SP_ArrowBack,
            "Put the photos of the last sort back where they were",
        ),
        Action.LAST_SORT: add(
            window,
            "Show &Last Sort…",
            tip="Every photo the last sort moved, and where; with Undo beside it",
        ),
        Action.ZOOM_IN: add(window, "&Larger Thumbnails", QKeySequence.StandardKey.ZoomIn),
        Action.ZOOM_OUT: add(window, "&Smaller Thumbnails", QKeySequence.StandardKey.ZoomOut),
        Action.SHORTCUTS: add(window, "&Keyboard Shortcuts", QKeySequence.StandardKey.HelpContents),
        Action.ABOUT: add(window, "&About DogCat Sorter"),
        Action.NEW_PET: add(
            window,
            "&New Pet…",
            "Ctrl+Shift+N",
            tip="Name one of your pets; the selected photos get its name",
        ),
        Action.LEARN: add(
            window,
            "&Learn from My Labels",
            tip="Let the labels you set correct the model on photos like them",
            checkable=True,
        ),
        Action.RESET_LEARNING: add(
            window,
            "&Reset What It Learnt…",
            tip="Forget what was learnt from your labels (the labels themselves stay)",
        ),
    }
    keyed[Action.LEARN].setChecked(True)
    keyed[Action.UNDO].setShortcut(QKeySequence.StandardKey.Undo)
    keyed[Action.REDO].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    window.addAction(keyed[Action.UNDO])
    window.addAction(keyed[Action.REDO])
    if keyed[Action.PREFERENCES].shortcut().isEmpty():
        keyed[Action.PREFERENCES].setShortcut(QKeySequence("Ctrl+,"))
    marks = {
        status.value: add(window, f"Mark as &{STYLES[status].name}", STYLES[status].key)
        for status in MARKABLE
    }
    filters = {
        key: add(window, text, f"Ctrl+{number}", checkable=True)
        for number, (key, text) in enumerate(FILTERS.items(), start=1)
    }
    orders = {key: add(window, text, checkable=True) for key, text in SORT_ORDERS.items()}
    pets = [add(window, f"Pet {number}", str(number)) for number in range(1, PET_KEYS + 1)]
    for action in pets:
        action.setVisible(False)
    actions = Actions(keyed, marks, filters, orders, pets)
    # Labelling keys are plain letters: they act in the grid and the preview, not everywhere.
    for action in actions.review_actions():
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    return actions


def shortcut_rows(actions: Actions, preview_toggle: QAction) -> list[tuple[str, str]]:
    """(keys, what they do) for the shortcuts dialog, read from the actions themselves so the
    list shows the platform's actual keys."""
    entries = [
        *(
            (actions.marks[status.value], f"Mark the selected photos as {STYLES[status].name}")
            for status in MARKABLE
        ),
        (actions[Action.NEW_PET], "Name a new pet (the selected photos get its name)"),
        (actions[Action.CLEAR_MARK], "Forget your label (use the model's)"),
        (actions[Action.LARGE_PREVIEW], "Show the photo large (Space or Esc closes it)"),
        (actions[Action.SHOW_IN_FOLDER], "Show the photo in the file manager"),
        (actions[Action.OPEN_DEFAULT], "Open the photo in the system's default app"),
        (actions[Action.UNDO], "Undo the last label change or sort"),
        (actions[Action.REDO], "Redo"),
        (actions[Action.OPEN], "Open a folder"),
        (actions[Action.RESCAN], "Scan the folder again"),
        (actions[Action.CANCEL_SCAN], "Stop the scan"),
        (actions[Action.SORT], "Sort into dogs/ and cats/ (with a preview first)"),
        (actions[Action.UNDO_SORT], "Undo the last sort"),
        (actions[Action.ZOOM_IN], "Larger thumbnails"),
        (actions[Action.ZOOM_OUT], "Smaller thumbnails"),
        (preview_toggle, "Show or hide the preview pane"),
        (actions[Action.EXPORT], "Export the results as CSV"),
        (actions[Action.PREFERENCES], "Preferences"),
    ]
    rows = [
        ("Arrow keys", "Move between photos"),
        ("Shift+arrows, Ctrl+A", "Select several photos"),
    ]
    for action, text in entries:
        sequences = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        rows.append((", ".join(s for s in sequences if s), text))
    rows.insert(
        2 + len(MARKABLE),
        (f"1 … {PET_KEYS}", "Name the selected photos as your pets (Edit › Name As)"),
    )
    shown = ", ".join(text.split()[0].lower() for text in FILTERS.values())
    rows.append((f"Ctrl+1 … Ctrl+{len(FILTERS)}", f"Show {shown}"))
    return rows
