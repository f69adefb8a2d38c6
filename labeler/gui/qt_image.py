"""Wrap numpy pixel arrays in QImage objects without copying the pixels.

A QImage built on a Python buffer reads that memory for as long as it exists,
so the array must outlive it. `ArrayImage` keeps both together: drop the
`ArrayImage` and both go at once. Nothing here writes pixels anywhere but
memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from PySide6.QtGui import QImage

_FORMATS: Final = {
    1: QImage.Format.Format_Grayscale8,
    3: QImage.Format.Format_RGB888,
    4: QImage.Format.Format_RGBA8888,
}


@dataclass(frozen=True, eq=False)
class ArrayImage:
    """A QImage that reads its pixels from `array`, which it keeps alive."""

    array: np.ndarray
    image: QImage

    @property
    def width(self) -> int:
        return int(self.array.shape[1])

    @property
    def height(self) -> int:
        return int(self.array.shape[0])


def wrap_array(pixels: np.ndarray) -> ArrayImage:
    """Return a QImage view of an HxW, HxWx1, HxWx3 (RGB) or HxWx4 (RGBA) uint8 array.

    The pixels are shared, not copied, unless the array is not C-contiguous
    (a transposed or cropped view); such an array is copied once, and the
    result keeps the copy.

    Raises:
        ValueError: the array is not uint8, or its shape is not one of the above.
    """
    if pixels.dtype != np.uint8:
        raise ValueError(f"pixels must be uint8, got {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if pixels.ndim != 3 or pixels.shape[2] not in _FORMATS:
        raise ValueError(
            f"pixels must have shape HxW, HxWx3 or HxWx4, got {pixels.shape}"
        )
    height, width, channels = pixels.shape
    if height == 0 or width == 0:
        raise ValueError(f"pixels must not be empty, got shape {pixels.shape}")

    if not pixels.flags.c_contiguous:
        pixels = np.ascontiguousarray(pixels)

    # QImage has no read-only constructor in PySide6, so a read-only array
    # (a decoder's output, a memory map) is wrapped too; callers only read
    # and draw from these images and never paint on them.
    image = QImage(
        pixels.data,
        width,
        height,
        int(pixels.strides[0]),
        _FORMATS[channels],
    )
    return ArrayImage(pixels, image)
