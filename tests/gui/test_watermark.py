"""Watermark text and its per-minute refresh."""

from __future__ import annotations

from datetime import datetime

import pytest

from labeler.gui.watermark import (
    REFRESH_MS,
    WatermarkController,
    has_watermark,
    watermark_text,
    workstation_name,
)

pytestmark = pytest.mark.gui


def test_text_names_user_workstation_time() -> None:
    text = watermark_text("anna", "ws-12", datetime(2026, 5, 1, 14, 3, 59))

    assert text == "anna · ws-12 · 2026-05-01 14:03"


def test_workstation_name_is_not_empty() -> None:
    assert workstation_name()


def test_role_selects_watermark() -> None:
    assert has_watermark("annotator", ["annotator"])
    assert not has_watermark("reviewer", ["annotator"])


def test_controller_refreshes_time(qapp) -> None:
    applied: list[str | None] = []
    now = [datetime(2026, 5, 1, 9, 0)]
    controller = WatermarkController(applied.append, clock=lambda: now[0])

    controller.start("anna")
    now[0] = datetime(2026, 5, 1, 9, 1)
    controller.refresh()
    controller.stop()

    assert applied[0] is not None and applied[0].endswith("09:00")
    assert applied[1] is not None and applied[1].endswith("09:01")
    assert applied[2] is None
    assert controller._timer.interval() == REFRESH_MS
