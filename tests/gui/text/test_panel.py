"""The side panel of the text view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from pytestqt.qtbot import QtBot

from labeler.gui.text.panel import SpanListModel, TextSidePanel

pytestmark = pytest.mark.gui


class CountingSpanListModel(SpanListModel):
    """A span list model that counts calls of `rowCount`.

    `QAbstractListModel.index` calls `rowCount`, so a view that creates an
    index for every row makes one call per row.
    """

    calls = 0

    def rowCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> int:
        self.calls += 1
        return super().rowCount(parent)


def test_span_list_lays_out_only_shown_rows(qtbot: QtBot) -> None:
    panel = TextSidePanel()
    qtbot.addWidget(panel)
    model = CountingSpanListModel(panel)
    panel.span_list.setModel(model)
    panel.resize(300, 600)
    panel.show()
    qtbot.waitExposed(panel)
    keys = [(row * 10, row * 10 + 5, f"span{row}") for row in range(100_000)]

    model.calls = 0
    model.reset(keys, lambda span_id: "PERSON", "x" * 1_000_000, {})
    qtbot.wait(10)

    assert model.rowCount() == 100_000
    assert model.calls < 1_000
    panel.span_list.setCurrentIndex(model.index(99_999))
    assert panel.span_list.currentIndex().row() == 99_999
