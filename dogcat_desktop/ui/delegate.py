"""How one photo looks in the grid: thumbnail, label badge, confidence, and a mark for corrections.

Painted by hand rather than with widgets so 10,000 rows cost nothing until they are on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..core.personal import Source
from ..core.review import ReviewStatus
from .embedded_previews import EmbeddedPreviews
from .results_model import Role, Row
from .style import STYLES, style_of
from .thumbnails import ThumbnailProvider

PADDING = 6
MIN_THUMBNAIL, MAX_THUMBNAIL, DEFAULT_THUMBNAIL = 96, 256, 160


LEARNT_COLOUR = "#7B1FA2"  # a photo the personal layer changed, not yet looked at


def badge_text(status: ReviewStatus, model_label: str | None) -> str:
    """'Dog', 'Cat', 'Neither', 'Error', or the model's guess with a question mark if unsure."""
    if status == ReviewStatus.UNSURE:
        return f"{style_of(model_label or status).name}?"
    return STYLES[status].name


COMPACT_BELOW = 128  # thumbnail size in px under which a cell shows the label badge alone


def is_compact(width: float) -> bool:
    return width < COMPACT_BELOW


class PhotoDelegate(QStyledItemDelegate):
    def __init__(
        self,
        thumbnails: ThumbnailProvider,
        parent=None,
        previews: EmbeddedPreviews | None = None,
    ) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.previews = previews  # what a photo waiting to be classified shows, if it has one
        self.thumbnail_size = DEFAULT_THUMBNAIL
        self._badges: dict[tuple, QPixmap] = {}

    def cell_size(self, metrics: QFontMetrics) -> QSize:
        side = self.thumbnail_size + 2 * PADDING
        return QSize(side, side + metrics.height() + PADDING // 2)

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self.cell_size(option.fontMetrics)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        card = QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5)
        if selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(70)
            painter.setPen(QPen(highlight, 2))
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 6, 6)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            hover = QColor(palette.color(QPalette.ColorRole.Highlight))
            hover.setAlpha(25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hover)
            painter.drawRoundedRect(card, 6, 6)
        if focused and not selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            painter.setPen(QPen(highlight, 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card, 6, 6)

        side = self.thumbnail_size
        box = QRect(rect.x() + PADDING, rect.y() + PADDING, side, side)
        row: Row = index.data(Role.ROW)
        status: ReviewStatus = index.data(Role.STATUS)
        if row.waiting:
            self._paint_waiting(painter, box, row, palette)
        else:
            picture = self._paint_thumbnail(painter, box, row, status, palette)
            painter.save()
            self._paint_badges(painter, picture, row, status, index.data(Role.NAME))
            painter.restore()

        text_rect = QRect(
            rect.x() + PADDING, box.bottom() + 1 + PADDING // 2, side, option.fontMetrics.height()
        )
        caption = index.data(Role.CAPTION) or row.path.name
        name = option.fontMetrics.elidedText(caption, Qt.TextElideMode.ElideMiddle, side)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()

    def _paint_thumbnail(
        self, painter: QPainter, box: QRect, row: Row, status: ReviewStatus, palette: QPalette
    ) -> QRectF:
        """Draw the photo centred in ``box``; returns where it went, for the badges."""
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = None
        if status != ReviewStatus.ERROR:
            pixmap = self.thumbnails.pixmap(
                row.path, round(box.width() * ratio), row.result.thumbnail
            )
        if pixmap is None:
            message = "Cannot read\nthis file" if status == ReviewStatus.ERROR else "No preview"
            if status != ReviewStatus.ERROR and self.thumbnails.put_off:
                message = ""  # comes with the next paint
            self._paint_empty(painter, box, palette, message)
            return QRectF(box)
        return self._draw_centred(painter, box, pixmap, ratio)

    def _paint_waiting(self, painter: QPainter, box: QRect, row: Row, palette: QPalette) -> None:
        """The photo's embedded preview with a "Classifying…" pill, or a grey card saying so."""
        data = self.previews.get(row.path) if self.previews is not None else None
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = round(box.width() * ratio)
        pixmap = self.thumbnails.pixmap(row.path, size, data, "preview") if data else None
        if pixmap is None:
            self._paint_empty(painter, box, palette, "Classifying…")
            return
        target = self._draw_centred(painter, box, pixmap, ratio)
        painter.save()
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        text = "Classifying…"
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
        pill = QRectF(target.x() + 4, target.y() + 4, width, height)
        self._pill(painter, pill, QColor(0, 0, 0, 150), QColor("#FFFFFF"), text)
        painter.restore()

    @staticmethod
    def _draw_centred(painter: QPainter, box: QRect, pixmap: QPixmap, ratio: float) -> QRectF:
        """Draw ``pixmap`` (made at ``ratio`` device pixels a point) centred in ``box``; returns
        where it went."""
        pixmap.setDevicePixelRatio(ratio)
        width, height = pixmap.width() / ratio, pixmap.height() / ratio
        left = box.x() + (box.width() - width) / 2
        target = QRectF(left, box.y() + (box.height() - height) / 2, width, height)
        painter.drawPixmap(target.topLeft(), pixmap)  # corners already rounded in the cache
        return target

    @staticmethod
    def _paint_empty(painter: QPainter, box: QRect, palette: QPalette, message: str) -> None:
        """A grey card with a word, where there is no thumbnail (yet)."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(QRectF(box), 4, 4)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, message)

    def _paint_badges(
        self,
        painter: QPainter,
        area: QRectF,
        row: Row,
        status: ReviewStatus,
        name: str | None = None,
    ) -> None:
        """Label (and a named pet's name) at the photo's top left; at its right the confidence,
        marked ✦ when the personal layer gave it and coloured while it awaits a look, or the
        'set by you' mark.

        On a small thumbnail the label alone, smaller: two pills would hide the photo (the
        confidence stays in the tooltip and the side panel).
        """
        compact = is_compact(self.thumbnail_size)  # the cell's size: alike for every photo
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() * (0.75 if compact else 0.9)))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        height = metrics.height() + 4
        x, y = area.x() + 4, area.y() + 4

        background, foreground = STYLES[status].background, STYLES[status].foreground
        prediction = row.result.prediction
        text = badge_text(status, row.label)
        if name:
            text = f"{text} · {name}"
        width = min(metrics.horizontalAdvance(text) + 12, area.width() - 8)
        badge = QRectF(x, y, width, height)
        self._pill(painter, badge, QColor(background), QColor(foreground), text)
        x += width + 4

        if row.correction is not None:
            right = area.right() - 4 - height
            self._person_mark(painter, QRectF(max(x, right), y, height, height))
        elif prediction is not None and not compact:
            confidence = row.confidence if row.confidence is not None else prediction.confidence
            personal = row.source == Source.PERSONAL
            text = f"✦ {confidence:.0%}" if personal else f"{confidence:.0%}"
            width = metrics.horizontalAdvance(text) + 10
            right = area.right() - 4 - width
            pill = QColor(LEARNT_COLOUR) if row.learnt else QColor(0, 0, 0, 150)
            self._pill(
                painter, QRectF(max(x, right), y, width, height), pill, QColor("#FFFFFF"), text
            )

    def _pill(
        self, painter: QPainter, rect: QRectF, background: QColor, foreground: QColor, text: str
    ) -> None:
        """A rounded label; rendered once per look and reused, since text layout is the
        costliest part of painting a cell and a grid shows the same few badges many times."""
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        key = (
            text,
            background.rgba(),
            foreground.rgba(),
            rect.width(),
            rect.height(),
            painter.font().key(),
            ratio,
        )
        pixmap = self._badges.get(key)
        if pixmap is None:
            pixmap = QPixmap(round(rect.width() * ratio), round(rect.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            badge = QPainter(pixmap)
            badge.setRenderHint(QPainter.RenderHint.Antialiasing)
            badge.setFont(painter.font())
            local = QRectF(0, 0, rect.width(), rect.height())
            badge.setPen(Qt.PenStyle.NoPen)
            badge.setBrush(background)
            badge.drawRoundedRect(local, rect.height() / 2, rect.height() / 2)
            badge.setPen(foreground)
            badge.drawText(local, Qt.AlignmentFlag.AlignCenter, text)
            badge.end()
            if len(self._badges) > 512:
                self._badges.clear()
            self._badges[key] = pixmap
        painter.drawPixmap(rect.topLeft(), pixmap)

    @staticmethod
    def _person_mark(painter: QPainter, rect: QRectF) -> None:
        """A head-and-shoulders glyph: 'a person set this label'."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#FFFFFF"))
        painter.drawEllipse(rect)
        painter.setBrush(QColor("#222222"))
        cx, cy, r = rect.center().x(), rect.center().y(), rect.width() / 2
        painter.drawEllipse(QPointF(cx, cy - r * 0.28), r * 0.26, r * 0.26)
        body = QPainterPath()
        body.moveTo(cx - r * 0.55, cy + r * 0.58)
        body.quadTo(cx - r * 0.55, cy + r * 0.02, cx, cy + r * 0.02)
        body.quadTo(cx + r * 0.55, cy + r * 0.02, cx + r * 0.55, cy + r * 0.58)
        body.closeSubpath()
        painter.drawPath(body)
