"""A signed-in user: the unlocked keyring plus what the user's role allows.

Every check of a role lives here or in `Project`, so the CLI, the GUI and any
script get the same result. Where a check protects data rather than an
action, cryptography backs it: a role is never granted a key to data it must
not read.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeler.core.crypto import keyring as keyrings
from labeler.core.crypto.keyring import Keyring, OrgKeys, ProjectKeys
from labeler.core.crypto.primitives import DEFAULT_KDF_COST, KdfCost
from labeler.core.errors import ConfigError, NotFoundError, PolicyError, StorageError
from labeler.core.lockout import Clock
from labeler.core.passwords import check_new_password
from labeler.core.model.ontology import Ontology
from labeler.core.policy.fields import FieldPolicy, roles_of_class
from labeler.core.policy.roles import BUILT_IN_ROLES, Permission
from labeler.core.storage.store import open_store
from labeler.core.workspace import (
    Workspace,
    _store_signed_manifest,
    check_name,
    known_roles,
    new_manifest,
)

if TYPE_CHECKING:
    from labeler.core.project import Project

logger = logging.getLogger(__name__)


class Session:
    """An unlocked user of one workspace."""

    def __init__(self, workspace: Workspace, keyring: Keyring) -> None:
        self.workspace = workspace
        self.keyring = keyring
        self._open_projects: list[Project] = []

    @classmethod
    def sign_in(cls, root: Path, user: str, password: str, *,
                clock: Clock = time.time) -> Session:
        workspace = Workspace(root)
        return cls(workspace, workspace.unlock(user, password, clock=clock))

    @classmethod
    def create_workspace(cls, root: Path, admin: str, password: str,
                         cost: KdfCost = DEFAULT_KDF_COST) -> Session:
        """Create a workspace, its organisation key and its first admin."""
        check_name(admin, "user")
        check_new_password(password, admin)
        if Workspace.exists(root):
            raise StorageError(
                f"{str(root)!r} already contains a workspace; choose an empty folder")
        root.mkdir(parents=True, exist_ok=True)
        org = OrgKeys.generate()
        manifest = new_manifest(str(uuid.uuid4()), org)
        document, keyring = keyrings.new_keyring_file(admin, password, cost)
        keyrings.add_org_grant(document, org)
        manifest["users"][admin] = _user_record(document, "admin", [])
        _store_signed_manifest(root, manifest, org)
        workspace = Workspace(root)
        workspace.write_keyring(admin, document)
        keyring.org = org
        workspace.audit_log.append(user=admin, action="workspace_created")
        return cls(workspace, keyring)

    # -- identity and permissions --------------------------------------------

    @property
    def user(self) -> str:
        return self.keyring.user

    @property
    def role(self) -> str:
        return str(self.workspace.user(self.user)["role"])

    @property
    def permissions(self) -> frozenset[Permission]:
        names = self.workspace.manifest.get("roles", {}).get(self.role)
        if names is None:
            return BUILT_IN_ROLES.get(self.role, frozenset())
        return frozenset(Permission(name) for name in names)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PolicyError(
                f"user {self.user!r} ({self.role}) may not {permission.value.replace('_', ' ')}"
            )

    def _org(self) -> OrgKeys:
        self.require(Permission.MANAGE)
        if self.keyring.org is None:
            raise PolicyError(f"user {self.user!r} does not hold the organisation key")
        return self.keyring.org

    def lock(self) -> None:
        """Close every open project and drop every key this session holds."""
        for project in list(self._open_projects):
            project.close()
        self._open_projects.clear()
        self.keyring.lock()
        self.workspace.audit_log.append(user=self.user, action="lock")

    @property
    def is_locked(self) -> bool:
        return self.keyring.is_locked

    @property
    def must_change_password(self) -> bool:
        """True until a user who got a one-time password has set their own."""
        return bool(self.workspace.read_keyring(self.user).get("one_time_password"))

    def read_workspace_audit(self) -> list[dict[str, Any]]:
        """Decrypt the workspace audit log; needs `read_audit` and the organisation key."""
        self.require(Permission.READ_AUDIT)
        if self.keyring.org is None:
            raise PolicyError(f"user {self.user!r} does not hold the organisation key")
        entries, problem = self.workspace.audit_log.read(self.keyring.org.encryption_key)
        if problem:
            raise StorageError(f"workspace audit entry {problem.seq}: {problem.reason}")
        return entries

    # -- users and teams -----------------------------------------------------

    def add_team(self, name: str, description: str = "") -> None:
        org = self._org()
        check_name(name, "team")
        manifest = dict(self.workspace.manifest)
        if name in manifest["teams"]:
            raise ConfigError(f"team {name!r} already exists")
        manifest["teams"] = {**manifest["teams"], name: {"description": description}}
        self.workspace.write_manifest(manifest, org)
        self.workspace.audit_log.append(user=self.user, action="team_added", obj=name)

    def check_new_user(self, name: str, role: str, teams: list[str]) -> None:
        """Raise unless this session may add user `name` with `role` and `teams`.

        The CLI calls it before asking for the new user's password.
        """
        self._org()
        check_name(name, "user")
        manifest = self.workspace.manifest
        if name in manifest["users"]:
            raise ConfigError(f"user {name!r} already exists")
        if role not in known_roles(manifest):
            raise ConfigError(f"role {role!r} does not exist; use one of {known_roles(manifest)}")
        self._check_teams(teams)

    def add_user(self, name: str, role: str, password: str, teams: list[str] | None = None,
                 cost: KdfCost = DEFAULT_KDF_COST) -> None:
        """Create a user with a keyring wrapped under `password` and grant its keys."""
        teams = list(teams or [])
        self.check_new_user(name, role, teams)
        check_new_password(password, name)
        org = self._org()
        manifest = dict(self.workspace.manifest)
        document, new_keyring = keyrings.new_keyring_file(name, password, cost)
        new_keyring.lock()
        if role == "admin":
            keyrings.add_org_grant(document, org)
        manifest["users"] = {**manifest["users"], name: _user_record(document, role, teams)}
        self.workspace.write_manifest(manifest, org)
        self.workspace.write_keyring(name, document)
        self._regrant(name)
        self.workspace.audit_log.append(user=self.user, action="user_added", obj=name,
                                        details={"role": role, "teams": teams})

    def add_user_to_team(self, user: str, team: str) -> None:
        org = self._org()
        self._check_teams([team])
        manifest = dict(self.workspace.manifest)
        record = dict(self.workspace.user(user))
        record["teams"] = sorted(set(record.get("teams", [])) | {team})
        manifest["users"] = {**manifest["users"], user: record}
        self.workspace.write_manifest(manifest, org)
        self._regrant(user)
        self.workspace.audit_log.append(user=self.user, action="team_member_added",
                                        obj=user, details={"team": team})

    def _check_teams(self, teams: list[str]) -> None:
        missing = [team for team in teams if team not in self.workspace.manifest["teams"]]
        if missing:
            raise NotFoundError(f"teams {missing} do not exist; add them first")

    def change_password(self, old_password: str, new_password: str,
                        cost: KdfCost | None = None) -> None:
        """Re-wrap this user's keyring under a new password; grants stay untouched."""
        if not new_password:
            raise ConfigError("the new password is empty")
        if new_password == old_password:
            raise ConfigError("the new password must differ from the current one")
        check_new_password(new_password, self.user)
        document = self.workspace.read_keyring(self.user)
        updated = keyrings.rewrap(document, old_password, new_password, cost)
        updated.pop("one_time_password", None)
        self.workspace.write_keyring(self.user, updated)
        self.workspace.audit_log.append(user=self.user, action="password_changed")

    # -- projects ------------------------------------------------------------

    def create_project(self, name: str, ontology: Ontology, policy: FieldPolicy,
                       teams: list[str] | None = None) -> str:
        """Create a project's keys and store and grant them to the users who may work on it."""
        org = self._org()
        project_id = check_name(name.lower().replace(" ", "-"), "project")
        manifest = dict(self.workspace.manifest)
        if project_id in manifest["projects"]:
            raise ConfigError(f"project {project_id!r} already exists")
        teams = list(teams or [])
        self._check_teams(teams)
        classes = sorted(policy.classes())
        keys = ProjectKeys.generate(project_id, 1, classes)
        folder = self.workspace.project_folder(project_id)
        folder.mkdir(parents=True, exist_ok=False)
        connection = open_store(folder / "store.db", keys.store_key, create=True)
        connection.execute("INSERT INTO meta (key, value) VALUES ('project_id', ?)", (project_id,))
        connection.close()
        self.keyring.projects.setdefault(project_id, {})[1] = keys
        manifest["projects"] = {**manifest["projects"], project_id: {
            "name": name,
            "teams": teams,
            "ontology": ontology.to_json(),
            "policy": policy.to_json(),
            "classes": classes,
            "key_version": 1,
            "buckets": {},
        }}
        self.workspace.write_manifest(manifest, org)
        for user in manifest["users"]:
            self._regrant(user)
        self.workspace.audit_log.append(user=self.user, action="project_created", obj=project_id)
        return project_id

    def add_bucket(self, project: str, path: Path, *, csv_name: str = "metadata.csv") -> str:
        """Register a mounted folder as a bucket of a project; return the bucket id."""
        org = self._org()
        record = self.workspace.project(project)
        folder = path.expanduser().resolve()
        if not folder.is_dir():
            raise NotFoundError(f"bucket folder {str(path)!r} does not exist or is not a folder")
        buckets = dict(record.get("buckets", {}))
        for bucket_id, bucket in buckets.items():
            if bucket["path"] == str(folder):
                return bucket_id
        self._check_bucket_folder(folder, buckets)
        bucket_id = f"b{len(buckets) + 1}-{secrets.token_hex(3)}"
        buckets[bucket_id] = {"path": str(folder), "csv": csv_name}
        manifest = dict(self.workspace.manifest)
        project_entry = dict(manifest["projects"][record["id"]])
        project_entry["buckets"] = buckets
        manifest["projects"] = {**manifest["projects"], record["id"]: project_entry}
        self.workspace.write_manifest(manifest, org)
        self.workspace.audit_log.append(user=self.user, action="bucket_added",
                                        obj=record["id"], details={"bucket": bucket_id})
        return bucket_id

    def _check_bucket_folder(self, folder: Path, buckets: dict[str, Any]) -> None:
        """Reject a bucket that overlaps the workspace or another bucket of the project.

        An import reads every file under the bucket, so an overlap would import
        the workspace's own store and keyrings, or the same files twice.
        `folder` is already resolved; symbolic links are followed on both sides.
        """
        workspace = self.workspace.root.expanduser().resolve()
        if _overlaps(folder, workspace):
            raise ConfigError(
                f"bucket folder {str(folder)!r} overlaps the workspace folder "
                f"{str(workspace)!r}; choose a folder outside the workspace")
        for bucket_id, bucket in buckets.items():
            other = Path(bucket["path"])
            if _overlaps(folder, other):
                relation = "inside" if folder.is_relative_to(other) else "contains"
                raise ConfigError(
                    f"bucket folder {str(folder)!r} {relation} {str(other)!r}, bucket "
                    f"{bucket_id} of this project; choose a folder that does not overlap it")

    def projects(self) -> list[dict[str, Any]]:
        return self.workspace.projects_for(self.user)

    def open_project(self, project: str) -> Project:
        from labeler.core.project import Project

        record = self.workspace.project(project)
        if self.must_change_password:
            raise PolicyError(
                f"user {self.user!r} signed in with a one-time password; set your own "
                "password first ('labeler passwd' or the client's prompt)")
        if record["id"] not in {p["id"] for p in self.projects()}:
            raise PolicyError(f"user {self.user!r} is not in a team of project {record['id']!r}")
        opened = Project(self, record)
        self._open_projects.append(opened)
        return opened

    def forget_project(self, project: Project) -> None:
        if project in self._open_projects:
            self._open_projects.remove(project)

    def _regrant(self, user: str) -> None:
        """Seal to `user` the keys of every project the user may open, and no others."""
        org = self._org()
        record = self.workspace.user(user)
        document = self.workspace.read_keyring(user)
        allowed = {p["id"]: p for p in self.workspace.projects_for(user)}
        for project_id in self.workspace.manifest["projects"]:
            if project_id not in allowed:
                keyrings.remove_project_grants(document, project_id)
                continue
            for keys in self.keyring.projects.get(project_id, {}).values():
                classes = set(keys.class_keys) if record["role"] == "admin" else {
                    name for name in keys.class_keys if record["role"] in roles_of_class(name)
                }
                keyrings.add_project_grant(document, org, keys.restricted_to(classes))
        self.workspace.write_keyring(user, document)


def _overlaps(first: Path, second: Path) -> bool:
    """Return whether two resolved folders are the same or one contains the other."""
    return first.is_relative_to(second) or second.is_relative_to(first)


def _user_record(document: dict[str, Any], role: str, teams: list[str]) -> dict[str, Any]:
    return {
        "role": role,
        "teams": sorted(teams),
        "signing_public": document["signing_public"],
        "encryption_public": document["encryption_public"],
        "disabled": False,
    }
