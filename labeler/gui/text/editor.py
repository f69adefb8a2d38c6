"""The read-only text widget of the text view.

It is a QPlainTextEdit, whose block-based layout keeps a 5 MB document
responsive, with three changes. Nothing of the document reaches the clipboard,
because copy, drag and the X11 primary selection all go through
`createMimeDataFromSelection`. There is no context menu. An optional watermark
is painted over the text.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

_WATERMARK_COLOR = QColor(128, 128, 128, 60)


class TextEditorWidget(QPlainTextEdit):
    """Selectable, never editable text with no way to copy it out."""

    viewport_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._watermark: str | None = None
        self.verticalScrollBar().valueChanged.connect(self.viewport_changed)
        self.horizontalScrollBar().valueChanged.connect(self.viewport_changed)

    # Security: every path that exports selected text (Ctrl+C, drag, the X11
    # primary selection) requests the data from this method, so it returns none.
    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt override)
        return QMimeData()

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Copy would put the empty data above on the clipboard and so wipe what
        # the user had there; swallowing the key leaves the clipboard alone.
        if event.matches(QKeySequence.StandardKey.Copy) or event.matches(
                QKeySequence.StandardKey.Cut):
            event.accept()
            return
        super().keyPressEvent(event)

    def set_watermark(self, text: str | None) -> None:
        self._watermark = text or None
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.viewport_changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self._watermark:
            self._paint_watermark()

    def _paint_watermark(self) -> None:
        painter = QPainter(self.viewport())
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        painter.setPen(_WATERMARK_COLOR)
        area = self.viewport().rect()
        step_x = max(painter.fontMetrics().horizontalAdvance(self._watermark or "") + 80, 200)
        step_y = 140
        painter.translate(area.center())
        painter.rotate(-30)
        span = max(area.width(), area.height())
        for y in range(-span, span, step_y):
            for x in range(-span, span, step_x):
                painter.drawText(QRect(x, y, step_x, step_y // 2),
                                 Qt.AlignmentFlag.AlignLeft, self._watermark or "")
        painter.end()

    def visible_positions(self) -> tuple[int, int]:
        """Return the Qt positions of the first and last line the viewport shows."""
        viewport = self.viewport().rect()
        first = self._line_bounds(self.cursorForPosition(QPoint(0, 0)))[0]
        last = self._line_bounds(self.cursorForPosition(QPoint(0, viewport.height())))[1]
        return first, max(first, last)

    @staticmethod
    def _line_bounds(cursor: QTextCursor) -> tuple[int, int]:
        block = cursor.block()
        layout = block.layout()
        in_block = cursor.position() - block.position()
        line = layout.lineForTextPosition(in_block) if layout is not None else None
        if line is None or not line.isValid():
            return block.position(), block.position() + block.length()
        start = block.position() + line.textStart()
        return start, start + line.textLength() + 1
