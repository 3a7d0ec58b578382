"""The selected photo, large, in the side pane; and the decoding the loupe shares.

Photos are decoded on a worker thread, through the core's safe open: a file that never
answers (a named pipe called ``x.jpg``) or a huge one never holds up the window.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.imaging import ImageReadError, load_display
from ..core.labels import CLASSES
from ..core.personal import Source
from .plain_text import plain_label
from .results_model import Row
from .style import MARKABLE, STYLES, style_of

PANE_IMAGE_SIDE = 1024  # decoded once per photo, then scaled to the pane on resize
DIALOG_IMAGE_SIDE = 2048  # the loupe's fitted view


def decode_for_display(path: Path, max_side: int) -> Image.Image | None:
    """The photo upright and no larger than ``max_side``, or None if unreadable.

    Blocks while it decodes: ``ImageLoader`` calls it off the GUI thread.
    """
    try:
        return load_display(path, max_side)
    except ImageReadError:
        return None


def to_qimage(image: Image.Image) -> QImage:
    """An RGB or RGBA Pillow image as a QImage that owns its pixels."""
    alpha = image.mode == "RGBA"
    fmt = QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888
    stride = image.width * (4 if alpha else 3)
    return QImage(image.tobytes(), image.width, image.height, stride, fmt).copy()


# One decoding thread for every preview: a person looks at one photo at a time.
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview")
POLL_MS = 15


class ImageLoader(QObject):
    """Decodes photos for display off the GUI thread and delivers the latest one.

    The decoding thread runs Pillow only and never touches Qt: the GUI thread collects the
    finished decode on a short timer and makes the QImage, so a loader deleted mid-decode
    leaves nothing to call back into. A request superseded before its turn is never decoded.
    """

    loaded = Signal(object, object)  # path, QImage or None

    def __init__(self, max_side: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_side = max_side
        self._pending: tuple[Path, Future[Image.Image | None]] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._collect)

    def request(self, path: Path) -> None:
        self.cancel()
        self._pending = (path, _DECODER.submit(decode_for_display, path, self.max_side))
        self._poll.start()

    def cancel(self) -> None:
        """Forget the request in flight; a decode that has not started never runs."""
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None
        self._poll.stop()

    def _collect(self) -> None:
        if self._pending is None or not self._pending[1].done():
            return
        path, future = self._pending
        self._pending = None
        self._poll.stop()
        failed = future.cancelled() or future.exception() is not None
        image = None if failed else future.result()
        self.loaded.emit(path, None if image is None else to_qimage(image))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


class ScaledImage(QLabel):
    """A label that keeps its image fitted to its size, aspect kept; ``upscale`` also enlarges
    a small photo to fill it (the loupe), else it is never drawn larger than it is."""

    def __init__(self, parent: QWidget | None = None, upscale: bool = False) -> None:
        super().__init__(parent)
        self.upscale = upscale
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None, text: str = "") -> None:
        self._image = image
        if image is None:
            self.setPixmap(QPixmap())
            self.setText(text)
        else:
            self.setText("")
            self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None or self.width() < 2 or self.height() < 2:
            return
        ratio = self.devicePixelRatioF()
        target = QSize(round(self.width() * ratio), round(self.height() * ratio))
        scaled = self._image
        larger = scaled.width() > target.width() or scaled.height() > target.height()
        if larger or self.upscale:
            scaled = scaled.scaled(
                target,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self.setPixmap(pixmap)


class ProbabilityBar(QProgressBar):
    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setRange(0, 1000)
        self.setTextVisible(True)
        self.setFixedHeight(18)
        colour = style_of(label).background
        self.setStyleSheet(
            "QProgressBar { border: 1px solid palette(mid); border-radius: 3px;"
            " background: palette(base); text-align: center; }"
            f" QProgressBar::chunk {{ background: {colour}; border-radius: 2px; }}"
        )
        self.set_probability(None)

    def set_probability(self, value: float | None) -> None:
        if value is None:
            self.setValue(0)
            self.setFormat("–")
        else:
            self.setValue(round(value * 1000))
            self.setFormat(f"{value:.0%}")


def verdict(row: Row, threshold: float) -> str:
    """What the app says of a photo, in one plain sentence: its label, how sure, and whose it
    is (the model's, learnt from the user's labels, or the user's own), with a pet's name.
    The preview pane and the loupe both show it, so the two never disagree."""
    result, prediction = row.result, row.result.prediction
    if row.waiting:
        return "Not classified yet: the scan is on its way."
    if prediction is None:
        return f"Cannot be read: {result.error}"
    model_says = f"{style_of(prediction.label).name}, {prediction.confidence:.0%} sure"
    name = row.name(threshold)
    named = f" ({name})" if name else ""
    if row.correction:
        marked = style_of(row.correction).name
        return f"Marked as {marked}{named} by you (the model said {model_says})."
    personal = row.personal
    if row.source == Source.PERSONAL and personal is not None:
        says = f"{style_of(personal.label).name}{named}, {personal.confidence:.0%} sure"
        if name:
            says += f"; {name} {personal.name_confidence:.0%}"
        if personal.confidence < threshold:
            return f"Unsure: probably {says}, learnt from your labels (model: {model_says})."
        return f"{says}: learnt from your labels (the model said {model_says})."
    if prediction.confidence < threshold:
        return f"Unsure: probably {model_says}."
    return f"{model_says}."


class PreviewPane(QWidget):
    """Shows the current photo; decoding waits for the selection to settle (holding an arrow
    key through 200 photos decodes only the last one)."""

    mark_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = ScaledImage()
        self.image.setText("No photo selected")
        self.name = plain_label()  # a file's name, shown as it is
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.details = plain_label()
        self.details.setWordWrap(True)
        self.verdict = plain_label()  # may quote a read error, which names the file
        self.verdict.setWordWrap(True)
        self.bars: dict[str, ProbabilityBar] = {}
        bars = QGridLayout()
        bars.setHorizontalSpacing(8)
        bars.setVerticalSpacing(4)
        for line, label in enumerate(CLASSES):
            bar = ProbabilityBar(label)
            self.bars[label] = bar
            bars.addWidget(QLabel(style_of(label).name), line, 0)
            bars.addWidget(bar, line, 1)
        bars.setColumnStretch(1, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Mark as:"))
        self.buttons: dict[str, QPushButton] = {}
        for status in MARKABLE:
            name, key = STYLES[status].name, STYLES[status].key
            button = QPushButton(f"{name} ({key})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"Mark the selected photos as {name} ({key})")
            value = status.value
            button.clicked.connect(lambda _=False, value=value: self.mark_requested.emit(value))
            self.buttons[status.value] = button
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.name)
        layout.addWidget(self.details)
        layout.addWidget(self.verdict)
        layout.addLayout(bars)
        layout.addLayout(buttons)

        self._row: Row | None = None
        self._threshold = 0.8
        self._decode_timer = QTimer(self)
        self._decode_timer.setSingleShot(True)
        self._decode_timer.setInterval(60)
        self._decode_timer.timeout.connect(self._decode)
        self._loader = ImageLoader(PANE_IMAGE_SIDE, self)
        self._loader.loaded.connect(self._show_image)
        self.show_row(None)

    def show_row(
        self, row: Row | None, threshold: float = 0.8, selected: int = 1, folder: str = ""
    ) -> None:
        """Show ``row``; ``folder`` is its subfolder below the scanned folder ('' at the top)."""
        previous = self._row.path if self._row is not None else None
        self._row = row
        self._threshold = threshold
        for button in self.buttons.values():
            button.setEnabled(row is not None and row.result.prediction is not None)
        if row is None:
            self._decode_timer.stop()
            self._loader.cancel()
            self.image.set_image(None, "No photo selected")
            self.name.setText("")
            self.details.setText("Select a photo to see it larger here.")
            self.verdict.setText("")
            for bar in self.bars.values():
                bar.set_probability(None)
            return
        result = row.result
        self.name.setText(result.path.name)
        parts = [f"In {folder}/"] if folder else []
        parts.append(human_size(result.size))
        if result.width and result.height:
            parts.append(f"{result.width} × {result.height}")
        if selected > 1:
            parts.append(f"{selected} photos selected")
        self.details.setText(" · ".join(parts))
        self.verdict.setText(verdict(row, self._threshold))
        probabilities = row.probabilities
        for index, label in enumerate(CLASSES):
            self.bars[label].set_probability(probabilities[index] if probabilities else None)
        if result.path != previous:
            if result.prediction is None and not row.waiting:
                self._decode_timer.stop()
                self._loader.cancel()
                self.image.set_image(None, "This file cannot be shown.")
            else:
                self._decode_timer.start()

    def _decode(self) -> None:
        if self._row is None:
            return
        self._loader.request(self._row.path)

    def _show_image(self, path: Path, image: QImage | None) -> None:
        if self._row is not None and self._row.path == path:
            self.image.set_image(image, "This photo cannot be shown (moved or unreadable).")
