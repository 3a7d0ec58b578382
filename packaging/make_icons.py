"""Render resources/icons/dogcat-sorter.svg to the PNG, ICO and ICNS files the bundle uses.

python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    svg = ICONS / "dogcat-sorter.svg"
    for size in SIZES:
        render(svg, size).save(str(ICONS / f"dogcat-sorter-{size}.png"))
    largest = Image.open(ICONS / "dogcat-sorter-512.png")
    largest.save(ICONS / "dogcat-sorter.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(ICONS / "dogcat-sorter.icns")
    print(f"wrote {len(SIZES)} PNGs, .ico and .icns to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
