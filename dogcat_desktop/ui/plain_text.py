"""Names from the folder shown as they are, never as markup.

Qt takes a label's, a message box's or a tooltip's text for rich text when it looks like it (a
tag before the first line break), so a photo or folder named ``<i>trip`` would be drawn in
italics with its name cut, and a crafted name could make a sort preview say something it does
not do. Every file, folder and error text from a folder reaches the window through these.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel


def plain_label(text: str = "") -> QLabel:
    """A label that shows ``text`` (and whatever is set later) literally."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def escaped(text: object) -> str:
    """For rich text that must stay rich (a bold count beside a folder's name)."""
    return html.escape(str(text), quote=False)


def tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally, its line breaks kept."""
    if not GuiQt.mightBeRichText(text):
        return text
    return "<p style='white-space:pre'>" + escaped(text) + "</p>"
