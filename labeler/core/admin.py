"""Admin operations that change keys or policy: custom roles, removing a user
(with key rotation), changing a field policy, and exporting a profile.

Each needs the organisation key, so only an admin's session can run them, and
each is audited.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto.keyring import ProjectKeys
from labeler.core.crypto.primitives import (
    DEFAULT_KDF_COST,
    KdfCost,
    SecretKey,
    b64encode,
    decrypt,
)
from labeler.core.errors import ConfigError, PolicyError
from labeler.core.files import atomic_write, canonical_json
from labeler.core.policy.fields import FieldPolicy
from labeler.core.originals import reclass_originals
from labeler.core.policy.roles import Permission
from labeler.core.profile import build_profile, check_station_id, check_valid_days
from labeler.core.project import field_aad
from labeler.core.session import Session
from labeler.core.storage.store import rekey_store, transaction
from labeler.core.workspace import check_name

logger = logging.getLogger(__name__)


def add_role(session: Session, name: str, permissions: list[str]) -> None:
    """Define a custom role from the built-in permissions."""
    org = session._org()
    check_name(name, "role")
    manifest = dict(session.workspace.manifest)
    if name in manifest["roles"]:
        raise ConfigError(f"role {name!r} already exists")
    try:
        chosen = sorted({Permission(p) for p in permissions})
    except ValueError as error:
        raise ConfigError(
            f"unknown permission in {permissions}; use {', '.join(p.value for p in Permission)}"
        ) from error
    manifest["roles"] = {**manifest["roles"], name: [p.value for p in chosen]}
    session.workspace.write_manifest(manifest, org)
    session.workspace.audit_log.append(user=session.user, action="role_added", obj=name,
                                       details={"permissions": [p.value for p in chosen]})


SETTINGS_TYPES: dict[str, type] = {
    "max_image_pixels": int,
    "idle_lock_seconds": int,
    "lock_after_failures": int,
    "watermark_roles": list,
    "sign_in_backoff_seconds": list,
}


def update_settings(session: Session, values: dict[str, Any]) -> None:
    """Change workspace settings (lockout, idle lock, watermark, pixel cap)."""
    org = session._org()
    for name, value in values.items():
        expected = SETTINGS_TYPES.get(name)
        if expected is None:
            raise ConfigError(f"unknown setting {name!r}; use one of {sorted(SETTINGS_TYPES)}")
        if not isinstance(value, expected):
            raise ConfigError(f"setting {name!r} must be a {expected.__name__}, got {value!r}")
    manifest = dict(session.workspace.manifest)
    manifest["settings"] = {**manifest["settings"], **values}
    session.workspace.write_manifest(manifest, org)
    session.workspace.audit_log.append(user=session.user, action="settings_changed",
                                       details={"settings": sorted(values)})


def unlock_account(session: Session, user: str) -> None:
    """Clear a user's failed sign-in count after the account was locked."""
    session._org()
    session.workspace.user(user)
    session.workspace.lockout().clear(user)
    session.workspace.audit_log.append(user=session.user, action="account_unlocked", obj=user)


def new_one_time_password() -> str:
    """A password to hand to a new user, who must replace it at first sign-in."""
    words = secrets.token_urlsafe(12)
    return "-".join(words[index:index + 4] for index in range(0, 16, 4))


def add_user_with_one_time_password(session: Session, name: str, role: str,
                                    teams: list[str], cost: KdfCost = DEFAULT_KDF_COST) -> str:
    password = new_one_time_password()
    session.add_user(name, role, password, teams, cost)
    document = session.workspace.read_keyring(name)
    document["one_time_password"] = True
    session.workspace.write_keyring(name, document)
    return password


def remove_user(session: Session, name: str) -> list[str]:
    """Remove a user and rotate the keys of every project the user could open.

    After the rotation each store is rekeyed and new content, fields and
    annotations are written under keys the removed user never held. What the
    user already saw, or copied before, cannot be taken back.
    Returns the ids of the rotated projects.
    """
    org = session._org()
    if name == session.user:
        raise PolicyError("an admin cannot remove their own account")
    record = session.workspace.user(name)
    affected = [p["id"] for p in session.workspace.projects_for(name)]
    manifest = dict(session.workspace.manifest)
    users = dict(manifest["users"])
    del users[name]
    manifest["users"] = users
    session.workspace.write_manifest(manifest, org)
    session.workspace.keyring_path(name).unlink(missing_ok=True)
    for project_id in affected:
        rotate_project_keys(session, project_id)
    session.workspace.audit_log.append(user=session.user, action="user_removed", obj=name,
                                       details={"role": record["role"], "rotated": affected})
    return affected


def rotate_project_keys(session: Session, project_id: str) -> int:
    """Make a new key version for a project, rekey its store and grant it; return the version."""
    org = session._org()
    record = session.workspace.project(project_id)
    current = session.keyring.project_keys(project_id)
    version = current.key_version + 1
    keys = ProjectKeys.generate(project_id, version, sorted(record["classes"]))
    store = session.workspace.project_folder(project_id) / "store.db"
    if store.exists():
        rekey_store(store, current.store_key, keys.store_key)
    session.keyring.projects.setdefault(project_id, {})[version] = keys
    manifest = dict(session.workspace.manifest)
    entry = dict(manifest["projects"][project_id])
    entry["key_version"] = version
    manifest["projects"] = {**manifest["projects"], project_id: entry}
    session.workspace.write_manifest(manifest, org)
    for user in manifest["users"]:
        session._regrant(user)
    session.workspace.audit_log.append(user=session.user, action="project_keys_rotated",
                                       obj=project_id, details={"key_version": version})
    return version


def change_field_policy(session: Session, project_id: str, policy: FieldPolicy) -> int:
    """Replace a project's field policy and re-encrypt every stored value to match.

    Values move to the classes the new policy names, masked forms are computed
    again, and freed pages are zeroed (`secure_delete`) and the WAL truncated so
    the old ciphertexts do not linger in the store file. Returns the number of
    fields re-encrypted.
    """
    org = session._org()
    record = session.workspace.project(project_id)
    new_classes = sorted(policy.classes() | set(record["classes"]))
    for versions in session.keyring.projects.get(project_id, {}).values():
        for class_id in new_classes:
            versions.class_keys.setdefault(class_id, SecretKey.generate())
    project = session.open_project(project_id)
    try:
        count = _reencrypt_fields(project, policy)
        max_pixels = int(session.workspace.manifest["settings"]["max_image_pixels"])
        reclass_originals(project, max_pixels)
    finally:
        project.close()
    manifest = dict(session.workspace.manifest)
    entry = dict(manifest["projects"][project_id])
    entry["policy"] = policy.to_json()
    entry["classes"] = new_classes
    manifest["projects"] = {**manifest["projects"], project_id: entry}
    session.workspace.write_manifest(manifest, org)
    for user in manifest["users"]:
        session._regrant(user)
    session.workspace.audit_log.append(user=session.user, action="field_policy_changed",
                                       obj=project_id, details={"fields": count})
    return count


def _reencrypt_fields(project: Any, policy: FieldPolicy) -> int:
    rows = project.db.execute("SELECT asset_id, name, class_id, key_version, ciphertext"
                              " FROM fields WHERE variant = 'full'").fetchall()
    values: dict[tuple[int, str], str] = {}
    for asset_id, name, class_id, version, ciphertext in rows:
        key = project.class_key(class_id, version)
        if key is None:
            raise PolicyError(f"the admin holds no key for class {class_id!r}")
        aad = field_aad(project.id, asset_id, name, "full", class_id, version)
        values[(asset_id, name)] = decrypt(key, bytes(ciphertext), aad).decode("utf-8")
    project.policy = policy
    db = project.db
    with transaction(db):
        by_asset: dict[int, dict[str, str]] = {}
        for (asset_id, name), value in values.items():
            by_asset.setdefault(asset_id, {})[name] = value
        for asset_id, fields in by_asset.items():
            project.store_fields(asset_id, fields)
        project.audit("field_policy_applied", project.id, {"fields": len(values)})
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return len(values)


def export_profile(session: Session, *, station: str, passphrase: str, out: Path,
                   valid_days: int = 30, not_before: datetime | None = None,
                   cost: KdfCost = DEFAULT_KDF_COST) -> int:
    """Write a profile of the current manifest and every keyring for one station.

    The manifest is written again first, which raises its version, so every
    profile has a version of its own: a station installs only profiles newer
    than its last one, and two profiles of one version would block the second.
    """
    check_valid_days(valid_days)
    check_station_id(station)
    org = session._org()
    start = not_before or datetime.now(timezone.utc) - timedelta(minutes=5)
    workspace = session.workspace
    workspace.write_manifest(workspace.manifest, org)
    document = {"manifest": workspace.manifest,
                "signature": b64encode(org.sign(canonical_json(workspace.manifest)))}
    keyring_docs = {user: workspace.read_keyring(user) for user in workspace.manifest["users"]}
    data = build_profile(manifest_document=document, keyrings=keyring_docs, station=station,
                         not_before=start, expires=start + timedelta(days=valid_days),
                         passphrase=passphrase, sign=org.sign,
                         org_public_key=org.public_signing_key, cost=cost)
    atomic_write(out, data)
    workspace.audit_log.append(user=session.user, action="profile_exported",
                               details={"station": station,
                                        "version": workspace.manifest["version"]})
    return int(workspace.manifest["version"])

