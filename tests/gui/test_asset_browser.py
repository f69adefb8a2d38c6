"""The asset browser shows review states in words and offers every state as a filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from labeler.gui.asset_browser import AssetBrowserWidget, AssetDelegate
from labeler.gui.asset_model import AssetListModel
from labeler.gui.asset_status import state_words

pytestmark = pytest.mark.gui


@pytest.fixture
def project(demo_workspace):  # type: ignore[no-untyped-def]
    session = demo_workspace.sign_in("anna")
    yield session.open_project(demo_workspace.project_id)
    session.lock()


def test_status_filter_lists_every_review_state(project, qtbot) -> None:
    model = AssetListModel()
    model.set_database(project.db)
    browser = AssetBrowserWidget(model, None)
    qtbot.addWidget(browser)

    browser.set_choices(project.ontology)

    combo = browser.status_filter
    items = [(combo.itemText(row), combo.itemData(row)) for row in range(combo.count())]
    assert items == [("any", ""), ("new", "new"), ("in progress", "in_progress"),
                     ("submitted", "submitted"), ("approved", "approved"),
                     ("rejected", "rejected")]
    combo.setCurrentIndex(2)
    assert model.asset_filter.status == "in_progress"
    assert model.rowCount() == 0


class RecordingPainter(QPainter):
    """A painter that records every text it draws."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[str] = []

    def drawText(self, *args) -> None:  # type: ignore[no-untyped-def, override]
        self.texts.append(str(args[-1]))
        super().drawText(*args)


def test_badge_shows_state_in_words(project, qtbot) -> None:
    asset = project.list_assets()[0]
    project.db.execute("UPDATE assets SET status = 'in_progress' WHERE id = ?", (asset.id,))
    model = AssetListModel()
    model.set_database(project.db)
    delegate = AssetDelegate(model, None)
    image = QImage(QSize(400, 60), QImage.Format.Format_RGB32)
    painter = RecordingPainter(image)
    option = QStyleOptionViewItem()
    option.rect = image.rect()

    delegate.paint(painter, option, model.index(0))
    painter.end()

    assert "in progress" in painter.texts
    assert "in_progress" not in painter.texts


def test_state_words_for_every_state() -> None:
    assert [state_words(state) for state in ("new", "in_progress", "submitted",
                                              "approved", "rejected", "on_hold")] == [
        "new", "in progress", "submitted", "approved", "rejected", "on hold"]

