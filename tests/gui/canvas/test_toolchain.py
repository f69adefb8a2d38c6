"""The Qt binding itself must survive the call volume of a painting canvas."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QPointF

pytestmark = pytest.mark.gui


def test_void_qt_calls_keep_none_referenced() -> None:
    """Each paint makes thousands of calls to Qt methods that return nothing.

    PySide6 6.12.0 on CPython 3.11 drops one reference to None on each such
    call (6.11.3 does not), so the interpreter aborts with "deallocating None"
    after a few thousand of them. CPython 3.12 made None immortal, which hides
    the error there.
    """
    point = QPointF()
    before = sys.getrefcount(None)

    for _ in range(100):
        point.setX(1.0)

    lost = before - sys.getrefcount(None)
    assert lost < 50, (
        f"the Qt binding lost {lost} references to None in 100 calls of "
        "QPointF.setX; use a PySide6 release without this bug (6.11.3 works)"
    )
