"""A small form for the image-level classification values of the ontology."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.model.ontology import Attribute


class ClassificationPanel(QWidget):
    """One input per classification attribute and an Apply button.

    `apply_requested` carries the values to store; attributes left empty are
    left out. A bool is always stored, as true or false.
    """

    apply_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._attributes: tuple[Attribute, ...] = ()
        self._inputs: dict[str, QWidget] = {}
        self._form = QFormLayout()
        self._title = QLabel(self.tr("Image classification"))
        self._apply = QPushButton(self.tr("Apply"))
        self._apply.setToolTip(self.tr("Save these values for the whole image"))
        self._apply.clicked.connect(self._request_apply)

        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addLayout(self._form)
        layout.addWidget(self._apply)
        layout.addStretch(1)

    def set_attributes(self, attributes: tuple[Attribute, ...]) -> None:
        """Build one input per attribute, replacing the previous form."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._attributes = attributes
        self._inputs = {}
        for attribute in attributes:
            widget = self._make_input(attribute)
            widget.setAccessibleName(attribute.name)
            self._inputs[attribute.name] = widget
            self._form.addRow(attribute.name, widget)

    def _make_input(self, attribute: Attribute) -> QWidget:
        if attribute.type == "bool":
            return QCheckBox()
        if attribute.type == "choice":
            box = QComboBox()
            box.addItem(self.tr("(not set)"), None)
            for choice in attribute.choices:
                box.addItem(choice, choice)
            return box
        line = QLineEdit()
        if attribute.type == "number":
            line.setValidator(QDoubleValidator())
        line.returnPressed.connect(self._request_apply)
        return line

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show stored values; attributes without one show their default or nothing."""
        for attribute in self._attributes:
            value = values.get(attribute.name, attribute.default)
            widget = self._inputs[attribute.name]
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QComboBox):
                index = widget.findData(value) if value is not None else 0
                widget.setCurrentIndex(max(index, 0))
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        """Return the values entered, in the attributes' own types."""
        values: dict[str, Any] = {}
        for attribute in self._attributes:
            widget = self._inputs[attribute.name]
            if isinstance(widget, QCheckBox):
                values[attribute.name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                if widget.currentData() is not None:
                    values[attribute.name] = widget.currentData()
            elif isinstance(widget, QLineEdit) and widget.text().strip():
                text = widget.text().strip()
                values[attribute.name] = _number(text) if attribute.type == "number" else text
        return values

    def set_read_only(self, read_only: bool) -> None:
        for widget in self._inputs.values():
            widget.setEnabled(not read_only)
        self._apply.setEnabled(not read_only)

    def input_for(self, name: str) -> QWidget:
        """Return the input widget of one attribute (for tests and accessibility)."""
        return self._inputs[name]

    def apply_button(self) -> QPushButton:
        return self._apply

    def _request_apply(self) -> None:
        self.apply_requested.emit(self.values())


def _number(text: str) -> float | int | str:
    """Parse a number typed in the current locale or in C notation; keep text if neither."""
    validator = QDoubleValidator()
    value, ok = validator.locale().toDouble(text)
    if not ok:
        try:
            value = float(text)
        except ValueError:
            return text
    if not math.isfinite(value):
        return text
    return int(value) if value.is_integer() else value
