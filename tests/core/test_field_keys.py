"""Field classes: a hidden field is ciphertext no annotator key opens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlcipher3

from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto.primitives import SecretKey, decrypt
from labeler.core.errors import CryptoError
from labeler.core.ingest import run_import
from labeler.core.project import field_aad
from labeler.core.workspace import Workspace
from tests.core.factories import PASSWORDS, build_workspace

SECRET_CASE = "CASE-7731-SECRET"


def _workspace_with_sidecar(tmp_path: Path) -> tuple[Path, str]:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "a.txt").write_text("report\n")
    (bucket / "a.txt.json").write_text(json.dumps({"case_number": SECRET_CASE,
                                                   "hidden_note": "HIDDEN-NOTE-42"}))
    workspace = build_workspace(tmp_path / "ws", bucket)
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    run_import(project, next(iter(project.record["buckets"])))
    session.lock()
    return workspace.root, workspace.project_id


def _raw_keyring(root: Path, user: str) -> keyrings.Keyring:
    workspace = Workspace(root)
    return keyrings.unlock(workspace.read_keyring(user), PASSWORDS[user],
                           workspace.org_public_key)


def _raw_rows(root: Path, project_id: str, store_key: SecretKey) -> list[tuple]:
    connection = sqlcipher3.connect(str(root / "projects" / project_id / "store.db"))
    connection.execute(f"PRAGMA key = \"x'{store_key.hex()}'\"")
    rows = connection.execute("SELECT asset_id, name, variant, class_id, key_version,"
                              " ciphertext FROM fields").fetchall()
    connection.close()
    return rows


def _every_key(keyring: keyrings.Keyring) -> list[SecretKey]:
    keys = []
    for versions in keyring.projects.values():
        for project_keys in versions.values():
            keys += [project_keys.store_key, project_keys.content_key,
                     *project_keys.class_keys.values()]
    return keys


def _try_decrypt(keys: list[SecretKey], row: tuple, project_id: str) -> bytes | None:
    asset_id, name, variant, class_id, version, ciphertext = row
    aad = field_aad(project_id, asset_id, name, variant, class_id, version)
    for key in keys:
        try:
            return decrypt(key, bytes(ciphertext), aad)
        except CryptoError:
            continue
    return None


def test_annotator_keys_open_no_hidden_value(tmp_path: Path) -> None:
    root, project_id = _workspace_with_sidecar(tmp_path)
    annotator = _raw_keyring(root, "anna")
    rows = _raw_rows(root, project_id, annotator.project_keys(project_id).store_key)
    hidden = [r for r in rows if r[1] == "sidecar.hidden_note"]
    full_case = [r for r in rows if r[1] == "sidecar.case_number" and r[2] == "full"]
    assert hidden and full_case
    for row in hidden + full_case:
        assert b"HIDDEN-NOTE-42" not in bytes(row[5])
        assert _try_decrypt(_every_key(annotator), row, project_id) is None
    masked = [r for r in rows if r[1] == "sidecar.case_number" and r[2] == "masked"]
    assert _try_decrypt(_every_key(annotator), masked[0], project_id) == b"*" * 12 + b"CRET"


def test_reviewer_keys_open_hidden_value(tmp_path: Path) -> None:
    root, project_id = _workspace_with_sidecar(tmp_path)
    reviewer = _raw_keyring(root, "rita")
    rows = _raw_rows(root, project_id, reviewer.project_keys(project_id).store_key)
    hidden = [r for r in rows if r[1] == "sidecar.hidden_note"]
    assert _try_decrypt(_every_key(reviewer), hidden[0], project_id) == b"HIDDEN-NOTE-42"


def test_ciphertext_moved_to_other_row_fails(tmp_path: Path) -> None:
    root, project_id = _workspace_with_sidecar(tmp_path)
    reviewer = _raw_keyring(root, "rita")
    rows = _raw_rows(root, project_id, reviewer.project_keys(project_id).store_key)
    hidden = next(r for r in rows if r[1] == "sidecar.hidden_note")
    case = next(r for r in rows if r[1] == "sidecar.case_number" and r[2] == "full")
    moved = (case[0], case[1], case[2], case[3], case[4], hidden[5])
    assert _try_decrypt(_every_key(reviewer), moved, project_id) is None
    other_asset = (hidden[0] + 1, *hidden[1:])
    assert _try_decrypt(_every_key(reviewer), other_asset, project_id) is None


def test_annotator_view_hides_value(tmp_path: Path) -> None:
    root, project_id = _workspace_with_sidecar(tmp_path)
    from labeler.core.session import Session

    session = Session.sign_in(root, "anna", PASSWORDS["anna"])
    project = session.open_project(project_id)
    views = {v.name: v for v in project.fields_for_user(project.find_asset("a.txt").id)}
    session.lock()
    assert views["sidecar.hidden_note"].value is None
    assert views["sidecar.case_number"].visibility == "masked"
    assert views["sidecar.case_number"].value is not None
    assert SECRET_CASE not in views["sidecar.case_number"].value
    assert views["sidecar.case_number"].value.endswith("CRET")


def test_raw_store_needs_project_key(tmp_path: Path) -> None:
    root, project_id = _workspace_with_sidecar(tmp_path)
    connection = sqlcipher3.connect(str(root / "projects" / project_id / "store.db"))
    connection.execute(f"PRAGMA key = \"x'{SecretKey.generate().hex()}'\"")
    with pytest.raises(sqlcipher3.DatabaseError):
        connection.execute("SELECT count(*) FROM fields").fetchone()
    connection.close()
