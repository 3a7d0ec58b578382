"""Handing a photo to the rest of the desktop: its folder in the file manager, or the app the
system opens it with."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def show_in_folder(path: Path) -> bool:
    """Show the file manager at the photo: selected where the platform can (Finder, Explorer),
    else its folder opened. False when nothing could be started."""
    if sys.platform == "darwin":
        return bool(QProcess.startDetached("open", ["-R", str(path)]))
    if sys.platform == "win32":
        return bool(QProcess.startDetached("explorer", [f"/select,{path}"]))
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


def open_with_default_app(path: Path) -> bool:
    """Open the photo in the application the system uses for its type."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
