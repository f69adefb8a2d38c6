"""Window/level for 16-bit and DICOM images: the mapping and its control.

The mapping is the linear VOI LUT function of DICOM PS3.3 C.11.2.1.2.1.
Values at or below c - 0.5 - (w - 1) / 2 become black. Values above
c - 0.5 + (w - 1) / 2 become white, and values between are spread linearly.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget

def apply_window(raw: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Return uint8 display values for `raw` seen through the window (centre, width).

    Raises:
        ValueError: width is below 1.
    """
    if width < 1:
        raise ValueError(f"window width must be at least 1, got {width}")
    # 8- and 16-bit integers go through a table of every possible value,
    # which is faster than computing each pixel of a large image.
    if raw.dtype.kind in "iu" and raw.dtype.itemsize <= 2:
        low = int(np.iinfo(raw.dtype).min)
        values = np.arange(low, low + (1 << (8 * raw.dtype.itemsize)), dtype=np.float64)
        table = _window_values(values, centre, width)
        return table[raw.astype(np.int64) - low] if low else table[raw]
    return _window_values(raw.astype(np.float64), centre, width)


def _window_values(values: np.ndarray, centre: float, width: float) -> np.ndarray:
    if width == 1:
        return np.where(values > centre - 0.5, 255, 0).astype(np.uint8)
    scaled = ((values - (centre - 0.5)) / (width - 1) + 0.5) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def value_range(raw: np.ndarray) -> tuple[float, float]:
    """Return the smallest and largest value in `raw` (the range the control offers)."""
    low, high = float(np.min(raw)), float(np.max(raw))
    return (low, high) if high > low else (low, low + 1.0)


def window_after_drag(start: tuple[float, float], shift: tuple[float, float],
                      values: tuple[float, float]) -> tuple[float, float]:
    """Return the window after a right drag of `shift` viewport pixels.

    Left-right changes the width and up-down the centre. A drag of 500
    pixels covers the image's whole value range.
    """
    per_pixel = (values[1] - values[0]) / 500.0
    centre, width = start
    return centre + shift[1] * per_pixel, max(1.0, width + shift[0] * per_pixel)


class WindowLevelWidget(QWidget):
    """Centre and width boxes plus a reset button; emits each new window."""

    window_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._default = (0.0, 1.0)
        self._centre = QDoubleSpinBox()
        self._width = QDoubleSpinBox()
        for box in (self._centre, self._width):
            box.setDecimals(1)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._emit)
        self._centre.setAccessibleName(self.tr("Window centre"))
        self._width.setAccessibleName(self.tr("Window width"))
        reset = QPushButton(self.tr("Reset"))
        reset.setToolTip(self.tr("Go back to the image's default window"))
        reset.clicked.connect(self.reset)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel(self.tr("Window centre")))
        layout.addWidget(self._centre)
        layout.addWidget(QLabel(self.tr("width")))
        layout.addWidget(self._width)
        layout.addWidget(reset)
        layout.addStretch(1)

    def configure(self, value_range: tuple[float, float],
                  default: tuple[float, float]) -> None:
        """Set the allowed range from the image's values and show its default window."""
        low, high = value_range
        span = high - low
        self._centre.blockSignals(True)
        self._width.blockSignals(True)
        self._centre.setRange(low - span, high + span)
        self._width.setRange(1.0, max(2.0 * span, default[1], 1.0))
        self._centre.blockSignals(False)
        self._width.blockSignals(False)
        self._default = default
        self.set_window(*default)

    def set_window(self, centre: float, width: float) -> None:
        """Show a window without emitting `window_changed`."""
        for box, value in ((self._centre, centre), (self._width, width)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)

    def window(self) -> tuple[float, float]:
        return self._centre.value(), self._width.value()

    def reset(self) -> None:
        self.set_window(*self._default)
        self._emit()

    def _emit(self) -> None:
        self.window_changed.emit(*self.window())
