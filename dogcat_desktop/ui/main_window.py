"""The main window: builds the widgets and wires them to the session and its controllers.

State lives in ``Session``; each flow has its controller (scanning, review, sorting, view) and
the window only connects their signals to what shows them. Which file holds what: see the
README's "Project layout".
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QMessageBox, QStackedWidget

from . import settings as keys
from .actions import Action, build_actions, shortcut_rows
from .counts import show_counts
from .delegate import DEFAULT_THUMBNAIL, PhotoDelegate
from .dialogs import NewPetDialog, PreferencesDialog, ShortcutsDialog, about_text
from .embedded_previews import EmbeddedPreviews
from .export import export_results
from .filter_model import (
    DEFAULT_ORDER,
    PET_FILTER,
    SORT_ORDERS,
    ResultsFilter,
    filter_name,
)
from .grid import PhotoGrid
from .learning import LearningController
from .preview import PreviewPane
from .results_model import Role
from .reveal import open_with_default_app, show_in_folder
from .review import ReviewController
from .scanning import ScanController
from .session import Message, Session
from .sorting import SortController
from .thumbnails import ThumbnailProvider
from .view import ViewController
from .window_chrome import (
    EmptyPage,
    StatusWidgets,
    build_menus,
    build_toolbar,
    fill_recent_menu,
    show_pet_filters,
)


class MainWindow(QMainWindow):
    def __init__(self, interactive: bool = True, load: bool = True) -> None:
        super().__init__()
        self.interactive = interactive
        self.messages: list[tuple[str, str]] = []  # (title, text) of every message shown
        self.session = Session(keys.app_settings(), self)
        self.setWindowTitle("DogCat Sorter")
        self.setAcceptDrops(True)
        self.resize(1180, 760)

        self.thumbnails = ThumbnailProvider()
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.session.results)
        self.previews = EmbeddedPreviews(self)
        self.delegate = PhotoDelegate(self.thumbnails, self, self.previews)
        self.grid = PhotoGrid(self.delegate)
        self.grid.setModel(self.proxy)
        self.preview = PreviewPane()
        self.preview_dock = self._build_preview_dock()

        session = self.session
        self.scans = ScanController(session, self)
        self.review = ReviewController(session, self.grid, self.proxy, self.preview)
        self.learning = LearningController(session)
        self.sorting = SortController(session, self.scans, self)
        self.view = ViewController(session.settings, self.proxy, self.grid, self.delegate, self)

        self.empty_page = EmptyPage(self.scans.open_folder_dialog)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.grid)
        self.setCentralWidget(self.stack)
        self.window_actions = build_actions(self, self.session.undo_stack)
        self.recent_menu = build_menus(
            self.menuBar(), self.window_actions, self.preview_dock.toggleViewAction()
        )
        self.toolbar = build_toolbar(self, self.window_actions)
        self.status_widgets = StatusWidgets(self.statusBar(), self.scans.cancel)
        self._counts_timer = QTimer(self, singleShot=True, interval=150)
        self._view_timer = QTimer(self, singleShot=True, interval=50)
        self._connect()
        self._restore_settings()
        self._update_actions()
        self._update_counts()
        if load:
            self.session.load_model()

    def _build_preview_dock(self) -> QDockWidget:
        dock = QDockWidget("Preview", self)
        dock.setObjectName("previewDock")
        dock.setWidget(self.preview)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        dock.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _connect(self) -> None:
        """Actions to the controllers that carry them out; signals to what shows them."""
        actions, session, scans, view = self.window_actions, self.session, self.scans, self.view
        triggers = {
            Action.OPEN: scans.open_folder_dialog,
            Action.RESCAN: self._refresh,
            Action.CANCEL_SCAN: scans.cancel,
            Action.EXPORT: lambda: export_results(session, self),
            Action.QUIT: self.close,
            Action.CLEAR_MARK: lambda: self.review.mark(None),
            Action.LARGE_PREVIEW: self.review.show_large_preview,
            Action.SHOW_IN_FOLDER: lambda: self.review.hand_over(show_in_folder, "show the folder"),
            Action.OPEN_DEFAULT: lambda: self.review.hand_over(
                open_with_default_app, "find an app"
            ),
            Action.PREFERENCES: self.show_preferences,
            Action.SORT: self.sorting.sort_into_folders,
            Action.UNDO_SORT: self.sorting.undo_last_sort,
            Action.LAST_SORT: self.sorting.show_last_sort,
            Action.ZOOM_IN: lambda: view.zoom(1),
            Action.ZOOM_OUT: lambda: view.zoom(-1),
            Action.SHORTCUTS: self.show_shortcuts,
            Action.ABOUT: self.show_about,
            Action.NEW_PET: self.new_pet,
            Action.RESET_LEARNING: self.reset_learning,
        }
        for key, slot in triggers.items():
            actions[key].triggered.connect(lambda _checked=False, slot=slot: slot())
        for label, action in actions.marks.items():
            action.triggered.connect(lambda _checked=False, value=label: self.review.mark(value))
        for name, action in actions.filters.items():
            action.triggered.connect(lambda _checked=False, value=name: view.set_filter(value))
        for name, action in actions.orders.items():
            action.triggered.connect(lambda _checked=False, value=name: view.set_order(value))
        actions[Action.RECURSIVE].toggled.connect(scans.set_recursive)
        actions[Action.AUTO_ADVANCE].setChecked(self.review.auto_advance)
        actions[Action.AUTO_ADVANCE].toggled.connect(self.review.set_auto_advance)
        for action in actions.pets:
            action.triggered.connect(lambda _checked=False, pet=action: self._name_as(pet.data()))
        actions.name_as = self._name_as
        self.review.pet_labels = self.learning.pet_labels
        actions[Action.LEARN].toggled.connect(self.learning.set_enabled)
        self.learning.pets_changed.connect(lambda: actions.show_pets(self.learning.pets()))
        self.learning.pets_changed.connect(self._show_pet_filters)
        self.learning.layer_changed.connect(self._show_learning)
        for action in actions.review_actions():
            self.grid.addAction(action)
            self.preview.addAction(action)

        toolbar = self.toolbar
        toolbar.filter_box.activated.connect(
            lambda index: view.set_filter(toolbar.filter_box.itemData(index))
        )
        toolbar.order_box.activated.connect(
            lambda index: view.set_order(toolbar.order_box.itemData(index))
        )
        toolbar.size_slider.valueChanged.connect(view.set_thumbnail_size)
        view.filter_changed.connect(self._show_filter)
        view.order_changed.connect(self._show_order)
        view.size_changed.connect(toolbar.size_slider.setValue)
        self.recent_menu.aboutToShow.connect(
            lambda: fill_recent_menu(self.recent_menu, session.settings, scans.open_folder)
        )
        self.grid.customContextMenuRequested.connect(self._context_menu)

        session.message.connect(self._show_message)
        session.status.connect(self._show_status)
        session.changed.connect(self._update_actions)
        session.folder_changed.connect(self._show_folder)
        session.model_ready.connect(self._model_ready)

        status = self.status_widgets
        scans.cleared.connect(self.thumbnails.clear)
        scans.cleared.connect(self.previews.clear)
        self.previews.arrived.connect(self.grid.viewport().update)
        scans.cleared.connect(lambda: self.preview.show_row(None))
        scans.started.connect(self.proxy.hold_order)
        scans.started.connect(status.scan_started)
        scans.listed.connect(status.scan_listed)
        scans.progress.connect(status.scan_progressed)
        scans.stopping.connect(status.scan_stopping)
        scans.finished.connect(self._scan_finished)
        scans.finished.connect(lambda *_args: self.learning.refill())
        scans.placeholder.connect(self.grid.set_placeholder)
        scans.recursive_changed.connect(self._show_recursive)
        # The photos in view are classified first; asked again once scrolling pauses.
        self._view_timer.timeout.connect(lambda: scans.prefer(self.grid.waiting_in_view()))
        # (Not start itself: it would take the scroll position for an interval.)
        self.grid.verticalScrollBar().valueChanged.connect(lambda _: self._view_timer.start())

        self._counts_timer.timeout.connect(self._update_counts)
        for signal in (
            session.results.rowsInserted,
            session.results.rowsRemoved,
            session.results.modelReset,
            session.results.dataChanged,
        ):
            signal.connect(self._schedule_counts)

    def _restore_settings(self) -> None:
        settings = self.session.settings
        geometry = settings.value(keys.GEOMETRY)
        if geometry:
            self.restoreGeometry(geometry)
        state = settings.value(keys.WINDOW_STATE)
        if state:
            self.restoreState(state)
        self.view.set_thumbnail_size(
            keys.read_int(settings, keys.THUMBNAIL_SIZE, DEFAULT_THUMBNAIL)
        )
        self._show_recursive(self.scans.recursive)
        # Least sure first on a fresh profile: review starts where the model needs a person.
        order = str(settings.value(keys.ORDER, DEFAULT_ORDER))
        self.view.set_order(order if order in SORT_ORDERS else DEFAULT_ORDER)
        self.view.set_filter("all")

    def _model_ready(self) -> None:
        scanner = self.session.scanner
        if scanner is not None and scanner.cache is not None:
            self.thumbnails.source = scanner.cache.thumbnail

    # What the window shows ----------------------------------------------------------------------

    def _show_folder(self, folder: Path) -> None:
        self.setWindowTitle(f"{folder.name or folder} — DogCat Sorter")
        self.stack.setCurrentWidget(self.grid)

    def _show_recursive(self, recursive: bool) -> None:
        action = self.window_actions[Action.RECURSIVE]
        action.blockSignals(True)  # the controller already knows
        action.setChecked(recursive)
        action.blockSignals(False)
        self.toolbar.recursive_box.setChecked(recursive)

    def _show_filter(self, key: str) -> None:
        self.window_actions.check_only(self.window_actions.filters, key)
        box = self.toolbar.filter_box
        box.setCurrentIndex(max(0, box.findData(key)))
        self.review.ensure_current()
        self._update_placeholder()

    def _show_pet_filters(self) -> None:
        """Show lists the named pets; a pet no longer there (Reset) takes its filter along."""
        keys = show_pet_filters(self.toolbar.filter_box, self.learning.pet_labels())
        current = self.proxy.status_filter
        if current.startswith(PET_FILTER) and current not in keys:
            self.view.set_filter("all")
        else:
            self._show_filter(current)
        self._schedule_counts()

    def _show_order(self, key: str) -> None:
        self.window_actions.check_only(self.window_actions.orders, key)
        box = self.toolbar.order_box
        box.setCurrentIndex(max(0, box.findData(key)))

    def _refresh(self) -> None:
        """F5: while a least-sure-first scan runs, sort what is known (the scan goes on);
        otherwise scan the folder again."""
        if self.scans.scanning and self.proxy.order_held and self.proxy.sort_order != "name":
            self.proxy.settle_order(keep_holding=True)
            self.session.show_status("Sorted by what is known so far; the scan goes on.", 5000)
        else:
            self.scans.rescan()

    def _scan_finished(self, _cancelled: bool, _stats: object) -> None:
        self.proxy.settle_order()
        self.status_widgets.show_progress(False)
        self._update_counts()
        self.review.ensure_current()

    def _show_learning(self, _layer: object) -> None:
        action = self.window_actions[Action.LEARN]
        action.blockSignals(True)  # the controller already knows
        action.setChecked(self.learning.enabled)
        action.blockSignals(False)
        self.review.schedule_preview()

    def _context_menu(self, position: QPoint) -> None:
        self.review.select_at(position)
        self.window_actions.context_menu(self).exec(self.grid.viewport().mapToGlobal(position))

    def _schedule_counts(self, *_args: object) -> None:
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _update_counts(self) -> None:
        show_counts(self.session.results, self.status_widgets.counts, self.toolbar.filter_box)
        self._update_placeholder()
        self._update_actions()

    def _update_placeholder(self) -> None:
        results = self.session.results
        if results.rowCount() and not self.proxy.rowCount():
            self.grid.set_placeholder(
                f"No photos to show under “{filter_name(self.proxy.status_filter)}”."
            )
        elif results.rowCount():
            self.grid.set_placeholder("")

    def _update_actions(self) -> None:
        session, actions = self.session, self.window_actions
        scanning, busy = session.scanning, session.busy
        has_folder = session.folder is not None
        has_rows = session.results.rowCount() > 0
        actions[Action.OPEN].setEnabled(not busy)
        self.recent_menu.setEnabled(not busy)
        actions[Action.RESCAN].setEnabled(has_folder and not busy and session.model_error is None)
        actions[Action.CANCEL_SCAN].setEnabled(scanning)
        actions[Action.EXPORT].setEnabled(has_rows)
        actions[Action.SORT].setEnabled(has_rows and not scanning and not busy)
        can_undo_sort = has_folder and not busy and session.has_journal
        undo_sort = actions[Action.UNDO_SORT]
        undo_sort.setEnabled(can_undo_sort)
        actions[Action.LAST_SORT].setEnabled(can_undo_sort)
        undo_sort.setToolTip(
            "Put the photos of the last sort back where they were (Ctrl+Shift+M)"
            if can_undo_sort
            else "Nothing to undo: no sort of this folder is on record"
        )

    # Help and preferences -------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = shortcut_rows(self.window_actions, self.preview_dock.toggleViewAction())
        ShortcutsDialog(rows, self).exec()

    def show_about(self) -> None:
        scanner = self.session.scanner
        card = scanner.classifier.card.raw if scanner else None
        personal = self.learning.layer.status().describe()
        self.session.show_message(
            QMessageBox.Icon.Information,
            "About DogCat Sorter",
            about_text(card, personal),
            rich=True,
        )

    # Named pets and the personal layer ----------------------------------------------------------

    def new_pet(self, name: str | None = None, species: str | None = None) -> None:
        """Name a new pet; the selected photos get its name. ``name`` skips the dialog."""
        if name is None or species is None:
            current = self.grid.currentIndex()
            label = current.data(Role.LABEL) if current.isValid() else None
            dialog = NewPetDialog("cat" if label == "cat" else "dog", self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            name, species = dialog.name, dialog.species
        try:
            label = self.learning.add_pet(species, name)
        except ValueError as exc:
            self.session.show_status(f"Not a pet's name: {exc}", 6000)
            return
        self.window_actions.show_pets(self.learning.pets())
        if self.review.selected_source_rows():
            self.review.mark(label)
        else:
            self.session.show_status(f"Select photos of {name} and name them from Edit › Name As.")

    def _name_as(self, label: object) -> None:
        if isinstance(label, str):
            self.review.mark(label)

    def reset_learning(self) -> None:
        """Forget what the personal layer learnt, after asking; the labels themselves stay."""
        if self.interactive:
            answer = QMessageBox.question(
                self,
                "Reset What It Learnt",
                "Forget everything learnt from your labels? The labels you set on photos stay, "
                "and it learns again from the labels you set from now on.",
                QMessageBox.StandardButton.Reset | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Reset:
                return
        self.learning.reset()

    def show_preferences(self) -> None:
        session = self.session
        reopen = keys.read_bool(session.settings, keys.REOPEN_LAST, True)
        dialog = PreferencesDialog(session.threshold, session.model_threshold, reopen, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            session.set_threshold(dialog.threshold)
            session.settings.setValue(keys.REOPEN_LAST, dialog.reopen_last)

    # Messages -------------------------------------------------------------------------------------

    def _show_message(self, message: Message) -> None:
        """Every message comes here: a box when interactive, stderr otherwise."""
        self.messages.append((message.title, message.text))
        if not self.interactive:
            print(f"{message.title}: {message.text}", file=sys.stderr)
            return
        box = QMessageBox(
            message.icon, message.title, message.text, QMessageBox.StandardButton.Ok, self
        )
        # A file or folder name in a message is shown as it is, never taken for markup.
        box.setTextFormat(Qt.TextFormat.RichText if message.rich else Qt.TextFormat.PlainText)
        if message.details:
            box.setDetailedText(message.details)
        box.exec()

    def _show_status(self, text: str, timeout_ms: int) -> None:
        if text:
            self.statusBar().showMessage(text, timeout_ms)
        else:
            self.statusBar().clearMessage()

    # Window events --------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Anything with a place in it is taken: what cannot be opened is explained on drop."""
        if event.mimeData().hasUrls() and not self.session.busy:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        event.acceptProposedAction()
        folder = self._dropped_folder(event)
        if folder is not None:
            self.scans.open_folder(folder)
            return
        urls = event.mimeData().urls()
        what = urls[0].toString() if urls else "That"
        self.session.show_message(
            QMessageBox.Icon.Warning,
            "Cannot open what was dropped",
            f"“{what}” is not a folder on this computer. Drop a folder of photos (or a photo "
            "in one) to open it.",
        )

    @staticmethod
    def _dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
        """The first dropped folder, or the folder of the first dropped photo."""
        for url in event.mimeData().urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.is_dir():
                    return path
                if path.is_file():
                    return path.parent
        return None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.session.busy:
            self.session.show_message(
                QMessageBox.Icon.Information,
                "Please wait",
                "Photos are being moved. The window can be closed once that has finished.",
            )
            event.ignore()
            return
        self.scans.stop_all()
        self.learning.stop()
        self.previews.stop()
        settings = self.session.settings
        settings.setValue(keys.GEOMETRY, self.saveGeometry())
        settings.setValue(keys.WINDOW_STATE, self.saveState())
        settings.sync()
        self.session.close()
        super().closeEvent(event)
