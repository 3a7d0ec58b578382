"""Label corrections as undoable commands, so a wrong key press costs one Ctrl+Z."""

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
        if label:
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
