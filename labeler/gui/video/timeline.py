"""The timeline under the video: frame cursor, per-frame shapes, tracks and keyframes.

The top row marks frames that have shapes drawn on them alone. Each track
gets a row below: a bar where the track is shown, a gap where it is outside,
a filled diamond on each keyframe and a hollow diamond on each suggestion
from the tracker. Clicking or dragging moves to a frame. Clicking a track row
also selects that track, and Ctrl+click adds it to the selection, so tracks
that never share a frame can be merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

ROW_HEIGHT: Final = 14
SHAPE_ROW_HEIGHT: Final = 10
MARGIN: Final = 6
MAX_TRACK_ROWS: Final = 12


@dataclass(frozen=True)
class TrackRow:
    """One track's row on the timeline."""

    track_id: str
    color: QColor
    spans: tuple[tuple[int, int], ...]  # inclusive frame ranges where the track is shown
    keyframes: tuple[int, ...]
    suggestions: tuple[int, ...] = ()


@dataclass
class TimelineModel:
    frame_count: int = 0
    current: int = 0
    shape_frames: frozenset[int] = frozenset()
    tracks: list[TrackRow] = field(default_factory=list)
    selected_tracks: frozenset[str] = frozenset()


class TimelineWidget(QWidget):
    """Draws a `TimelineModel` and turns clicks into frame and track requests."""

    frame_requested = Signal(int)
    # The track id, and whether Ctrl was held to add it to the selection.
    track_selected = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TimelineModel()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(False)
        self._update_height()

    def set_model(self, model: TimelineModel) -> None:
        self.model = model
        self._update_height()
        self.update()

    def set_current(self, frame: int) -> None:
        self.model.current = frame
        self.update()

    def _update_height(self) -> None:
        rows = min(len(self.model.tracks), MAX_TRACK_ROWS)
        self.setFixedHeight(2 * MARGIN + SHAPE_ROW_HEIGHT + 2 + rows * ROW_HEIGHT + 4)

    def sizeHint(self) -> QSize:
        return QSize(600, self.height())

    # -- geometry -------------------------------------------------------------------

    def _x_of(self, frame: float) -> float:
        count = max(self.model.frame_count, 1)
        width = max(self.width() - 2 * MARGIN, 1)
        return MARGIN + (frame + 0.5) * width / count

    def frame_at(self, x: float) -> int:
        count = max(self.model.frame_count, 1)
        width = max(self.width() - 2 * MARGIN, 1)
        frame = int((x - MARGIN) * count / width)
        return min(max(frame, 0), count - 1)

    def _row_top(self, row: int) -> float:
        return MARGIN + SHAPE_ROW_HEIGHT + 2 + row * ROW_HEIGHT

    def row_at(self, y: float) -> int | None:
        top = self._row_top(0)
        if y < top:
            return None
        row = int((y - top) // ROW_HEIGHT)
        return row if row < min(len(self.model.tracks), MAX_TRACK_ROWS) else None

    # -- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().window())
        if self.model.frame_count <= 0:
            return
        self._paint_shape_row(painter)
        for row, track in enumerate(self.model.tracks[:MAX_TRACK_ROWS]):
            self._paint_track(painter, row, track)
        x = self._x_of(self.model.current)
        painter.setPen(QPen(QColor("#d23c3c"), 2))
        painter.drawLine(QPointF(x, 1), QPointF(x, self.height() - 1))

    def _paint_shape_row(self, painter: QPainter) -> None:
        top = MARGIN
        painter.fillRect(QRectF(MARGIN, top, self.width() - 2 * MARGIN, SHAPE_ROW_HEIGHT),
                         self.palette().base())
        painter.setPen(QPen(self.palette().text().color(), 1))
        for frame in self.model.shape_frames:
            x = self._x_of(frame)
            painter.drawLine(QPointF(x, top + 1), QPointF(x, top + SHAPE_ROW_HEIGHT - 1))

    def _paint_track(self, painter: QPainter, row: int, track: TrackRow) -> None:
        top = self._row_top(row)
        middle = top + ROW_HEIGHT / 2
        if track.track_id in self.model.selected_tracks:
            painter.fillRect(QRectF(0, top, self.width(), ROW_HEIGHT),
                             self.palette().highlight().color().lighter(160))
        bar = QColor(track.color)
        bar.setAlpha(150)
        for first, last in track.spans:
            left = self._x_of(first - 0.5)
            right = self._x_of(last + 0.5)
            painter.fillRect(QRectF(left, middle - 3, max(right - left, 1.0), 6), bar)
        painter.setPen(QPen(QColor("black"), 1))
        painter.setBrush(track.color)
        for frame in track.keyframes:
            painter.drawPolygon(_diamond(self._x_of(frame), middle, 5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(track.color.darker(150), 1.5))
        for frame in track.suggestions:
            painter.drawPolygon(_diamond(self._x_of(frame), middle, 4))

    # -- mouse ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.model.frame_count <= 0:
            return
        position = event.position()
        row = self.row_at(position.y())
        if row is not None:
            adding = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.track_selected.emit(self.model.tracks[row].track_id, adding)
        self.frame_requested.emit(self.frame_at(position.x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.model.frame_count > 0:
            self.frame_requested.emit(self.frame_at(event.position().x()))


def _diamond(x: float, y: float, radius: float) -> QPolygonF:
    return QPolygonF([QPointF(x, y - radius), QPointF(x + radius, y),
                      QPointF(x, y + radius), QPointF(x - radius, y)])
