"""numpy arrays wrapped as QImage without copying the pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from labeler.gui.qt_image import wrap_array

pytestmark = pytest.mark.gui


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def _image_address(image: QImage) -> int:
    return _address(np.frombuffer(image.constBits(), np.uint8))


@pytest.mark.parametrize(
    ("shape", "image_format"),
    [((30, 40, 3), QImage.Format.Format_RGB888),
     ((30, 40, 4), QImage.Format.Format_RGBA8888),
     ((30, 40), QImage.Format.Format_Grayscale8)],
)
def test_wrap_shares_pixels(shape: tuple[int, ...], image_format: QImage.Format) -> None:
    pixels = np.zeros(shape, np.uint8)

    wrapped = wrap_array(pixels)

    assert wrapped.image.format() == image_format
    assert (wrapped.width, wrapped.height) == (40, 30)
    assert _image_address(wrapped.image) == _address(pixels)
    pixels[5, 7] = 255
    assert wrapped.image.pixelColor(7, 5).red() == 255


def test_wrap_reads_rgb_channels_in_order() -> None:
    pixels = np.zeros((2, 2, 3), np.uint8)
    pixels[0, 1] = (10, 20, 30)

    color = wrap_array(pixels).image.pixelColor(1, 0)

    assert (color.red(), color.green(), color.blue()) == (10, 20, 30)


def test_wrap_copies_non_contiguous_view_once() -> None:
    base = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    view = base[:, ::2]

    wrapped = wrap_array(view)

    assert wrapped.array.flags.c_contiguous
    assert _image_address(wrapped.image) == _address(wrapped.array)
    assert wrapped.image.pixelColor(3, 4).red() == view[4, 3, 0]


def test_wrap_keeps_array_alive() -> None:
    wrapped = wrap_array(np.full((8, 8, 3), 77, np.uint8))

    assert wrapped.image.pixelColor(4, 4).red() == 77


@pytest.mark.parametrize(
    ("array", "message"),
    [(np.zeros((4, 4, 3), np.uint16), "must be uint8"),
     (np.zeros((4, 4, 2), np.uint8), "HxW, HxWx3 or HxWx4"),
     (np.zeros((4,), np.uint8), "HxW, HxWx3 or HxWx4"),
     (np.zeros((0, 4, 3), np.uint8), "must not be empty")],
)
def test_wrap_rejects_bad_arrays(array: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wrap_array(array)
