"""An open project: its store, content chunks, keys and the signed-in user's view.

Reads go through `Project` so that what a user sees is decided in one place:
field values are decrypted only with the class keys the user holds, and the
choice between full, masked and hidden follows the project's field policy.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from labeler.core.audit import append_project_entry, utc_now
from labeler.core.crypto.keyring import ProjectKeys
from labeler.core.crypto.primitives import SecretKey, decrypt, encrypt
from labeler.core.errors import (
    CryptoError,
    NotFoundError,
    PolicyError,
    StorageError,
    StoreConfigError,
)
from labeler.core.model.ontology import Ontology, ontology_from_json
from labeler.core.policy.fields import (
    FieldPolicy,
    Visibility,
    class_for_roles,
)
from labeler.core.policy.roles import Permission
from labeler.core.storage.chunks import ChunkFolder, ChunkRef
from labeler.core.storage.store import Connection, open_store, rekey_store, transaction

if TYPE_CHECKING:
    from labeler.core.session import Session

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldView:
    """One metadata field as the signed-in user may see it."""

    name: str
    visibility: Visibility
    value: str | None  # None when hidden


ASSET_COLUMNS = (
    "id", "bucket_id", "path", "size", "mtime_ns", "sha256", "blob_id", "kind", "format",
    "width", "height", "stored_width", "stored_height", "orientation", "mode",
    "frame_count", "fps", "duration_s", "encoding", "notes", "status", "presence",
    "imported_at", "updated_at", "original_blob_id",
)


@dataclass(frozen=True)
class Asset:
    id: int
    bucket_id: str
    path: str
    size: int
    mtime_ns: int
    sha256: str
    blob_id: int
    kind: str
    format: str
    width: int | None
    height: int | None
    stored_width: int | None
    stored_height: int | None
    orientation: int
    mode: str | None
    frame_count: int | None
    fps: float | None
    duration_s: float | None
    encoding: str | None
    notes: str
    status: str
    presence: str
    imported_at: str
    updated_at: str
    original_blob_id: int | None = None  # set when blob_id is a metadata-free display copy

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Asset:
        return cls(*row)


def field_aad(project_id: str, asset_id: int, name: str, variant: str, class_id: str,
              key_version: int) -> bytes:
    return (f"labeler-field-v1|{project_id}|{asset_id}|{name}|{variant}|{class_id}|"
            f"{key_version}").encode()


class Project:
    """One project opened by one signed-in user."""

    def __init__(self, session: Session, record: Mapping[str, Any]) -> None:
        self.session = session
        self.id: str = record["id"]
        self.record = dict(record)
        self.folder = session.workspace.project_folder(self.id)
        self._versions = dict(session.keyring.projects.get(self.id, {}))
        if not self._versions:
            raise PolicyError(f"user {session.user!r} has no keys for project {self.id!r}")
        self.key_version = max(self._versions)
        self.connection: Connection | None = self._open_store()
        self.chunks = ChunkFolder(self.folder / "chunks", self.id)
        self.policy = FieldPolicy.from_json(record["policy"])
        self.ontology: Ontology = ontology_from_json(record["ontology"])

    def _open_store(self) -> Connection:
        """Open the store with the newest key; create it on a station that has none.

        A station that installed a profile with rotated keys still has its store
        under an older key: it is opened with that key and rekeyed to the newest.
        """
        path = self.folder / "store.db"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            connection = open_store(path, self.keys.store_key, create=True)
            connection.execute("INSERT INTO meta (key, value) VALUES ('project_id', ?)",
                               (self.id,))
            return connection
        try:
            return open_store(path, self.keys.store_key)
        except StoreConfigError:
            for version in sorted(self._versions, reverse=True)[1:]:
                try:
                    open_store(path, self._versions[version].store_key).close()
                except StoreConfigError:
                    continue
                rekey_store(path, self._versions[version].store_key, self.keys.store_key)
                return open_store(path, self.keys.store_key)
            raise

    # -- keys and state -----------------------------------------------------

    @property
    def keys(self) -> ProjectKeys:
        return self._versions[self.key_version]

    @property
    def user(self) -> str:
        return self.session.user

    @property
    def role(self) -> str:
        return self.session.role

    @property
    def db(self) -> Connection:
        if self.connection is None:
            raise StorageError(f"project {self.id!r} is closed; open it again")
        return self.connection

    def content_key(self, key_version: int) -> SecretKey:
        keys = self._versions.get(key_version)
        if keys is None:
            raise CryptoError(f"no content key of version {key_version} for project {self.id!r}")
        return keys.content_key

    def class_key(self, class_id: str, key_version: int) -> SecretKey | None:
        keys = self._versions.get(key_version)
        return None if keys is None else keys.class_keys.get(class_id)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self._versions = {}
        self.session.forget_project(self)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the project's exclusive write lock (imports and orphan collection)."""
        path = self.folder / "write.lock"
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageError(
                    f"another Labeler process is importing into project {self.id!r}; "
                    "wait for it to finish"
                ) from None
            yield
        finally:
            os.close(descriptor)

    def audit(self, action: str, obj: str = "", details: Mapping[str, Any] | None = None) -> int:
        """Append a signed audit entry inside the caller's transaction."""
        return append_project_entry(self.db, user=self.user, action=action, obj=obj,
                                    details=details or {}, sign=self.session.keyring.sign)

    # -- assets ----------------------------------------------------------------

    def count_assets(self, *, status: str | None = None, kind: str | None = None) -> int:
        where, parameters = _asset_filter(status, kind)
        return int(self.db.execute(f"SELECT count(*) FROM assets {where}", parameters).fetchone()[0])

    def list_assets(self, *, status: str | None = None, kind: str | None = None,
                    offset: int = 0, limit: int = -1) -> list[Asset]:
        where, parameters = _asset_filter(status, kind)
        rows = self.db.execute(
            f"SELECT {', '.join(ASSET_COLUMNS)} FROM assets {where} ORDER BY id LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )
        return [Asset.from_row(row) for row in rows]

    def asset(self, asset_id: int) -> Asset:
        row = self.db.execute(
            f"SELECT {', '.join(ASSET_COLUMNS)} FROM assets WHERE id = ?", (asset_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"project {self.id!r} has no asset {asset_id}")
        return Asset.from_row(row)

    def find_asset(self, reference: str) -> Asset:
        """Find an asset by numeric id or by its path in the bucket."""
        if reference.isdigit():
            return self.asset(int(reference))
        row = self.db.execute(
            f"SELECT {', '.join(ASSET_COLUMNS)} FROM assets WHERE path = ? ORDER BY id LIMIT 1",
            (reference,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"project {self.id!r} has no asset with path {reference!r}")
        return Asset.from_row(row)

    def blob_key(self, class_id: str | None, key_version: int) -> SecretKey:
        """Return the key a blob is encrypted with: a class key, or the content key."""
        if class_id is None:
            return self.content_key(key_version)
        key = self.class_key(class_id, key_version)
        if key is None:
            raise PolicyError(
                f"user {self.user!r} ({self.role}) may not open original files of project "
                f"{self.id!r}: they carry metadata the policy hides from this role")
        return key

    def read_blob(self, blob_id: int) -> bytes:
        row = self.db.execute("SELECT uid, key_version, class_id FROM blobs WHERE id = ?",
                              (blob_id,)).fetchone()
        if row is None:
            raise StorageError(f"content {blob_id} is named by an asset but not in the store")
        refs = [ChunkRef(idx, name, size) for idx, name, size in self.db.execute(
            "SELECT idx, file, size FROM chunks WHERE blob_id = ? ORDER BY idx", (blob_id,))]
        return self.chunks.read_blob(refs, key=self.blob_key(row[2], row[1]), blob_uid=row[0])

    def read_content(self, asset: Asset) -> bytes:
        """Decrypt the bytes every project member may see.

        For a file whose embedded metadata some role may not see, this is the
        display copy without that metadata; otherwise it is the original.
        """
        self.session.require(Permission.VIEW)
        return self.read_blob(asset.blob_id)

    def read_original(self, asset: Asset) -> bytes:
        """Decrypt the original file; needs the class key of the roles cleared for it."""
        self.session.require(Permission.VIEW)
        return self.read_blob(asset.original_blob_id or asset.blob_id)

    # -- fields ------------------------------------------------------------------

    def store_fields(self, asset_id: int, fields: Mapping[str, str]) -> None:
        """Encrypt field values per the policy, inside the caller's transaction."""
        from labeler.core.policy.fields import mask_value

        self.db.execute("DELETE FROM fields WHERE asset_id = ?", (asset_id,))
        for name, value in fields.items():
            rule = self.policy.rule_for(name)
            forms = (
                ("full", rule.roles_with(Visibility.VISIBLE), value),
                ("masked", rule.roles_with(Visibility.MASKED),
                 mask_value(value, rule.mask, rule.placeholder)),
            )
            for variant, roles, text in forms:
                if not roles:
                    continue
                class_id = class_for_roles(roles)
                key = self.class_key(class_id, self.key_version)
                if key is None:
                    raise CryptoError(
                        f"user {self.user!r} cannot store field {name!r}: no key for its class"
                    )
                aad = field_aad(self.id, asset_id, name, variant, class_id, self.key_version)
                self.db.execute(
                    "INSERT INTO fields (asset_id, name, variant, class_id, key_version,"
                    " ciphertext) VALUES (?, ?, ?, ?, ?, ?)",
                    (asset_id, name, variant, class_id, self.key_version,
                     encrypt(key, text.encode("utf-8"), aad)),
                )

    def fields_for_user(self, asset_id: int) -> list[FieldView]:
        """Return every field of an asset as this user's role may see it."""
        rows = self.db.execute(
            "SELECT name, variant, class_id, key_version, ciphertext FROM fields"
            " WHERE asset_id = ? ORDER BY name, variant", (asset_id,)).fetchall()
        names = sorted({row[0] for row in rows})
        by_key = {(row[0], row[1]): row for row in rows}
        views = []
        for name in names:
            level = self.policy.rule_for(name).visibility.get(self.role, Visibility.HIDDEN)
            variant = {"visible": "full", "masked": "masked"}.get(level)
            row = by_key.get((name, variant)) if variant else None
            if row is None:
                views.append(FieldView(name, Visibility.HIDDEN, None))
                continue
            key = self.class_key(row[2], row[3])
            if key is None:
                views.append(FieldView(name, Visibility.HIDDEN, None))
                continue
            aad = field_aad(self.id, asset_id, name, row[1], row[2], row[3])
            views.append(FieldView(name, level, decrypt(key, bytes(row[4]), aad).decode("utf-8")))
        return views

    # -- status --------------------------------------------------------------------

    def set_status(self, asset_id: int, status: str) -> None:
        with transaction(self.db):
            self.db.execute("UPDATE assets SET status = ?, updated_at = ? WHERE id = ?",
                            (status, utc_now(), asset_id))
            self.audit("status_changed", str(asset_id), {"status": status})

    def record_view(self, asset_id: int) -> None:
        """Audit that the signed-in user opened an asset (its content or fields)."""
        with transaction(self.db):
            self.audit("asset_viewed", str(asset_id))

    def read_audit(self) -> list[dict[str, Any]]:
        """Return the project's audit entries; only roles with `read_audit` may."""
        self.session.require(Permission.READ_AUDIT)
        rows = self.db.execute(
            "SELECT seq, at, user, action, object, details FROM audit ORDER BY seq")
        return [{"seq": seq, "at": at, "user": user, "action": action, "object": obj,
                 "details": json.loads(details)} for seq, at, user, action, obj, details in rows]

    def import_errors(self, job_id: int) -> list[tuple[str, str]]:
        return [(p, r) for p, r in self.db.execute(
            "SELECT path, reason FROM import_errors WHERE job_id = ? ORDER BY path", (job_id,))]

    def last_job_summary(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT summary FROM import_jobs ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else dict(json.loads(row[0]))


def _asset_filter(status: str | None, kind: str | None) -> tuple[str, tuple[Any, ...]]:
    clauses, parameters = [], []
    if status:
        clauses.append("status = ?")
        parameters.append(status)
    if kind:
        clauses.append("kind = ?")
        parameters.append(kind)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", tuple(parameters)
