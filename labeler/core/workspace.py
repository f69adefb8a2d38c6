"""A workspace folder: the signed manifest, keyrings, projects and audit log.

Layout::

    workspace.json        manifest (users, roles, teams, projects, policies),
                          signed with the organisation's Ed25519 key
    trust.json            the pinned organisation public key and the highest
                          manifest version seen, checked at every open
    keyrings/<user>.json  one keyring per user (see crypto.keyring)
    projects/<id>/        store.db (SQLCipher) and chunks/ (encrypted content)
    audit/workspace.jsonl workspace events sealed to the organisation key

The manifest is only ever changed by someone holding the organisation key
(an admin), and every change raises its version, so a copied-back older
manifest is rejected as a rollback. trust.json carries no signature, so
someone who can write the folder can lower its version along with the
manifest. Every manifest write is therefore also recorded in the audit log
(`manifest_written`), and `verify` run by an admin compares the versions.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from pathlib import Path
from typing import Any, Final

from labeler.core.audit import WorkspaceAuditLog
from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto.keyring import Keyring, OrgKeys
from labeler.core.crypto.primitives import (
    DEFAULT_KDF_COST,
    KdfParams,
    b64decode,
    derive_key,
    b64encode,
    fingerprint,
    verify_signature,
)
from labeler.core.errors import (
    ConfigError,
    LabelerError,
    NotFoundError,
    SignatureError,
    StorageError,
    WrongPasswordError,
)
from labeler.core.files import atomic_write_json, canonical_json, read_json
from labeler.core.lockout import Clock, LockoutPolicy, LockoutState
from labeler.core.policy.roles import BUILT_IN_ROLES, role_definitions_json

logger = logging.getLogger(__name__)

MANIFEST_FORMAT: Final = "labeler-workspace"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str, what: str) -> str:
    """Return `name` if it is safe as an id and a file name, else raise ConfigError."""
    if not _NAME.match(name):
        raise ConfigError(
            f"{what} name {name!r} is invalid: use 1 to 64 letters, digits, dots, "
            "dashes or underscores, starting with a letter or digit"
        )
    return name


class Workspace:
    """An opened workspace whose manifest signature and version were verified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = self._load_manifest()
        # The user whose keyring `unlock` opened last; names the writer of
        # `manifest_written` audit entries. Empty for a workspace being created.
        self.signed_in_user = ""

    # -- paths ------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.root / "workspace.json"

    @property
    def trust_path(self) -> Path:
        return self.root / "trust.json"

    def keyring_path(self, user: str) -> Path:
        return self.root / "keyrings" / f"{check_name(user, 'user')}.json"

    def project_folder(self, project_id: str) -> Path:
        return self.root / "projects" / check_name(project_id, "project")

    @property
    def audit_log(self) -> WorkspaceAuditLog:
        return WorkspaceAuditLog(
            self.root / "audit" / "workspace.jsonl",
            b64decode(self.manifest["org_encryption_key"], what="the organisation key"),
        )

    @staticmethod
    def exists(root: Path) -> bool:
        return (root / "workspace.json").is_file()

    # -- manifest -----------------------------------------------------------

    def _load_manifest(self) -> dict[str, Any]:
        if not self.exists(self.root):
            raise StorageError(
                f"{str(self.root)!r} is not a Labeler workspace (no workspace.json); "
                "create one with 'labeler init'"
            )
        trust = read_json(self.trust_path, what="the workspace trust file")
        document = read_json(self.manifest_path, what="the workspace manifest")
        try:
            manifest = document["manifest"]
            signature = b64decode(document["signature"], what="the manifest signature")
            pinned = b64decode(trust["org_public_key"], what="the pinned organisation key")
        except (KeyError, TypeError) as error:
            raise ConfigError("the workspace manifest is incomplete; the file is damaged") from error
        try:
            verify_signature(pinned, signature, canonical_json(manifest))
        except SignatureError as error:
            raise SignatureError(
                "the workspace manifest is not signed by this workspace's organisation key; "
                "it was changed or replaced, so the workspace is not opened"
            ) from error
        if manifest.get("format") != MANIFEST_FORMAT:
            raise ConfigError("workspace.json is not a Labeler workspace manifest")
        if b64decode(manifest["org_public_key"], what="the organisation key") != pinned:
            raise SignatureError("the manifest names another organisation key than the pinned one")
        if int(manifest["version"]) < int(trust.get("manifest_version", 0)):
            raise SignatureError(
                f"the manifest is version {manifest['version']}, older than version "
                f"{trust['manifest_version']} already installed here; an old copy was put back"
            )
        return dict(manifest)

    def write_manifest(self, manifest: dict[str, Any], org: OrgKeys) -> None:
        """Sign and store a changed manifest with its version raised by one.

        The new version is also appended to the audit log, so that `verify`
        can detect an older manifest put back together with an edited trust.json.
        """
        manifest = copy.deepcopy(manifest)
        manifest["version"] = int(self.manifest["version"]) + 1
        _store_signed_manifest(self.root, manifest, org)
        self.manifest = manifest
        self.audit_log.append(user=self.signed_in_user, action="manifest_written",
                              details={"version": manifest["version"]})

    @property
    def org_public_key(self) -> bytes:
        return b64decode(self.manifest["org_public_key"], what="the organisation key")

    def org_fingerprint(self) -> str:
        return fingerprint(self.org_public_key)

    # -- lookups ----------------------------------------------------------

    def user(self, name: str) -> dict[str, Any]:
        try:
            return dict(self.manifest["users"][name])
        except KeyError:
            raise NotFoundError(f"there is no user {name!r} in this workspace") from None

    def project(self, name_or_id: str) -> dict[str, Any]:
        projects = self.manifest["projects"]
        if name_or_id in projects:
            return {"id": name_or_id, **projects[name_or_id]}
        for project_id, project in projects.items():
            if project["name"] == name_or_id:
                return {"id": project_id, **project}
        raise NotFoundError(f"there is no project {name_or_id!r} in this workspace")

    def projects_for(self, user: str) -> list[dict[str, Any]]:
        """Return the projects a user may open: those of the user's teams (all, for admins)."""
        record = self.user(user)
        teams = set(record.get("teams", []))
        found = []
        for project_id, project in sorted(self.manifest["projects"].items()):
            if record["role"] == "admin" or teams & set(project.get("teams", [])):
                found.append({"id": project_id, **project})
        return found

    def public_signing_keys(self) -> dict[str, bytes]:
        return {
            name: b64decode(user["signing_public"], what="a user's public key")
            for name, user in self.manifest["users"].items()
        }

    def read_keyring(self, user: str) -> dict[str, Any]:
        path = self.keyring_path(user)
        if not path.exists():
            raise NotFoundError(f"there is no keyring for user {user!r}")
        document = read_json(path, what=f"the keyring of {user!r}")
        if not isinstance(document, dict):
            raise ConfigError(f"the keyring of {user!r} is damaged")
        return document

    def write_keyring(self, user: str, document: dict[str, Any]) -> None:
        path = self.keyring_path(user)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, document)

    # -- sign-in ----------------------------------------------------------

    def lockout(self, clock: Clock = time.time) -> LockoutState:
        return LockoutState(self.root, LockoutPolicy.from_settings(self.manifest["settings"]),
                            clock, on_reset=self._audit_lockout_reset)

    def _audit_lockout_reset(self) -> None:
        self.audit_log.append(user="", action="lockout_state_reset", obj="lockout.json")

    def unlock(self, user: str, password: str, *, clock: Clock = time.time) -> Keyring:
        """Unlock a user's keyring, auditing success and failure.

        An unknown user costs the same key derivation as a known one, so the
        time taken does not tell which user names exist. Each failure makes the
        next attempt wait longer (the policy's backoff); after the policy's
        limit the account stays locked until an admin unlocks it.
        """
        lockout = self.lockout(clock)
        lockout.check(user)
        try:
            keyring = self._unlock(user, password)
        except WrongPasswordError:
            failures = lockout.record_failure(user)
            if failures >= lockout.policy.lock_after_failures:
                self.audit_log.append(user=user, action="account_locked",
                                      details={"failures": failures})
            raise
        lockout.clear(user)
        self.signed_in_user = user
        return keyring

    def _unlock(self, user: str, password: str) -> Keyring:
        try:
            record = self.user(user)
            if record.get("disabled"):
                raise WrongPasswordError("wrong user name or password")
            document = self.read_keyring(user)
        except (NotFoundError, WrongPasswordError):
            self._spend_equal_cost(password)
            self.audit_log.append(user=user, action="sign_in_failed", details={"reason": "unknown"})
            raise WrongPasswordError("wrong user name or password") from None
        try:
            keyring = keyrings.unlock(document, password, self.org_public_key)
        except WrongPasswordError:
            self.audit_log.append(user=user, action="sign_in_failed",
                                  details={"reason": "password"})
            raise
        self.audit_log.append(user=user, action="sign_in")
        return keyring

    def _spend_equal_cost(self, password: str) -> None:
        """Run the same key derivation a real keyring of this workspace would need."""
        params = DEFAULT_KDF_COST.new_params()
        for name in sorted(self.manifest["users"]):
            try:
                params = KdfParams.from_json(self.read_keyring(name)["kdf"]).with_new_salt()
                break
            except (LabelerError, KeyError):
                continue
        derive_key(password, params).wipe()


def _store_signed_manifest(root: Path, manifest: dict[str, Any], org: OrgKeys) -> None:
    signature = org.sign(canonical_json(manifest))
    atomic_write_json(root / "workspace.json",
                      {"manifest": manifest, "signature": b64encode(signature)})
    atomic_write_json(root / "trust.json", {
        "org_public_key": manifest["org_public_key"],
        "manifest_version": manifest["version"],
        "workspace_id": manifest["workspace_id"],
    })


def new_manifest(workspace_id: str, org: OrgKeys) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "format_version": 1,
        "version": 1,
        "workspace_id": workspace_id,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "org_public_key": b64encode(org.public_signing_key),
        "org_encryption_key": b64encode(org.public_encryption_key),
        "roles": role_definitions_json(),
        "users": {},
        "teams": {},
        "projects": {},
        "settings": {
            "max_image_pixels": 250_000_000,
            "idle_lock_seconds": 600,
            # Everyone who sees content gets the watermark; reviewers and admins
            # see the most personal data.
            "watermark_roles": ["admin", "annotator", "reviewer"],
            "sign_in_backoff_seconds": [1, 2, 4, 8, 16, 30],
            "lock_after_failures": 10,
        },
    }


def known_roles(manifest: dict[str, Any]) -> list[str]:
    return sorted(manifest.get("roles", BUILT_IN_ROLES))
