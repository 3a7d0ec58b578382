"""Label corrections and sorts as undoable commands, so a wrong key press costs one Ctrl+Z."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QUndoCommand

from ..core.corrections import FileVersion
from .style import style_of

ApplyCorrections = Callable[[Sequence[tuple[FileVersion, str | None]]], None]


class CorrectionCommand(QUndoCommand):
    """Sets one label on several photos; undo gives each back its own previous correction."""

    def __init__(
        self,
        apply: ApplyCorrections,
        changes: Sequence[tuple[FileVersion, str | None, str | None]],
        label: str | None,
    ) -> None:
        count = len(changes)
        photos = "" if count == 1 else f" {count} photos"
        pet = label.partition("/")[2] if label else ""
        if pet:
            name = f"Name{photos} as {pet}"
        elif label:
            name = f"Mark{photos} as {style_of(label).name}"
        else:
            name = f"Use Model's Label{' for' + photos if photos else ''}"
        super().__init__(name)
        self._apply = apply
        self._changes = list(changes)

    def redo(self) -> None:
        self._apply([(version, new) for version, _old, new in self._changes])

    def undo(self) -> None:
        self._apply([(version, old) for version, old, _new in self._changes])


class SortCommand(QUndoCommand):
    """A sort that has happened, on the same Ctrl+Z as label changes (as in Finder and Photos).

    Pushed after the photos moved, so its first redo does nothing; undo asks for the sort to be
    undone (from its journal, on a background task) and leaves the stack, as a sort cannot be
    redone from here: the person sorts again, with a fresh preview.
    """

    def __init__(self, undo_sort: Callable[[], None], moved: int) -> None:
        super().__init__(f"Sort of {moved} Photo{'' if moved == 1 else 's'}")
        self._undo_sort = undo_sort

    def redo(self) -> None:
        """The photos moved before the command was pushed."""

    def undo(self) -> None:
        self.setObsolete(True)
        self._undo_sort()
