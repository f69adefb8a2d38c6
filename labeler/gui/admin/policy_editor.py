"""A table editor for a project's field policy: field pattern × role.

Each row is one rule: a field name or glob pattern, then for each role
visible, masked or hidden, then the mask rule and the placeholder text. The
last row is the policy's default for fields no pattern matches; its pattern
cannot be changed or removed. The editor only builds a `FieldPolicy`; saving
it (`change_field_policy`, which re-encrypts every value) is the caller's job.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from labeler.core.errors import ConfigError
from labeler.core.policy.fields import (
    DEFAULT_PLACEHOLDER,
    FieldPolicy,
    FieldRule,
    MaskRule,
    Visibility,
)

DEFAULT_PATTERN: Final = "*"
VISIBILITY_CHOICES: Final = [level.value for level in Visibility]
MASK_CHOICES: Final = [rule.value for rule in MaskRule]


class FieldPolicyEditor(QTableWidget):
    """Edits the rules of one policy for a fixed list of roles."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldPolicyEditor")
        self.roles: list[str] = []
        # The policy as loaded: `policy()` keeps its other settings (such as who
        # may open original files), which this table does not show.
        self._loaded = FieldPolicy((), FieldRule(DEFAULT_PATTERN, {}))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)

    # -- columns -------------------------------------------------------------------

    def _mask_column(self) -> int:
        return 1 + len(self.roles)

    def _placeholder_column(self) -> int:
        return 2 + len(self.roles)

    def role_column(self, role: str) -> int:
        return 1 + self.roles.index(role)

    # -- loading -------------------------------------------------------------------

    def set_policy(self, policy: FieldPolicy, roles: list[str]) -> None:
        """Show `policy` with one column per role in `roles`."""
        self._loaded = policy
        self.roles = list(roles)
        self.clear()
        self.setColumnCount(3 + len(self.roles))
        self.setHorizontalHeaderLabels(
            [
                self.tr("Field (name or pattern)"),
                *self.roles,
                self.tr("Mask rule"),
                self.tr("Placeholder"),
            ]
        )
        self.setRowCount(0)
        for rule in policy.rules:
            self._append_row(rule, is_default=False)
        self._append_row(policy.default, is_default=True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _append_row(self, rule: FieldRule, *, is_default: bool) -> None:
        row = self.rowCount()
        self.insertRow(row)
        if is_default:
            pattern_item = QTableWidgetItem(self.tr("(every other field)"))
            pattern_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            pattern_item.setToolTip(
                self.tr("The default for fields no pattern above matches")
            )
        else:
            pattern_item = QTableWidgetItem(rule.pattern)
            pattern_item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable
            )
        self.setItem(row, 0, pattern_item)
        for role in self.roles:
            level = rule.visibility.get(role, Visibility.HIDDEN)
            self.setCellWidget(
                row,
                self.role_column(role),
                self._combo(VISIBILITY_CHOICES, level.value),
            )
        self.setCellWidget(
            row, self._mask_column(), self._combo(MASK_CHOICES, rule.mask.value)
        )
        self.setItem(
            row, self._placeholder_column(), QTableWidgetItem(rule.placeholder)
        )

    @staticmethod
    def _combo(choices: list[str], current: str) -> QComboBox:
        combo = QComboBox()
        combo.addItems(choices)
        combo.setCurrentText(current)
        return combo

    # -- editing -------------------------------------------------------------------

    def default_row(self) -> int:
        return self.rowCount() - 1

    def row_of(self, pattern: str) -> int:
        """Return the row of a pattern (DEFAULT_PATTERN: the default row), or -1."""
        if pattern == DEFAULT_PATTERN:
            return self.default_row()
        for row in range(self.default_row()):
            item = self.item(row, 0)
            if item is not None and item.text().strip() == pattern:
                return row
        return -1

    def visibility_combo(self, row: int, role: str) -> QComboBox:
        widget = self.cellWidget(row, self.role_column(role))
        assert isinstance(widget, QComboBox)  # set_policy puts one in every role cell
        return widget

    def mask_combo(self, row: int) -> QComboBox:
        widget = self.cellWidget(row, self._mask_column())
        assert isinstance(widget, QComboBox)
        return widget

    def add_rule(self, pattern: str = "") -> int:
        """Insert a rule above the default, hidden from every role; return its row."""
        row = self.default_row()
        rule = FieldRule(pattern, {role: Visibility.HIDDEN for role in self.roles})
        self._insert_before_default(rule)
        self.setCurrentCell(row, 0)
        return row

    def _insert_before_default(self, rule: FieldRule) -> None:
        policy_rows = [self._rule_at(row) for row in range(self.default_row())]
        default = self._rule_at(self.default_row(), pattern=DEFAULT_PATTERN)
        self.set_policy(
            dataclasses.replace(
                self._loaded, rules=(*policy_rows, rule), default=default
            ),
            self.roles,
        )

    def remove_selected_rule(self) -> bool:
        """Remove the selected rule; the default row cannot be removed."""
        row = self.currentRow()
        if row < 0 or row >= self.default_row():
            return False
        self.removeRow(row)
        return True

    # -- reading -------------------------------------------------------------------

    def _rule_at(self, row: int, pattern: str | None = None) -> FieldRule:
        text = pattern
        if text is None:
            item = self.item(row, 0)
            text = item.text().strip() if item is not None else ""
        placeholder_item = self.item(row, self._placeholder_column())
        placeholder = (
            placeholder_item.text() if placeholder_item else DEFAULT_PLACEHOLDER
        )
        return FieldRule(
            text,
            {
                role: Visibility(self.visibility_combo(row, role).currentText())
                for role in self.roles
            },
            MaskRule(self.mask_combo(row).currentText()),
            placeholder or DEFAULT_PLACEHOLDER,
        )

    def policy(self) -> FieldPolicy:
        """Build the policy shown; raise ConfigError for an empty or repeated field."""
        rules = []
        seen: set[str] = set()
        for row in range(self.default_row()):
            rule = self._rule_at(row)
            if not rule.pattern:
                raise ConfigError(
                    f"row {row + 1} of the field policy has no field name"
                )
            if rule.pattern in seen:
                raise ConfigError(
                    f"field {rule.pattern!r} appears twice in the field policy"
                )
            seen.add(rule.pattern)
            rules.append(rule)
        default = self._rule_at(self.default_row(), pattern=DEFAULT_PATTERN)
        return dataclasses.replace(self._loaded, rules=tuple(rules), default=default)
