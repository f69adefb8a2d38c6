"""Tamper-evident audit logs.

Project actions go to the `audit` table of the project's store: each entry
carries the hash of the previous entry, its own hash and the acting user's
Ed25519 signature over that hash, so an edited, removed or reordered entry
breaks the chain at a point `verify_project_audit` reports. Triggers reject
UPDATE and DELETE on the table. Someone holding the project key can still cut
the log's tail; comparing the chain head with one recorded elsewhere (the
admin's copy) is what detects that.

Workspace events that happen without a project (sign-in, failed sign-in,
user changes) go to `audit/workspace.jsonl`: each line is sealed to the
organisation's encryption key, so any process may append but only admins can
read, and the lines form the same kind of hash chain.

Entries never contain passwords, keys, field values or content.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Final, Mapping

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)

from labeler.core.crypto.primitives import (
    b64decode,
    b64encode,
    open_sealed,
    seal,
    verify_signature,
)
from labeler.core.errors import CryptoError, SignatureError, StorageError
from labeler.core.files import canonical_json

GENESIS: Final = "0" * 64


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _entry_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def append_project_entry(connection: Any, *, user: str, action: str, obj: str,
                         details: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> int:
    """Append one signed entry inside the caller's transaction; return its sequence number."""
    row = connection.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = utc_now()
    body = {"seq": seq, "at": at, "user": user, "action": action, "object": obj,
            "details": dict(details)}
    digest = _entry_hash(prev_hash, body)
    connection.execute(
        "INSERT INTO audit (seq, at, user, action, object, details, prev_hash, hash, signature)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, user, action, obj, json.dumps(dict(details), sort_keys=True), prev_hash,
         digest, sign(bytes.fromhex(digest))),
    )
    return seq


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    reason: str


def verify_project_audit(connection: Any,
                         public_keys: Mapping[str, bytes]) -> AuditProblem | None:
    """Return the first entry that breaks the chain or its signature, or None."""
    prev_hash = GENESIS
    expected_seq = 1
    for seq, at, user, action, obj, details, stored_prev, digest, signature in connection.execute(
        "SELECT seq, at, user, action, object, details, prev_hash, hash, signature"
        " FROM audit ORDER BY seq"
    ):
        if seq != expected_seq:
            return AuditProblem(seq, f"entry {expected_seq} is missing")
        if stored_prev != prev_hash:
            return AuditProblem(seq, "the previous-entry hash does not match")
        body = {"seq": seq, "at": at, "user": user, "action": action, "object": obj,
                "details": json.loads(details)}
        if _entry_hash(prev_hash, body) != digest:
            return AuditProblem(seq, "the entry was changed after it was written")
        key = public_keys.get(user)
        if key is None:
            return AuditProblem(seq, f"user {user!r} is not in the workspace")
        try:
            verify_signature(key, bytes(signature), bytes.fromhex(digest))
        except SignatureError:
            return AuditProblem(seq, f"the signature of user {user!r} does not verify")
        prev_hash = digest
        expected_seq += 1
    return None


class WorkspaceAuditLog:
    """Append-only, sealed, hash-chained log of workspace events."""

    def __init__(self, path: Path, org_encryption_public: bytes) -> None:
        self.path = path
        self._recipient = X25519PublicKey.from_public_bytes(org_encryption_public)

    def append(self, *, user: str, action: str, obj: str = "",
               details: Mapping[str, Any] | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            seq, prev_hash = self._last(descriptor)
            at = utc_now()
            event = canonical_json({"user": user, "action": action, "object": obj,
                                    "details": dict(details or {})})
            sealed = b64encode(seal(self._recipient, event, f"labeler-audit-v1|{seq}".encode()))
            body = {"seq": seq, "at": at, "sealed": sealed}
            line = {**body, "prev": prev_hash, "hash": _entry_hash(prev_hash, body)}
            os.write(descriptor, canonical_json(line) + b"\n")
            os.fsync(descriptor)
        except OSError as error:
            raise StorageError(f"cannot write the workspace audit log: {error.strerror}") from error
        finally:
            os.close(descriptor)

    @staticmethod
    def _last(descriptor: int) -> tuple[int, str]:
        size = os.fstat(descriptor).st_size
        if size == 0:
            return 1, GENESIS
        tail = os.pread(descriptor, min(size, 65536), max(0, size - 65536))
        last = json.loads(tail.rstrip(b"\n").rsplit(b"\n", 1)[-1])
        return int(last["seq"]) + 1, str(last["hash"])

    def read(self, org_encryption_private: X25519PrivateKey) -> tuple[list[dict[str, Any]],
                                                                       AuditProblem | None]:
        """Decrypt every entry and check the chain; return entries and the first problem."""
        entries: list[dict[str, Any]] = []
        if not self.path.exists():
            return entries, None
        prev_hash = GENESIS
        for number, raw in enumerate(self.path.read_bytes().splitlines(), start=1):
            try:
                line = json.loads(raw)
                body = {"seq": line["seq"], "at": line["at"], "sealed": line["sealed"]}
                if line["seq"] != number or line["prev"] != prev_hash:
                    return entries, AuditProblem(number, "an entry is missing or out of order")
                if _entry_hash(prev_hash, body) != line["hash"]:
                    return entries, AuditProblem(number, "the entry was changed")
                event = json.loads(open_sealed(
                    org_encryption_private, b64decode(line["sealed"], what="an audit entry"),
                    f"labeler-audit-v1|{number}".encode()))
            except (ValueError, KeyError, CryptoError):
                return entries, AuditProblem(number, "the entry is damaged")
            entries.append({"seq": number, "at": line["at"], **event})
            prev_hash = line["hash"]
        return entries, None
