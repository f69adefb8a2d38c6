"""Fixtures for GUI tests: real encrypted workspaces, settings in tmp, windows.

Workspaces use the fast key-derivation cost from `tests.core.factories`. The
demo-bucket workspace is built and imported once per run, then copied per
test, because an import decrypts and encrypts every file.

`labeler.gui.app` and `labeler.gui.main_window` are imported inside the
fixtures that need them, so tests of single widgets run without the canvas.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from labeler.core.ingest import run_import
from labeler.core.resources import resource_path
from labeler.core.session import Session
from labeler.gui.errors import UserMessage
from labeler.gui.workers import TaskRunner
from tests.core.factories import PASSWORDS, DemoWorkspace, build_workspace

def build_imported_workspace(root: Path, bucket: Path) -> DemoWorkspace:
    """Build a fast-KDF workspace whose project contains `bucket`, imported as admin."""
    workspace = build_workspace(root, bucket=bucket)
    admin = workspace.sign_in("admin")
    try:
        project = admin.open_project(workspace.project_id)
        bucket_id = next(iter(project.record["buckets"]))
        report = run_import(project, bucket_id)
        assert not report.failed, report.failed
    finally:
        admin.lock()
    return workspace


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    root = tmp_path_factory.mktemp("demo-template") / "workspace"
    return build_imported_workspace(root, resource_path("demo", "bucket"))


@pytest.fixture
def demo_workspace(demo_template: DemoWorkspace, tmp_path: Path) -> DemoWorkspace:
    """A private copy of the imported demo workspace (bucket paths stay valid)."""
    root = tmp_path / "workspace"
    shutil.copytree(demo_template.root, root)
    return DemoWorkspace(root, demo_template.project_id)


@pytest.fixture
def client_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings in an ini file under tmp, never the user's own."""
    from labeler.gui.app import ClientSettings

    return ClientSettings(QSettings(str(tmp_path / "settings.ini"),
                                    QSettings.Format.IniFormat))


@pytest.fixture
def shown_errors() -> list[UserMessage]:
    return []


@pytest.fixture
def make_context(client_settings, shown_errors: list[UserMessage],  # type: ignore[no-untyped-def]
                 qapp: object):
    """Build a ClientContext for a workspace; error boxes are captured, not shown."""
    from labeler.gui.main_window import ClientContext

    def make(root: Path, *, synchronous: bool = False) -> ClientContext:
        return ClientContext(
            root=root,
            runner=TaskRunner(synchronous=synchronous),
            thumbnail_runner=TaskRunner(synchronous=synchronous, max_threads=2),
            settings=client_settings,
            error_presenter=lambda _parent, message: shown_errors.append(message),
        )

    return make


@pytest.fixture
def open_window(qtbot, make_context) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Sign in as a user and open a main window on the workspace's project."""
    from labeler.gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def open_(workspace: DemoWorkspace, user: str, *, synchronous: bool = False,
              context=None) -> MainWindow:  # type: ignore[no-untyped-def]
        session = Session.sign_in(workspace.root, user, PASSWORDS[user])
        window = MainWindow(context or make_context(workspace.root, synchronous=synchronous),
                            session, workspace.project_id)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield open_
    for window in windows:
        window.shutdown()


def copy_files(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, folder / path.name)
    return folder
