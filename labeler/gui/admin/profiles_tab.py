"""The Profiles tab: export a workstation profile for one station.

A profile carries the signed manifest and every keyring across the air gap,
encrypted under a transport passphrase and signed with the organisation key.
The tab shows the organisation key fingerprint, which the admin reads out to
the person who installs the first profile on a new station.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt
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
from labeler.gui.admin.common import AdminServices

logger = logging.getLogger(__name__)

# The form `labeler.core.profile.init_station` gives station ids.
STATION_PATTERN: Final = re.compile(r"^st-[0-9a-f]{16}$")
# The passphrase guards every keyring in the file against offline guessing.
MIN_PASSPHRASE_LENGTH: Final = 12
MAX_VALID_DAYS: Final = 365
PROFILE_FILTER = "Labeler profiles (*.labeler-profile);;All files (*)"


def find_profile_problem(station: str, passphrase: str, repeated: str, out: str) -> str:
    """Return why the export form is not ready, or "" when it is."""
    if not STATION_PATTERN.match(station):
        return (
            "The station id must look like st-0123456789abcdef. Run 'labeler station "
            "init' on the target station and copy the id it prints."
        )
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return (
            f"The transport passphrase must have at least {MIN_PASSPHRASE_LENGTH} "
            "characters."
        )
    if passphrase != repeated:
        return "The two transport passphrases differ. Type the same one twice."
    if not out:
        return "Choose the file to write the profile to."
    return ""


def _password_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ProfilesTab(QWidget):
    """Station id, validity, passphrase twice and output file; shows the fingerprint."""

    def __init__(self, services: AdminServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.fingerprint_label = QLabel(services.session.workspace.org_fingerprint())
        self.fingerprint_label.setObjectName("orgFingerprint")
        # The fingerprint is public and meant to be read out, so it may be selected.
        self.fingerprint_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        font = self.fingerprint_label.font()
        font.setFamily("monospace")
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.fingerprint_label.setFont(font)

        self.station_edit = QLineEdit()
        self.station_edit.setObjectName("stationId")
        self.station_edit.setPlaceholderText("st-0123456789abcdef")
        self.days_spin = QSpinBox()
        self.days_spin.setObjectName("validDays")
        self.days_spin.setRange(1, MAX_VALID_DAYS)
        self.days_spin.setValue(30)
        self.days_spin.setSuffix(self.tr(" days"))
        self.passphrase_edit = _password_edit("transportPassphrase")
        self.repeat_edit = _password_edit("repeatTransportPassphrase")
        self.out_edit = QLineEdit()
        self.out_edit.setObjectName("profileFile")
        browse = QPushButton(self.tr("Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda _checked=False: self._browse())
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        self.export_button = QPushButton(self.tr("Export profile"))
        self.export_button.setObjectName("exportProfile")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(lambda _checked=False: self.export())
        self.status_label = QLabel()
        self.status_label.setObjectName("profilesStatus")
        self.status_label.setWordWrap(True)

        key_group = QGroupBox(self.tr("Organisation key fingerprint"))
        key_layout = QVBoxLayout(key_group)
        key_layout.addWidget(self.fingerprint_label)
        hint = QLabel(
            self.tr(
                "On a station's first install, read this out to the person installing; "
                "they compare it with what the installer shows."
            )
        )
        hint.setWordWrap(True)
        key_layout.addWidget(hint)
        form_group = QGroupBox(self.tr("Export a profile"))
        form = QFormLayout(form_group)
        form.addRow(self.tr("Station id"), self.station_edit)
        form.addRow(self.tr("Valid for"), self.days_spin)
        form.addRow(
            self.tr("Transport passphrase (at least %d characters)")
            % MIN_PASSPHRASE_LENGTH,
            self.passphrase_edit,
        )
        form.addRow(self.tr("Transport passphrase again"), self.repeat_edit)
        form.addRow(self.tr("Profile file"), out_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(key_group)
        layout.addWidget(form_group)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

    def refresh(self) -> None:
        self.fingerprint_label.setText(
            self.services.session.workspace.org_fingerprint()
        )

    def _browse(self) -> None:
        chosen = self.services.dialogs.choose_save_file(
            self, self.tr("Write the profile to"), PROFILE_FILTER
        )
        if chosen is not None:
            self.out_edit.setText(str(chosen))

    def export(self) -> None:
        station = self.station_edit.text().strip()
        passphrase = self.passphrase_edit.text()
        out_text = self.out_edit.text().strip()
        problem = find_profile_problem(
            station, passphrase, self.repeat_edit.text(), out_text
        )
        self.passphrase_edit.clear()
        self.repeat_edit.clear()
        if problem:
            self.status_label.setText(self.tr(problem))
            return

        out = Path(out_text)
        days = self.days_spin.value()
        session, cost = self.services.session, self.services.kdf_cost
        fingerprint = session.workspace.org_fingerprint()

        def written(version: int) -> None:
            self.status_label.setText(
                self.tr(
                    "Wrote profile version %d for station %s to %s, valid for %d days. "
                    "Organisation key fingerprint: %s"
                )
                % (version, station, out, days, fingerprint)
            )

        self.services.run(
            self,
            self.tr("Exporting the profile"),
            lambda: admin.export_profile(
                session,
                station=station,
                passphrase=passphrase,
                out=out,
                valid_days=days,
                cost=cost,
            ),
            written,
        )
