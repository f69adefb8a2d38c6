"""The Settings tab: idle lock, watermark roles, sign-in lockout, image size cap.

Values are written with `update_settings` into the signed manifest. Sign-in
delays and the lockout apply from the next sign-in attempt. The idle lock,
watermark and image cap apply when a project window next opens, because a
window reads them once when it is built.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeler.core import admin
from labeler.core.errors import ConfigError
from labeler.core.workspace import known_roles
from labeler.gui.admin.common import AdminServices, checkbox_column

logger = logging.getLogger(__name__)

MAX_IDLE_LOCK_SECONDS: Final = 24 * 3600
MAX_DELAY_SECONDS: Final = 3600


def parse_delays(text: str) -> list[int]:
    """Parse "1, 2, 4" into whole seconds; raise ConfigError naming the bad entry."""
    delays = []
    for part in text.replace(";", ",").split(","):
        entry = part.strip()
        if not entry:
            continue
        if not entry.isdigit() or int(entry) > MAX_DELAY_SECONDS:
            raise ConfigError(
                f"sign-in delay {entry!r} is invalid: use whole seconds from 0 to "
                f"{MAX_DELAY_SECONDS}, separated by commas"
            )
        delays.append(int(entry))
    if not delays:
        raise ConfigError("the sign-in delays are empty: enter at least one, such as 0")
    return delays


class SettingsTab(QWidget):
    """Workspace-wide settings; `changed` fires after they are saved."""

    changed = Signal()

    def __init__(self, services: AdminServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.idle_spin = self._spin(
            "idleLockSeconds", 30, MAX_IDLE_LOCK_SECONDS, self.tr(" s")
        )
        self.failures_spin = self._spin("lockAfterFailures", 1, 100, "")
        self.delays_edit = QLineEdit()
        self.delays_edit.setObjectName("signInDelays")
        self.delays_edit.setToolTip(
            self.tr(
                "Seconds to wait after the 1st, 2nd, … failed sign-in; the last value "
                "repeats"
            )
        )
        self.pixels_spin = self._spin("maxImageMegapixels", 1, 10_000, self.tr(" MP"))
        self.watermark_group = QGroupBox(self.tr("Watermark the view of these roles"))
        self._watermark_layout = QVBoxLayout(self.watermark_group)
        self.watermark_checks: dict[str, Any] = {}

        locking = QGroupBox(self.tr("Locking"))
        locking_form = QFormLayout(locking)
        locking_form.addRow(self.tr("Lock a window after no input for"), self.idle_spin)
        locking_form.addRow(
            self.tr("Lock an account after failed sign-ins"), self.failures_spin
        )
        locking_form.addRow(
            self.tr("Delays after failed sign-ins (s)"), self.delays_edit
        )
        images = QGroupBox(self.tr("Images"))
        images_form = QFormLayout(images)
        images_form.addRow(self.tr("Largest image decoded in full"), self.pixels_spin)

        self.save_button = QPushButton(self.tr("Save settings"))
        self.save_button.setObjectName("saveSettings")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(lambda _checked=False: self.save())
        self.status_label = QLabel()
        self.status_label.setObjectName("settingsStatus")
        self.status_label.setWordWrap(True)
        note = QLabel(
            self.tr(
                "Sign-in delays and the account lock apply from the next sign-in "
                "attempt. The idle lock, the watermark and the image limit apply when "
                "a project window next opens."
            )
        )
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(locking)
        left.addWidget(images)
        left.addStretch(1)
        columns.addLayout(left, 2)
        columns.addWidget(self.watermark_group, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.refresh()

    @staticmethod
    def _spin(name: str, low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        return spin

    def refresh(self) -> None:
        manifest = self.services.session.workspace.manifest
        settings = manifest["settings"]
        self.idle_spin.setValue(int(settings.get("idle_lock_seconds", 600)))
        self.failures_spin.setValue(int(settings.get("lock_after_failures", 10)))
        delays = settings.get("sign_in_backoff_seconds", [0])
        self.delays_edit.setText(", ".join(str(int(delay)) for delay in delays))
        self._loaded_pixels = int(settings.get("max_image_pixels", 250_000_000))
        self.pixels_spin.setValue(max(1, round(self._loaded_pixels / 1_000_000)))
        self._loaded_megapixels = self.pixels_spin.value()
        if self._watermark_layout.count():
            self._watermark_layout.takeAt(0).widget().deleteLater()
        box, self.watermark_checks = checkbox_column(known_roles(manifest), "watermark")
        watermarked = set(settings.get("watermark_roles", []))
        for role, check in self.watermark_checks.items():
            check.setChecked(role in watermarked)
        self._watermark_layout.addWidget(box)

    def values(self) -> dict[str, Any]:
        """Return the settings as shown; raise ConfigError for invalid delays."""
        # The spin box shows whole megapixels; an untouched value keeps its exact
        # pixel count instead of being rounded.
        pixels = self._loaded_pixels
        if self.pixels_spin.value() != self._loaded_megapixels:
            pixels = self.pixels_spin.value() * 1_000_000
        return {
            "idle_lock_seconds": self.idle_spin.value(),
            "lock_after_failures": self.failures_spin.value(),
            "sign_in_backoff_seconds": parse_delays(self.delays_edit.text()),
            "max_image_pixels": pixels,
            "watermark_roles": [
                role
                for role, check in self.watermark_checks.items()
                if check.isChecked()
            ],
        }

    def save(self) -> None:
        try:
            values = self.values()
        except ConfigError as error:
            self.services.report(self, self.tr("Saving the settings"), error)
            return
        session = self.services.session

        def saved(_none: object) -> None:
            self.refresh()
            self.status_label.setText(self.tr("Settings saved."))
            self.changed.emit()

        self.services.run(
            self,
            self.tr("Saving the settings"),
            lambda: admin.update_settings(session, values),
            saved,
        )
