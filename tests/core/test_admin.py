"""Roles, permissions, user removal with key rotation, and field policy changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlcipher3

from labeler.core import admin
from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto.primitives import TEST_KDF_COST, decrypt
from labeler.core.errors import CryptoError, PolicyError
from labeler.core.export import export_annotations_json
from labeler.core.ingest import run_import
from labeler.core.policy.fields import parse_field_policy
from labeler.core.project import field_aad
from labeler.core.session import Session
from labeler.core.storage.chunks import ChunkRef
from labeler.core.workspace import Workspace
from tests.core.factories import PASSWORDS, POLICY, ROLES, build_workspace


def _imported(tmp_path: Path) -> tuple[Path, str]:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "a.txt").write_text("first document\n")
    (bucket / "a.txt.json").write_text(json.dumps({"case_number": "CASE-1234-5678",
                                                   "note": "NOTE-HIDDEN"}))
    workspace = build_workspace(tmp_path / "ws", bucket)
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    run_import(project, next(iter(project.record["buckets"])))
    session.lock()
    return workspace.root, workspace.project_id


def test_annotator_cannot_export_import_or_read_audit(tmp_path: Path) -> None:
    root, project_id = _imported(tmp_path)
    session = Session.sign_in(root, "anna", PASSWORDS["anna"])
    project = session.open_project(project_id)
    with pytest.raises(PolicyError, match="may not export"):
        export_annotations_json(project, tmp_path / "out.json")
    with pytest.raises(PolicyError, match="may not import"):
        run_import(project, next(iter(project.record["buckets"])))
    with pytest.raises(PolicyError, match="may not read audit"):
        project.read_audit()
    with pytest.raises(PolicyError):
        session.read_workspace_audit()
    session.lock()
    assert not (tmp_path / "out.json").exists()


def test_custom_role_gets_only_its_permissions(tmp_path: Path) -> None:
    root, project_id = _imported(tmp_path)
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    admin.add_role(session, "auditor", ["view", "read_audit"])
    session.add_user("olga", "auditor", "auditor-pass-1", ["team"], TEST_KDF_COST)
    session.lock()
    olga = Session.sign_in(root, "olga", "auditor-pass-1")
    project = olga.open_project(project_id)
    assert any(entry["action"] == "import_finished" for entry in project.read_audit())
    with pytest.raises(PolicyError, match="may not annotate"):
        AnnotationStore(project).save(Annotation(1, "bbox", "person",
                                                 {"x": 1, "y": 1, "w": 2, "h": 2}))
    views = {v.name: v.value for v in project.fields_for_user(1)}
    assert views["sidecar.note"] is None  # the policy names no visibility for auditors
    olga.lock()


def test_removed_user_keyring_opens_nothing_new(tmp_path: Path) -> None:
    root, project_id = _imported(tmp_path)
    old_keyring = json.loads((root / "keyrings" / "rita.json").read_text())
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    assert admin.remove_user(session, "rita") == [project_id]
    project = session.open_project(project_id)
    AnnotationStore(project).save(Annotation(1, "bbox", "person",
                                             {"x": 3, "y": 3, "w": 9, "h": 9}))
    (tmp_path / "bucket" / "b.txt").write_text("written after the rotation\n")
    (tmp_path / "bucket" / "b.txt.json").write_text(json.dumps({"note": "NEW-SECRET"}))
    run_import(project, next(iter(project.record["buckets"])))
    new_asset = project.find_asset("b.txt")
    session.lock()
    assert not (root / "keyrings" / "rita.json").exists()

    workspace = Workspace(root)
    ring = keyrings.unlock(old_keyring, PASSWORDS["rita"], workspace.org_public_key)
    old = ring.project_keys(project_id, 1)
    connection = sqlcipher3.connect(str(root / "projects" / project_id / "store.db"))
    connection.execute(f"PRAGMA key = \"x'{old.store_key.hex()}'\"")
    with pytest.raises(sqlcipher3.DatabaseError):
        connection.execute("SELECT count(*) FROM annotations").fetchone()
    connection.close()

    admin_session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    project = admin_session.open_project(project_id)
    blob = project.db.execute("SELECT uid, key_version FROM blobs WHERE id = ?",
                              (new_asset.blob_id,)).fetchone()
    refs = [ChunkRef(i, f, s) for i, f, s in project.db.execute(
        "SELECT idx, file, size FROM chunks WHERE blob_id = ?", (new_asset.blob_id,))]
    assert blob[1] == 2
    with pytest.raises(CryptoError):
        project.chunks.read_blob(refs, key=old.content_key, blob_uid=blob[0])
    fields = project.db.execute("SELECT name, variant, class_id, key_version, ciphertext"
                                " FROM fields WHERE asset_id = ?", (new_asset.id,)).fetchall()
    assert fields and all(row[3] == 2 for row in fields)
    for name, variant, class_id, version, ciphertext in fields:
        aad = field_aad(project_id, new_asset.id, name, variant, class_id, version)
        for key in (old.store_key, old.content_key, *old.class_keys.values()):
            with pytest.raises(CryptoError):
                decrypt(key, bytes(ciphertext), aad)
    admin_session.lock()
    # The remaining users open the rotated project.
    anna = Session.sign_in(root, "anna", PASSWORDS["anna"])
    assert anna.open_project(project_id).count_assets() == 2
    anna.lock()


def test_policy_change_reencrypts_fields(tmp_path: Path) -> None:
    root, project_id = _imported(tmp_path)
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    stricter = json.loads(json.dumps(POLICY))
    stricter["fields"]["sidecar.case_number"] = {"admin": "visible", "reviewer": "hidden",
                                                 "annotator": "hidden"}
    count = admin.change_field_policy(session, project_id, parse_field_policy(stricter, ROLES))
    assert count == 2
    session.lock()
    for user, expected in (("rita", None), ("anna", None), ("admin", "CASE-1234-5678")):
        user_session = Session.sign_in(root, user, PASSWORDS[user])
        views = {v.name: v.value for v in user_session.open_project(project_id)
                 .fields_for_user(1)}
        user_session.lock()
        assert views["sidecar.case_number"] == expected


def test_one_time_password_must_be_changed(tmp_path: Path) -> None:
    root, project_id = _imported(tmp_path)
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    password = admin.add_user_with_one_time_password(session, "newbie", "annotator", ["team"],
                                                     TEST_KDF_COST)
    session.lock()
    newbie = Session.sign_in(root, "newbie", password)
    assert newbie.must_change_password
    with pytest.raises(PolicyError, match="one-time password"):
        newbie.open_project(project_id)
    newbie.change_password(password, "my own password 1")
    newbie.lock()
    newbie = Session.sign_in(root, "newbie", "my own password 1")
    assert not newbie.must_change_password
    assert newbie.open_project(project_id).count_assets() == 1
    newbie.lock()


def test_station_copy_rekeys_after_rotation(tmp_path: Path) -> None:
    """A store still under the old key (a station's copy) opens and is rekeyed."""
    root, project_id = _imported(tmp_path)
    store = root / "projects" / project_id / "store.db"
    old_store = store.read_bytes()
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    admin.rotate_project_keys(session, project_id)
    session.lock()
    for suffix in ("-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    store.write_bytes(old_store)
    anna = Session.sign_in(root, "anna", PASSWORDS["anna"])
    assert anna.open_project(project_id).count_assets() == 1
    anna.lock()
