"""Bucket folders may not overlap the workspace or another bucket of the project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labeler.core.errors import ConfigError
from labeler.core.session import Session
from tests.core.factories import build_workspace


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[tuple[Session, str]]:
    built = build_workspace(tmp_path / "ws")
    session = built.sign_in("admin")
    yield session, built.project_id
    session.lock()


@pytest.mark.parametrize("relative", [".", "projects", "keyrings"])
def test_workspace_or_folder_inside_rejected(admin: tuple[Session, str],
                                             relative: str) -> None:
    session, project_id = admin
    folder = session.workspace.root / relative
    with pytest.raises(ConfigError, match="overlaps the workspace folder"):
        session.add_bucket(project_id, folder)


def test_folder_containing_workspace_rejected(admin: tuple[Session, str]) -> None:
    session, project_id = admin
    with pytest.raises(ConfigError, match="overlaps the workspace folder"):
        session.add_bucket(project_id, session.workspace.root.parent)


def test_folder_inside_other_bucket_rejected(admin: tuple[Session, str],
                                             tmp_path: Path) -> None:
    session, project_id = admin
    outer = tmp_path / "bucket"
    (outer / "inner").mkdir(parents=True)
    bucket_id = session.add_bucket(project_id, outer)
    with pytest.raises(ConfigError, match=f"inside .*bucket {bucket_id} of this project"):
        session.add_bucket(project_id, outer / "inner")


def test_folder_containing_other_bucket_rejected(admin: tuple[Session, str],
                                                 tmp_path: Path) -> None:
    session, project_id = admin
    inner = tmp_path / "data" / "bucket"
    inner.mkdir(parents=True)
    bucket_id = session.add_bucket(project_id, inner)
    with pytest.raises(ConfigError, match=f"contains .*bucket {bucket_id} of this project"):
        session.add_bucket(project_id, tmp_path / "data")


def test_same_folder_returns_existing_bucket(admin: tuple[Session, str],
                                             tmp_path: Path) -> None:
    session, project_id = admin
    folder = tmp_path / "bucket"
    folder.mkdir()
    first = session.add_bucket(project_id, folder)
    assert session.add_bucket(project_id, tmp_path / "." / "bucket") == first
    assert len(session.workspace.project(project_id)["buckets"]) == 1


def test_sibling_folders_accepted(admin: tuple[Session, str], tmp_path: Path) -> None:
    session, project_id = admin
    (tmp_path / "one").mkdir()
    (tmp_path / "one-more").mkdir()
    first = session.add_bucket(project_id, tmp_path / "one")
    second = session.add_bucket(project_id, tmp_path / "one-more")
    assert first != second
