"""Keyrings: unlock, wrong password, change password, grant signatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto import primitives
from labeler.core.crypto.keyring import OrgKeys, ProjectKeys
from labeler.core.errors import SignatureError, WrongPasswordError
from labeler.core.session import Session
from tests.core.factories import PASSWORDS, build_workspace


def test_unlock_opens_project_grants(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path / "ws")
    session = workspace.sign_in("anna")
    assert workspace.project_id in session.keyring.projects
    assert session.keyring.org is None
    session.lock()


def test_wrong_password_leaves_files_unchanged(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path / "ws")
    before = {p: p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file()
              and "audit" not in p.parts and p.name != "lockout.json"}
    with pytest.raises(WrongPasswordError, match="wrong user name or password"):
        Session.sign_in(workspace.root, "anna", "not the password")
    after = {p: p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file()
             and "audit" not in p.parts and p.name != "lockout.json"}
    assert after == before


def test_wrong_password_runs_same_derivation(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong password, a right one and an unknown user each cost one equal Argon2id run."""
    workspace = build_workspace(tmp_path / "ws")
    calls: list[tuple[int, int, int]] = []
    real_derive = primitives.derive_key

    def counting_derive(password: str, params: primitives.KdfParams) -> primitives.SecretKey:
        calls.append((params.memory_kib, params.iterations, params.lanes))
        return real_derive(password, params)

    monkeypatch.setattr(keyrings, "derive_key", counting_derive)
    monkeypatch.setattr("labeler.core.workspace.derive_key", counting_derive)
    workspace.sign_in("anna").lock()
    with pytest.raises(WrongPasswordError):
        Session.sign_in(workspace.root, "anna", "wrong password")
    with pytest.raises(WrongPasswordError):
        Session.sign_in(workspace.root, "nobody", "wrong password")
    assert len(calls) == 3
    assert len(set(calls)) == 1


def test_change_password_rewraps_only_identity(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path / "ws")
    path = workspace.root / "keyrings" / "anna.json"
    before = json.loads(path.read_text())
    session = workspace.sign_in("anna")
    session.change_password(PASSWORDS["anna"], "a brand new password")
    session.lock()
    after = json.loads(path.read_text())
    assert after["grants"] == before["grants"]
    assert after["identity"] != before["identity"]
    assert after["kdf"]["salt"] != before["kdf"]["salt"]
    with pytest.raises(WrongPasswordError):
        Session.sign_in(workspace.root, "anna", PASSWORDS["anna"])
    Session.sign_in(workspace.root, "anna", "a brand new password").lock()


def test_lock_wipes_every_key(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path / "ws")
    session = workspace.sign_in("rita")
    keys = session.keyring.project_keys(workspace.project_id)
    held = [keys.store_key, keys.content_key, *keys.class_keys.values()]
    project = session.open_project(workspace.project_id)
    session.lock()
    assert project.connection is None
    assert session.keyring.projects == {}
    assert session.keyring.signing_key is None
    assert all(not any(key._buffer) for key in held)


def test_grant_from_foreign_org_key_is_rejected(tmp_path: Path) -> None:
    """A grant signed by any key but the pinned organisation key never opens."""
    workspace = build_workspace(tmp_path / "ws")
    path = workspace.root / "keyrings" / "anna.json"
    document = json.loads(path.read_text())
    attacker = OrgKeys.generate()
    keyrings.add_project_grant(document, attacker,
                               ProjectKeys.generate(workspace.project_id, 7, ["roles:annotator"]))
    path.write_text(json.dumps(document))
    with pytest.raises(SignatureError):
        Session.sign_in(workspace.root, "anna", PASSWORDS["anna"])


def test_grant_moved_to_other_user_fails(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path / "ws")
    rita = json.loads((workspace.root / "keyrings" / "rita.json").read_text())
    anna_path = workspace.root / "keyrings" / "anna.json"
    anna = json.loads(anna_path.read_text())
    anna["grants"] = rita["grants"]
    anna_path.write_text(json.dumps(anna))
    with pytest.raises(SignatureError):
        Session.sign_in(workspace.root, "anna", PASSWORDS["anna"])
