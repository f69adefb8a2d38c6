"""Project choice: only the user's projects; one project opens directly."""

from __future__ import annotations

import pytest

from labeler.gui.project_picker import ProjectPickerDialog, choose_project

pytestmark = pytest.mark.gui


def test_single_project_opens_directly(demo_workspace, qapp) -> None:
    session = demo_workspace.sign_in("anna")

    def no_dialog(_projects, _parent):  # type: ignore[no-untyped-def]
        raise AssertionError("no dialog expected for one project")

    assert choose_project(session, make_dialog=no_dialog) == demo_workspace.project_id
    session.lock()


def test_dialog_lists_only_given_projects(qtbot) -> None:
    projects = [{"id": "alpha", "name": "Alpha"}, {"id": "beta", "name": "Beta"}]
    dialog = ProjectPickerDialog(projects)
    qtbot.addWidget(dialog)

    dialog.list_widget.setCurrentRow(1)
    dialog.accept()

    assert dialog.list_widget.count() == 2
    assert dialog.project_id == "beta"


def test_picker_offers_session_projects(demo_workspace, qtbot, monkeypatch) -> None:
    admin = demo_workspace.sign_in("admin")
    offered: list[list[str]] = []

    class RecordingDialog(ProjectPickerDialog):
        def exec(self) -> int:
            offered.append([self.list_widget.item(row).text()
                            for row in range(self.list_widget.count())])
            self.list_widget.setCurrentRow(0)
            self.accept()
            return ProjectPickerDialog.DialogCode.Accepted

    monkeypatch.setattr(admin, "projects", lambda: [
        {"id": "project", "name": "Project"}, {"id": "other", "name": "Other"}])

    chosen = choose_project(admin, make_dialog=RecordingDialog)

    assert chosen == "project"
    assert offered == [["Project  (project)", "Other  (other)"]]
    admin.lock()
