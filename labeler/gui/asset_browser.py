"""The asset browser dock: filters above a lazily paged list of assets.

`AssetDelegate` paints every row: thumbnail, path, kind, size and a status
badge. There are no per-row widgets. The view uses uniform row heights, so Qt
does not measure rows it does not show.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from labeler.core.model.ontology import Ontology
from labeler.gui.asset_model import AssetFilter, AssetListModel, AssetRow
from labeler.gui.asset_status import review_states, state_words
from labeler.gui.loader import ThumbnailLoader

ROW_HEIGHT: Final = 56
THUMBNAIL_BOX: Final = 48
STATUS_COLOURS: Final = {
    "new": "#6c757d",
    "in_progress": "#d08c00",
    "submitted": "#1c7ed6",
    "approved": "#2f9e44",
    "rejected": "#c92a2a",
}
KINDS: Final = ("image", "dicom", "video", "text")


class AssetDelegate(QStyledItemDelegate):
    """Paints one asset row from `ASSET_ROW_ROLE` and its thumbnail."""

    def __init__(self, model: AssetListModel, thumbnails: ThumbnailLoader | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # The row comes straight from the Python model: in PySide6 6.12,
        # QModelIndex.data() drops a reference to None on every call that
        # returns no value, which ends in a crash after a few thousand paints.
        row = self._model.row_at(index.row())
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option,
                                painter, option.widget)
        if row is None:
            return
        painter.save()
        rect = option.rect.adjusted(4, 4, -4, -4)
        self._paint_thumbnail(painter, QRect(rect.left(), rect.top(), THUMBNAIL_BOX,
                                             THUMBNAIL_BOX), row)
        text_left = rect.left() + THUMBNAIL_BOX + 8
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_colour = (palette.highlightedText() if selected else palette.text()).color()
        metrics = QFontMetrics(option.font)

        status_text = state_words(row.status)
        badge_width = metrics.horizontalAdvance(status_text) + 12
        badge = QRect(rect.right() - badge_width, rect.top() + 2, badge_width,
                      metrics.height() + 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STATUS_COLOURS.get(row.status, "#495057")))
        painter.drawRoundedRect(badge, 6, 6)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, status_text)

        painter.setPen(text_colour)
        path_rect = QRect(text_left, rect.top(), badge.left() - 6 - text_left,
                          metrics.height() + 2)
        painter.drawText(path_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(row.path, Qt.TextElideMode.ElideMiddle,
                                            path_rect.width()))
        details = "  ·  ".join(part for part in (row.kind, row.size_text) if part)
        if row.presence != "present":
            details += "  ·  " + row.presence
        muted = QColor(text_colour)
        muted.setAlpha(170)
        painter.setPen(muted)
        painter.drawText(QRect(text_left, path_rect.bottom() + 4, rect.right() - text_left,
                               metrics.height() + 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details)
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, box: QRect, row: AssetRow) -> None:
        painter.fillRect(box, QColor("#2b2b2b"))
        image = self._thumbnails.thumbnail(row.id, row.kind) if self._thumbnails else None
        if image is None or image.isNull():
            painter.setPen(QColor("#bbbbbb"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, row.kind[:5])
            return
        scaled = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(box.center())
        painter.drawImage(target, image)


class AssetListView(QListView):
    """The list; Ctrl+C and drags do nothing, so no path leaves through them."""

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.matches(QKeySequence.StandardKey.Copy):
            event.accept()
            return
        super().keyPressEvent(event)


class AssetBrowserWidget(QWidget):
    """Filters and the asset list.

    `asset_activated` carries the id of every asset that becomes current,
    also by arrow keys in the list. `asset_chosen` follows a click or Enter,
    after which the list hands the keyboard to the view that shows the asset.
    """

    asset_activated = Signal(int)
    asset_chosen = Signal(int)

    def __init__(self, model: AssetListModel, thumbnails: ThumbnailLoader | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.status_filter = QComboBox()
        self.label_filter = QComboBox()
        self.kind_filter = QComboBox()
        self.annotator_filter = QComboBox()
        for combo, name in ((self.status_filter, "statusFilter"),
                            (self.label_filter, "labelFilter"),
                            (self.kind_filter, "kindFilter"),
                            (self.annotator_filter, "annotatorFilter")):
            combo.setObjectName(name)
            combo.currentIndexChanged.connect(self._apply_filters)

        self.view = AssetListView()
        self.view.setObjectName("assetList")
        self.view.setModel(model)
        self.view.setItemDelegate(AssetDelegate(model, thumbnails, self.view))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setDragEnabled(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._is_selecting = False
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.clicked.connect(self._on_chosen)
        self.view.activated.connect(self._on_chosen)
        if thumbnails is not None:
            thumbnails.thumbnail_ready.connect(lambda _id: self.view.viewport().update())

        form = QFormLayout()
        form.addRow(self.tr("Status"), self.status_filter)
        form.addRow(self.tr("Label"), self.label_filter)
        form.addRow(self.tr("Kind"), self.kind_filter)
        form.addRow(self.tr("Annotator"), self.annotator_filter)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(form)
        content_layout.addWidget(self.view)
        locked = QLabel(self.tr("Locked"))
        locked.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._pages = QStackedWidget()
        self._pages.addWidget(content)
        self._pages.addWidget(locked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._pages)

    def set_choices(self, ontology: Ontology | None) -> None:
        """Fill the filter lists: every review state, the labels, kinds and annotators.

        The status list names every review state, also those no asset has yet,
        plus any other status found in the store.
        """
        queries = self.model.queries
        statuses = review_states()
        statuses += [status for status in (queries.statuses() if queries else [])
                     if status not in statuses]
        annotators = queries.annotators() if queries else []
        labels = [label.name for label in ontology.labels] if ontology else []
        for combo, values, show in (
                (self.status_filter, statuses, state_words),
                (self.label_filter, labels, str),
                (self.kind_filter, list(KINDS), str),
                (self.annotator_filter, annotators, str)):
            combo.blockSignals(True)
            combo.clear()
            # "" and not None: QComboBox.currentData() returning None drops a
            # reference to None in PySide6 6.12 (see AssetDelegate.paint).
            combo.addItem(self.tr("any"), "")
            for value in values:
                combo.addItem(show(value), value)
            combo.blockSignals(False)

    def _apply_filters(self) -> None:
        self.model.set_filter(AssetFilter(
            status=self.status_filter.currentData() or None,
            kind=self.kind_filter.currentData() or None,
            label=self.label_filter.currentData() or None,
            annotator=self.annotator_filter.currentData() or None,
        ))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._is_selecting or not current.isValid():
            return
        asset_id = self.model.asset_id_at(current.row())
        if asset_id is not None:
            self.asset_activated.emit(asset_id)

    def _on_chosen(self, index: QModelIndex) -> None:
        asset_id = self.model.asset_id_at(index.row()) if index.isValid() else None
        if asset_id is not None:
            self.asset_chosen.emit(asset_id)

    def select_asset(self, asset_id: int) -> None:
        """Select and scroll to `asset_id` without emitting `asset_activated`."""
        position = self.model.position_of(asset_id)
        if position is None:
            self.view.clearSelection()
            return
        index = self.model.index(position)
        self._is_selecting = True
        try:
            self.view.setCurrentIndex(index)
        finally:
            self._is_selecting = False
        self.view.scrollTo(index)

    def set_content_hidden(self, hidden: bool) -> None:
        self._pages.setCurrentIndex(1 if hidden else 0)


def make_asset_dock(browser: AssetBrowserWidget, parent: QWidget) -> QDockWidget:
    dock = QDockWidget(parent.tr("Assets"), parent)
    dock.setObjectName("assetDock")
    dock.setWidget(browser)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    return dock

