"""The admin console on real encrypted workspaces, driven through its widgets."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.errors import PolicyError, WrongPasswordError
from labeler.core.policy.fields import FieldPolicy, Visibility
from labeler.core.profile import init_station, install_profile
from labeler.core.resources import resource_path
from labeler.core.session import Session
from labeler.gui.admin.common import AdminServices, DialogService
from labeler.gui.admin.console import AdminConsoleDialog
from labeler.gui.admin.projects_tab import CreateProjectDialog
from labeler.gui.admin.users_tab import (
    AddRoleDialog,
    AddTeamDialog,
    AddUserDialog,
    ChooseTeamDialog,
    OneTimePasswordDialog,
)
from labeler.gui.workers import TaskRunner
from tests.core.factories import PASSWORDS, DemoWorkspace
from tests.gui.test_main_window import asset_id_of, show_and_wait

pytestmark = pytest.mark.gui

DialogHandler = Callable[[Any], int]


class FakeDialogs:
    """Returns scripted results for the console's modal dialogs and file choosers."""

    def __init__(self) -> None:
        self.handlers: dict[type, DialogHandler] = {}
        self.box_answers: list[QMessageBox.StandardButton] = []
        self.boxes: list[dict[str, Any]] = []
        self.paths: list[Path] = []
        self.shown: list[QDialog] = []
        self.one_time_passwords: dict[str, str] = {}
        self.handlers[OneTimePasswordDialog] = self._read_one_time_password

    def _read_one_time_password(self, dialog: OneTimePasswordDialog) -> int:
        user = dialog.windowTitle().rsplit(" ", 1)[-1]
        self.one_time_passwords[user] = dialog.password_edit.text()
        self.one_time_dialog_echo = dialog.password_edit.echoMode()
        return QDialog.DialogCode.Rejected

    def exec_dialog(self, dialog: QDialog) -> int:
        self.shown.append(dialog)
        handler = self.handlers.get(type(dialog))
        if handler is None:
            return QDialog.DialogCode.Rejected
        return handler(dialog)

    def exec_box(self, box: QMessageBox) -> QMessageBox.StandardButton:
        self.boxes.append(
            {
                "text": box.text(),
                "informative": box.informativeText(),
                "default": box.standardButton(box.defaultButton()),
            }
        )
        return self.box_answers.pop(0)

    def next_path(self, *_arguments: object) -> Path | None:
        return self.paths.pop(0) if self.paths else None

    def service(self) -> DialogService:
        return DialogService(
            exec_box=self.exec_box,
            exec_dialog=self.exec_dialog,
            choose_open_file=self.next_path,
            choose_save_file=self.next_path,
            choose_folder=self.next_path,
        )


def make_services(
    session: Session,
    dialogs: FakeDialogs,
    shown_errors: list,
    *,
    synchronous: bool = True,
) -> AdminServices:
    return AdminServices(
        session,
        TaskRunner(synchronous=synchronous),
        presenter=lambda _parent, message: shown_errors.append(message),
        dialogs=dialogs.service(),
        kdf_cost=TEST_KDF_COST,
    )


@pytest.fixture
def dialogs() -> FakeDialogs:
    return FakeDialogs()


@pytest.fixture
def open_console(
    qtbot,
    dialogs: FakeDialogs,  # type: ignore[no-untyped-def]
    shown_errors: list,
) -> Iterator[Callable[..., AdminConsoleDialog]]:
    """Sign in as the admin and open the console; the session is locked afterwards."""
    sessions: list[Session] = []

    def open_(
        workspace: DemoWorkspace, *, synchronous: bool = True
    ) -> AdminConsoleDialog:
        session = workspace.sign_in("admin")
        sessions.append(session)
        console = AdminConsoleDialog(
            make_services(session, dialogs, shown_errors, synchronous=synchronous)
        )
        qtbot.addWidget(console)
        console.show()
        return console

    yield open_
    for session in sessions:
        if not session.is_locked:
            session.lock()


def fill_add_user(name: str, role: str, teams: list[str]) -> DialogHandler:
    def handle(dialog: AddUserDialog) -> int:
        dialog.name_edit.setText(name)
        dialog.role_combo.setCurrentText(role)
        for team in teams:
            dialog.team_checks[team].setChecked(True)
        return QDialog.DialogCode.Accepted

    return handle


def add_user_in_console(
    console: AdminConsoleDialog,
    dialogs: FakeDialogs,
    name: str,
    role: str = "annotator",
    teams: tuple[str, ...] = ("team",),
) -> str:
    """Add a user through the Users tab; return the one-time password it showed."""
    dialogs.handlers[AddUserDialog] = fill_add_user(name, role, list(teams))
    console.users_tab.add_user_button.click()
    return dialogs.one_time_passwords[name]


def test_console_needs_manage_permission(demo_workspace, dialogs, shown_errors) -> None:
    session = demo_workspace.sign_in("anna")
    try:
        with pytest.raises(PolicyError, match="may not manage"):
            AdminConsoleDialog(make_services(session, dialogs, shown_errors))
    finally:
        session.lock()


def test_new_user_password_shown_once_masked(
    demo_workspace, open_console, dialogs, shown_errors, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    console = open_console(demo_workspace)

    password = add_user_in_console(console, dialogs, "nina")

    assert not shown_errors
    assert password, "the dialog must hold the one-time password"
    assert dialogs.one_time_dialog_echo == QLineEdit.EchoMode.Password
    assert password not in caplog.text
    record = console.services.session.workspace.user("nina")
    assert record["role"] == "annotator"
    assert record["teams"] == ["team"]
    statuses = dict(
        zip(
            console.users_tab.users_table.column_texts(0),
            console.users_tab.users_table.column_texts(3),
        )
    )
    assert statuses["nina"] == "must set own password"
    signed_in = Session.sign_in(demo_workspace.root, "nina", password)
    assert signed_in.must_change_password
    signed_in.lock()


def test_one_time_password_revealed_only_while_held(qtbot) -> None:
    dialog = OneTimePasswordDialog("nina", "abcd-efgh-ijkl-mnop")
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.password_edit

    assert field.echoMode() == QLineEdit.EchoMode.Password
    dialog.reveal_button.pressed.emit()
    assert field.echoMode() == QLineEdit.EchoMode.Normal
    dialog.reveal_button.released.emit()
    assert field.echoMode() == QLineEdit.EchoMode.Password
    assert field.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert field.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    dialog.reject()
    assert field.text() == ""


def test_remove_user_confirms_with_cancel_default(
    demo_workspace, open_console, dialogs, shown_errors
) -> None:
    console = open_console(demo_workspace)
    users = console.users_tab
    session = console.services.session
    version_before = session.workspace.manifest["projects"][demo_workspace.project_id][
        "key_version"
    ]
    assert users.users_table.select_key("rita")

    dialogs.box_answers.append(QMessageBox.StandardButton.Cancel)
    users.remove_button.click()

    box = dialogs.boxes[-1]
    assert box["default"] == QMessageBox.StandardButton.Cancel
    assert "rita" in box["text"]
    assert "cannot be taken back" in box["informative"]
    assert "rita" in session.workspace.manifest["users"], "Cancel must keep the user"

    assert users.users_table.select_key("rita")
    dialogs.box_answers.append(QMessageBox.StandardButton.Yes)
    users.remove_button.click()

    assert not shown_errors
    assert "rita" not in session.workspace.manifest["users"]
    assert "rita" not in users.users_table.column_texts(0)
    assert "cannot be taken back" in users.status_label.text()
    version_after = session.workspace.manifest["projects"][demo_workspace.project_id][
        "key_version"
    ]
    assert version_after == version_before + 1
    with pytest.raises(WrongPasswordError):
        Session.sign_in(demo_workspace.root, "rita", PASSWORDS["rita"])


def test_teams_roles_and_membership(
    demo_workspace, open_console, dialogs, shown_errors
) -> None:
    console = open_console(demo_workspace)
    users = console.users_tab
    manifest = lambda: console.services.session.workspace.manifest  # noqa: E731

    def fill_team(dialog: AddTeamDialog) -> int:
        dialog.name_edit.setText("night-shift")
        dialog.description_edit.setText("second team")
        return QDialog.DialogCode.Accepted

    def fill_role(dialog: AddRoleDialog) -> int:
        dialog.name_edit.setText("auditor")
        for permission in ("view", "read_audit"):
            dialog.permission_checks[permission].setChecked(True)
        return QDialog.DialogCode.Accepted

    def choose_team(dialog: ChooseTeamDialog) -> int:
        dialog.team_combo.setCurrentText("night-shift")
        return QDialog.DialogCode.Accepted

    dialogs.handlers.update(
        {
            AddTeamDialog: fill_team,
            AddRoleDialog: fill_role,
            ChooseTeamDialog: choose_team,
        }
    )
    users.findChild(QPushButton, "addTeam").click()
    users.findChild(QPushButton, "addRole").click()
    assert users.users_table.select_key("anna")
    users.add_to_team_button.click()

    assert not shown_errors
    assert manifest()["teams"]["night-shift"]["description"] == "second team"
    assert manifest()["roles"]["auditor"] == ["read_audit", "view"]
    assert manifest()["users"]["anna"]["teams"] == ["night-shift", "team"]
    assert "night-shift" in users.teams_table.column_texts(0)
    assert "auditor" in users.roles_table.column_texts(0)


def test_invalid_user_name_is_reported(
    demo_workspace, open_console, dialogs, shown_errors
) -> None:
    console = open_console(demo_workspace)
    dialogs.handlers[AddUserDialog] = fill_add_user("../evil", "annotator", [])

    console.users_tab.add_user_button.click()

    assert len(shown_errors) == 1
    assert "invalid" in shown_errors[0].text
    assert "../evil" not in console.services.session.workspace.manifest["users"]
    assert console.tabs.isEnabled(), (
        "the console must accept input again after an error"
    )


def first_asset_with_field(workspace: DemoWorkspace, field: str) -> str:
    admin = workspace.sign_in("admin")
    try:
        project = admin.open_project(workspace.project_id)
        for asset in project.list_assets():
            if field in {view.name for view in project.fields_for_user(asset.id)}:
                return asset.path
        raise AssertionError(f"no asset has field {field}")
    finally:
        admin.lock()


def count_full_fields(workspace: DemoWorkspace) -> int:
    admin = workspace.sign_in("admin")
    try:
        project = admin.open_project(workspace.project_id)
        return int(
            project.db.execute(
                "SELECT count(*) FROM fields WHERE variant = 'full'"
            ).fetchone()[0]
        )
    finally:
        admin.lock()


def annotator_view(
    qtbot,
    open_window,
    workspace: DemoWorkspace,  # type: ignore[no-untyped-def]
    path: str,
) -> dict[str, str]:
    """Open anna's window on `path`; return the fields panel as {name: "shown as"}."""
    window = open_window(workspace, "anna")
    asset_id = asset_id_of(window, path)
    show_and_wait(qtbot, window, asset_id)
    tree = window.fields_panel.tree
    shown = {
        tree.topLevelItem(row).text(0): tree.topLevelItem(row).text(2)
        for row in range(tree.topLevelItemCount())
    }
    window.close()
    return shown


def test_field_policy_change_reaches_annotator(
    qtbot, demo_workspace, open_console, open_window, dialogs, shown_errors
) -> None:
    path = first_asset_with_field(demo_workspace, "exif.Make")
    assert (
        annotator_view(qtbot, open_window, demo_workspace, path)["exif.Make"]
        == "visible"
    )
    expected_count = count_full_fields(demo_workspace)

    console = open_console(demo_workspace)
    console.tabs.setCurrentWidget(console.projects_tab)
    editor = console.projects_tab.policy_editor
    row = editor.row_of("exif.Make")
    editor.visibility_combo(row, "annotator").setCurrentText("hidden")
    dialogs.box_answers.append(QMessageBox.StandardButton.Save)
    console.projects_tab.save_policy_button.click()

    assert not shown_errors
    assert dialogs.boxes[-1]["default"] == QMessageBox.StandardButton.Cancel
    status = console.projects_tab.status_label.text()
    assert f"{expected_count} field values re-encrypted" in status
    stored = FieldPolicy.from_json(
        console.services.session.workspace.manifest["projects"][
            demo_workspace.project_id
        ]["policy"]
    )
    assert stored.rule_for("exif.Make").visibility["annotator"] == Visibility.HIDDEN
    console.services.session.lock()

    assert (
        annotator_view(qtbot, open_window, demo_workspace, path)["exif.Make"]
        == "hidden"
    )


def test_policy_save_cancelled_changes_nothing(
    demo_workspace, open_console, dialogs
) -> None:
    console = open_console(demo_workspace)
    before = console.services.session.workspace.manifest["projects"][
        demo_workspace.project_id
    ]["policy"]
    editor = console.projects_tab.policy_editor
    editor.visibility_combo(editor.row_of("exif.Make"), "annotator").setCurrentText(
        "hidden"
    )
    dialogs.box_answers.append(QMessageBox.StandardButton.Cancel)

    console.projects_tab.save_policy_button.click()

    after = console.services.session.workspace.manifest["projects"][
        demo_workspace.project_id
    ]["policy"]
    assert after == before


def test_policy_editor_round_trips_and_edits(
    demo_workspace, open_console, shown_errors
) -> None:
    console = open_console(demo_workspace)
    editor = console.projects_tab.policy_editor
    loaded = FieldPolicy.from_json(
        console.services.session.workspace.manifest["projects"][
            demo_workspace.project_id
        ]["policy"]
    )

    assert editor.policy() == loaded
    row = editor.add_rule("csv.site")
    editor.visibility_combo(row, "reviewer").setCurrentText("masked")
    editor.mask_combo(row).setCurrentText("initials")
    edited = editor.policy()
    assert edited.rule_for("csv.site").visibility["reviewer"] == Visibility.MASKED
    assert edited.rule_for("csv.site").mask.value == "initials"
    assert len(edited.rules) == len(loaded.rules) + 1

    editor.setCurrentCell(editor.default_row(), 0)
    assert not editor.remove_selected_rule(), "the default row cannot be removed"
    editor.setCurrentCell(editor.row_of("csv.site"), 0)
    assert editor.remove_selected_rule()
    assert editor.policy() == loaded

    editor.add_rule("")
    console.projects_tab.save_policy_button.click()
    assert len(shown_errors) == 1
    assert "no field name" in shown_errors[0].text


def test_create_project_from_toml_and_add_bucket(
    demo_workspace, open_console, dialogs, shown_errors, tmp_path: Path
) -> None:
    console = open_console(demo_workspace)

    def fill_project(dialog: CreateProjectDialog) -> int:
        dialog.name_edit.setText("Second Project")
        dialogs.paths.append(resource_path("demo", "ontology.toml"))
        browse_buttons = [
            button
            for button in dialog.findChildren(QPushButton)
            if button.text() == "Browse…"
        ]
        browse_buttons[0].click()  # the ontology's; the file chooser returns the path
        dialog.policy_edit.setText(str(resource_path("demo", "policy.toml")))
        dialog.team_checks["team"].setChecked(True)
        return QDialog.DialogCode.Accepted

    dialogs.handlers[CreateProjectDialog] = fill_project
    console.projects_tab.findChild(QPushButton, "newProject").click()

    assert not shown_errors
    manifest = console.services.session.workspace.manifest
    assert "second-project" in manifest["projects"]
    assert manifest["projects"]["second-project"]["teams"] == ["team"]
    assert console.projects_tab.selected_project() == "second-project"
    labels = [
        label["name"]
        for label in manifest["projects"]["second-project"]["ontology"]["labels"]
    ]
    assert "licence_plate" in labels
    audit_titles = [source.title for source in console.audit_tab.sources]
    assert "Project log: second-project" in audit_titles

    bucket = tmp_path / "bucket-two"
    bucket.mkdir()
    dialogs.paths.append(bucket)
    console.projects_tab.add_bucket_button.click()
    assert not shown_errors
    buckets = console.services.session.workspace.manifest["projects"]["second-project"][
        "buckets"
    ]
    assert [entry["path"] for entry in buckets.values()] == [str(bucket.resolve())]
    assert console.projects_tab.buckets_table.column_texts(1) == [str(bucket.resolve())]


def test_create_project_with_bad_policy_reports(
    demo_workspace, open_console, dialogs, shown_errors, tmp_path: Path
) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[fields."x"]\nannotator = "sometimes"\n', encoding="utf-8")
    console = open_console(demo_workspace)

    def fill_project(dialog: CreateProjectDialog) -> int:
        dialog.name_edit.setText("Broken")
        dialog.ontology_edit.setText(str(resource_path("demo", "ontology.toml")))
        dialog.policy_edit.setText(str(bad))
        return QDialog.DialogCode.Accepted

    dialogs.handlers[CreateProjectDialog] = fill_project
    console.projects_tab.create_project()

    assert len(shown_errors) == 1
    assert "sometimes" in shown_errors[0].text
    assert "broken" not in console.services.session.workspace.manifest["projects"]


def test_settings_saved_into_manifest(
    demo_workspace, open_console, shown_errors
) -> None:
    console = open_console(demo_workspace)
    settings_tab = console.settings_tab
    settings_tab.idle_spin.setValue(120)
    settings_tab.failures_spin.setValue(5)
    settings_tab.delays_edit.setText("1, 2, 8")
    settings_tab.watermark_checks["admin"].setChecked(False)
    settings_tab.watermark_checks["reviewer"].setChecked(True)
    pixels_before = console.services.session.workspace.manifest["settings"][
        "max_image_pixels"
    ]

    settings_tab.save_button.click()

    assert not shown_errors
    saved = console.services.session.workspace.manifest["settings"]
    assert saved["idle_lock_seconds"] == 120
    assert saved["lock_after_failures"] == 5
    assert saved["sign_in_backoff_seconds"] == [1, 2, 8]
    assert saved["watermark_roles"] == ["annotator", "reviewer"]
    assert saved["max_image_pixels"] == pixels_before
    assert (
        Session.sign_in(
            demo_workspace.root, "anna", PASSWORDS["anna"]
        ).workspace.manifest["settings"]["idle_lock_seconds"]
        == 120
    )


def test_invalid_delays_are_not_saved(
    demo_workspace, open_console, shown_errors
) -> None:
    console = open_console(demo_workspace)
    before = dict(console.services.session.workspace.manifest["settings"])
    console.settings_tab.delays_edit.setText("1, soon")

    console.settings_tab.save_button.click()

    assert len(shown_errors) == 1
    assert "'soon'" in shown_errors[0].text
    assert console.services.session.workspace.manifest["settings"] == before


def test_profile_export_installs_on_fresh_station(
    demo_workspace, open_console, dialogs, shown_errors, tmp_path: Path
) -> None:
    station_root = tmp_path / "station"
    station = init_station(station_root)
    out = tmp_path / "carry" / "station.labeler-profile"
    out.parent.mkdir()
    console = open_console(demo_workspace)
    profiles = console.profiles_tab
    profiles.station_edit.setText(station)
    profiles.days_spin.setValue(7)
    profiles.passphrase_edit.setText("transport-phrase-1")
    profiles.repeat_edit.setText("transport-phrase-1")
    dialogs.paths.append(out)
    browse_buttons = [
        button
        for button in profiles.findChildren(QPushButton)
        if button.text() == "Browse…"
    ]
    browse_buttons[0].click()
    assert profiles.out_edit.text() == str(out)

    profiles.export_button.click()

    assert not shown_errors
    assert out.is_file()
    assert profiles.passphrase_edit.text() == ""
    shown_fingerprint = profiles.fingerprint_label.text()
    assert shown_fingerprint in profiles.status_label.text()
    header = install_profile(
        station_root,
        out.read_bytes(),
        "transport-phrase-1",
        accepted_fingerprint=shown_fingerprint,
    )
    assert header.station == station
    installed = Session.sign_in(station_root, "anna", PASSWORDS["anna"])
    assert installed.workspace.org_fingerprint() == shown_fingerprint
    installed.lock()


@pytest.mark.parametrize(
    ("station", "passphrase", "repeated", "expected"),
    [
        ("laptop-7", "transport-phrase-1", "transport-phrase-1", "station id"),
        ("st-0123456789abcdef", "short", "short", "at least 12"),
        ("st-0123456789abcdef", "transport-phrase-1", "transport-phrase-2", "differ"),
    ],
)
def test_profile_form_problems_write_nothing(
    demo_workspace,
    open_console,
    tmp_path: Path,
    station: str,
    passphrase: str,
    repeated: str,
    expected: str,
) -> None:
    out = tmp_path / "out.labeler-profile"
    profiles = open_console(demo_workspace).profiles_tab
    profiles.station_edit.setText(station)
    profiles.passphrase_edit.setText(passphrase)
    profiles.repeat_edit.setText(repeated)
    profiles.out_edit.setText(str(out))

    profiles.export_button.click()

    assert expected in profiles.status_label.text()
    assert not out.exists()
    assert profiles.passphrase_edit.text() == ""


def test_audit_tab_reads_both_logs_without_copy(
    demo_workspace, open_console, shown_errors
) -> None:
    console = open_console(demo_workspace)
    audit = console.audit_tab

    console.tabs.setCurrentWidget(audit)

    assert not shown_errors
    assert audit.source_combo.itemText(0) == "Workspace log"
    actions = audit.table.column_texts(3)
    assert "user_added" in actions
    assert "sign_in" in actions
    assert audit.table.selectionMode() == QAbstractItemView.SelectionMode.NoSelection
    assert audit.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    audit.source_combo.setCurrentIndex(1)
    assert "import_finished" in audit.table.column_texts(3)
    assert demo_workspace.project_id in audit.status_label.text()


def make_bucket(tmp_path: Path) -> Path:
    """A bucket of two demo photos and one file that is not an image."""
    bucket = tmp_path / "new-bucket"
    photos = sorted((resource_path("demo", "bucket") / "photos").glob("*.jpg"))[:2]
    assert len(photos) == 2
    bucket.mkdir()
    for photo in photos:
        shutil.copy2(photo, bucket / photo.name)
    (bucket / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return bucket


def add_bucket_in_console(
    qtbot,
    console: AdminConsoleDialog,  # type: ignore[no-untyped-def]
    dialogs: FakeDialogs,
    bucket: Path,
) -> str:
    dialogs.paths.append(bucket)
    console.projects_tab.add_bucket_button.click()
    project_id = console.projects_tab.selected_project()

    def bucket_ids() -> list[str]:
        buckets = console.services.session.workspace.manifest["projects"][project_id][
            "buckets"
        ]
        return [
            bucket_id
            for bucket_id, entry in buckets.items()
            if entry["path"] == str(bucket.resolve())
        ]

    qtbot.waitUntil(lambda: bool(bucket_ids()) and console.tabs.isEnabled())
    return bucket_ids()[0]


def choose_bucket(console: AdminConsoleDialog, bucket_id: str) -> None:
    importer = console.import_tab
    console.tabs.setCurrentWidget(importer)
    for index in range(importer.bucket_combo.count()):
        if importer.bucket_combo.itemText(index).startswith(bucket_id):
            importer.bucket_combo.setCurrentIndex(index)
    assert importer.selected_bucket() == bucket_id


def test_import_shows_progress_and_file_errors(
    qtbot, demo_workspace, open_console, dialogs, shown_errors, tmp_path: Path
) -> None:
    console = open_console(demo_workspace, synchronous=False)
    bucket_id = add_bucket_in_console(qtbot, console, dialogs, make_bucket(tmp_path))
    choose_bucket(console, bucket_id)
    importer = console.import_tab
    seen: list[int] = []
    importer.relay.progressed.connect(lambda progress: seen.append(progress.files_done))

    importer.start_button.click()
    assert importer.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not importer.is_running, timeout=30_000)

    assert not shown_errors
    assert seen, "progress must reach the UI thread"
    assert importer.progress_bar.value() == importer.progress_bar.maximum()
    assert "Import finished" in importer.status_label.text()
    assert "2 added" in importer.status_label.text()
    assert importer.errors_table.column_texts(0) == ["broken.jpg"]
    assert not importer.cancel_button.isEnabled()


def test_import_cancel_stops_then_resumes(
    qtbot, demo_workspace, open_console, dialogs, shown_errors, tmp_path: Path
) -> None:
    console = open_console(demo_workspace)
    bucket_id = add_bucket_in_console(qtbot, console, dialogs, make_bucket(tmp_path))
    choose_bucket(console, bucket_id)
    importer = console.import_tab
    # The runner is synchronous, so Cancel is pressed from the first progress report.
    cancel_once = lambda _progress: importer.cancel_button.click()  # noqa: E731
    importer.relay.progressed.connect(cancel_once)

    importer.start_button.click()

    assert "Import stopped" in importer.status_label.text()
    importer.relay.progressed.disconnect(cancel_once)
    importer.start_button.click()
    assert not shown_errors
    assert "Import finished" in importer.status_label.text()
    assert importer.errors_table.column_texts(0) == ["broken.jpg"]


def test_console_refuses_to_close_mid_import(demo_workspace, open_console) -> None:
    console = open_console(demo_workspace)
    console.import_tab.is_running = True  # as while a worker imports

    console.reject()

    assert console.isVisible()
    assert "still running" in console.import_tab.status_label.text()
    console.import_tab.is_running = False
    console.reject()
    assert not console.isVisible()


def test_export_tab_writes_annotations(
    demo_workspace, open_console, shown_errors, tmp_path: Path
) -> None:
    out = tmp_path / "annotations.json"
    console = open_console(demo_workspace)
    console.export_tab.out_edit.setText(str(out))

    console.export_tab.export_button.click()

    assert not shown_errors
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["project"] == demo_workspace.project_id
    assert document["assets"]
    assert "Exported 0 annotations" in console.export_tab.status_label.text()
