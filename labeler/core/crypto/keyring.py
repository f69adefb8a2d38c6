"""Per-user keyrings: an identity wrapped under the password, plus sealed grants.

A keyring file holds two parts:

* the identity, the user's X25519 and Ed25519 private keys, encrypted with
  AES-256-GCM under a key derived from the password with Argon2id;
* grants, each a set of project keys (or the organisation keys) sealed to
  the user's X25519 public key and signed with the organisation key.

An admin can therefore give a user new keys without knowing the user's
password, and changing a password re-wraps only the identity. A grant is
accepted only if its signature verifies against the pinned organisation key,
so nobody with write access to the folder can slip in keys of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)

from labeler.core.crypto.primitives import (
    KdfCost,
    KdfParams,
    SecretKey,
    b64decode,
    b64encode,
    decrypt,
    derive_key,
    encrypt,
    open_sealed,
    private_bytes,
    public_bytes,
    seal,
    verify_signature,
)
from labeler.core.errors import ConfigError, CryptoError, WrongPasswordError
from labeler.core.files import canonical_json

FORMAT: Final = "labeler-keyring"
FORMAT_VERSION: Final = 1


@dataclass
class ProjectKeys:
    """The keys of one project at one key version."""

    project_id: str
    key_version: int
    store_key: SecretKey
    content_key: SecretKey
    class_keys: dict[str, SecretKey] = field(default_factory=dict)

    @classmethod
    def generate(cls, project_id: str, key_version: int, classes: list[str]) -> ProjectKeys:
        return cls(
            project_id,
            key_version,
            SecretKey.generate(),
            SecretKey.generate(),
            {name: SecretKey.generate() for name in classes},
        )

    def restricted_to(self, classes: set[str]) -> ProjectKeys:
        """Return a copy holding only the class keys named in `classes`."""
        return ProjectKeys(
            self.project_id,
            self.key_version,
            SecretKey(self.store_key.material()),
            SecretKey(self.content_key.material()),
            {
                name: SecretKey(key.material())
                for name, key in self.class_keys.items()
                if name in classes
            },
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project_id,
            "key_version": self.key_version,
            "store_key": b64encode(self.store_key.material()),
            "content_key": b64encode(self.content_key.material()),
            "class_keys": {
                name: b64encode(key.material()) for name, key in self.class_keys.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectKeys:
        return cls(
            str(data["project"]),
            int(data["key_version"]),
            SecretKey(b64decode(data["store_key"], what="a project key")),
            SecretKey(b64decode(data["content_key"], what="a content key")),
            {
                name: SecretKey(b64decode(value, what="a class key"))
                for name, value in data["class_keys"].items()
            },
        )

    def wipe(self) -> None:
        self.store_key.wipe()
        self.content_key.wipe()
        for key in self.class_keys.values():
            key.wipe()
        self.class_keys.clear()


@dataclass
class OrgKeys:
    """The organisation's signing key and the key audit records are sealed to."""

    signing_key: Ed25519PrivateKey
    encryption_key: X25519PrivateKey

    @classmethod
    def generate(cls) -> OrgKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public_signing_key(self) -> bytes:
        return public_bytes(self.signing_key.public_key())

    @property
    def public_encryption_key(self) -> bytes:
        return public_bytes(self.encryption_key.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message)


@dataclass
class Keyring:
    """The unlocked keys of one user. `lock` drops every key it holds."""

    user: str
    signing_key: Ed25519PrivateKey | None
    encryption_key: X25519PrivateKey | None
    projects: dict[str, dict[int, ProjectKeys]] = field(default_factory=dict)
    org: OrgKeys | None = None

    @property
    def is_locked(self) -> bool:
        return self.signing_key is None

    def project_keys(self, project_id: str, key_version: int | None = None) -> ProjectKeys:
        versions = self.projects.get(project_id)
        if not versions:
            raise CryptoError(f"user {self.user!r} has no keys for project {project_id!r}")
        if key_version is None:
            key_version = max(versions)
        if key_version not in versions:
            raise CryptoError(
                f"user {self.user!r} has no keys of version {key_version} "
                f"for project {project_id!r}"
            )
        return versions[key_version]

    def sign(self, message: bytes) -> bytes:
        if self.signing_key is None:
            raise CryptoError("the keyring is locked; sign in again")
        return self.signing_key.sign(message)

    def lock(self) -> None:
        for versions in self.projects.values():
            for keys in versions.values():
                keys.wipe()
        self.projects.clear()
        self.signing_key = None
        self.encryption_key = None
        self.org = None


def _identity_aad(user: str) -> bytes:
    return b"labeler-keyring-identity-v1|" + user.encode("utf-8")


def _grant_aad(user: str, kind: str, project_id: str, key_version: int) -> bytes:
    return f"labeler-grant-v1|{user}|{kind}|{project_id}|{key_version}".encode()


def _grant_signed_part(grant: dict[str, Any], user: str) -> bytes:
    return canonical_json({**{k: v for k, v in grant.items() if k != "signature"}, "user": user})


def new_keyring_file(user: str, password: str, cost: KdfCost) -> tuple[dict[str, Any], Keyring]:
    """Create a keyring with a fresh identity and no grants."""
    signing_key = Ed25519PrivateKey.generate()
    encryption_key = X25519PrivateKey.generate()
    keyring = Keyring(user, signing_key, encryption_key)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "user": user,
        "signing_public": b64encode(public_bytes(signing_key.public_key())),
        "encryption_public": b64encode(public_bytes(encryption_key.public_key())),
        "grants": [],
    }
    _wrap_identity(document, keyring, password, cost.new_params())
    return document, keyring


def _wrap_identity(
    document: dict[str, Any], keyring: Keyring, password: str, params: KdfParams
) -> None:
    assert keyring.signing_key is not None and keyring.encryption_key is not None
    identity = {
        "signing_private": b64encode(private_bytes(keyring.signing_key)),
        "encryption_private": b64encode(private_bytes(keyring.encryption_key)),
    }
    kek = derive_key(password, params)
    try:
        wrapped = encrypt(kek, canonical_json(identity), _identity_aad(keyring.user))
    finally:
        kek.wipe()
    document["kdf"] = params.to_json()
    document["identity"] = b64encode(wrapped)


def _check_format(document: dict[str, Any]) -> None:
    if document.get("format") != FORMAT or document.get("format_version") != FORMAT_VERSION:
        raise ConfigError("the file is not a Labeler keyring of a supported version")


def unwrap_identity(document: dict[str, Any], password: str) -> Keyring:
    """Decrypt the identity with the password; raise WrongPasswordError if it fails.

    The key derivation runs in full before anything is compared, so a wrong
    password costs the same time as a right one.
    """
    _check_format(document)
    user = str(document["user"])
    params = KdfParams.from_json(document["kdf"])
    kek = derive_key(password, params)
    try:
        plaintext = decrypt(kek, b64decode(document["identity"], what="the identity"),
                            _identity_aad(user))
    except CryptoError as error:
        raise WrongPasswordError("wrong user name or password") from error
    finally:
        kek.wipe()
    identity = json.loads(plaintext)
    return Keyring(
        user,
        Ed25519PrivateKey.from_private_bytes(
            b64decode(identity["signing_private"], what="the signing key")
        ),
        X25519PrivateKey.from_private_bytes(
            b64decode(identity["encryption_private"], what="the encryption key")
        ),
    )


def open_grants(document: dict[str, Any], keyring: Keyring, org_public_key: bytes) -> None:
    """Verify and open every grant in the file into `keyring`."""
    assert keyring.encryption_key is not None
    for grant in document.get("grants", []):
        verify_signature(
            org_public_key,
            b64decode(grant["signature"], what="a grant signature"),
            _grant_signed_part(grant, keyring.user),
        )
        aad = _grant_aad(keyring.user, grant["kind"], grant["project"], grant["key_version"])
        payload = json.loads(
            open_sealed(keyring.encryption_key, b64decode(grant["sealed"], what="a grant"), aad)
        )
        if grant["kind"] == "org":
            keyring.org = OrgKeys(
                Ed25519PrivateKey.from_private_bytes(b64decode(payload["signing"], what="a key")),
                X25519PrivateKey.from_private_bytes(b64decode(payload["encryption"], what="a key")),
            )
        else:
            keys = ProjectKeys.from_json(payload)
            if keys.project_id != grant["project"] or keys.key_version != grant["key_version"]:
                raise CryptoError("a grant's contents do not match its label; the file is damaged")
            keyring.projects.setdefault(keys.project_id, {})[keys.key_version] = keys


def unlock(document: dict[str, Any], password: str, org_public_key: bytes) -> Keyring:
    keyring = unwrap_identity(document, password)
    try:
        open_grants(document, keyring, org_public_key)
    except Exception:
        keyring.lock()
        raise
    return keyring


def rewrap(document: dict[str, Any], old_password: str, new_password: str,
           cost: KdfCost | None = None) -> dict[str, Any]:
    """Return a copy of the keyring file wrapped under a new password.

    Grants stay as they are: they are sealed to the identity, not the password.
    """
    keyring = unwrap_identity(document, old_password)
    params = cost.new_params() if cost else KdfParams.from_json(document["kdf"]).with_new_salt()
    updated = dict(document)
    try:
        _wrap_identity(updated, keyring, new_password, params)
    finally:
        keyring.lock()
    return updated


def _make_grant(document: dict[str, Any], org: OrgKeys, kind: str, project_id: str,
                key_version: int, payload: bytes) -> dict[str, Any]:
    user = str(document["user"])
    recipient = X25519PublicKey.from_public_bytes(
        b64decode(document["encryption_public"], what="the user's public key")
    )
    grant = {
        "kind": kind,
        "project": project_id,
        "key_version": key_version,
        "sealed": b64encode(seal(recipient, payload, _grant_aad(user, kind, project_id, key_version))),
    }
    grant["signature"] = b64encode(org.sign(_grant_signed_part(grant, user)))
    return grant


def add_project_grant(document: dict[str, Any], org: OrgKeys, keys: ProjectKeys) -> None:
    """Seal `keys` to the keyring's owner, replacing a grant of the same version."""
    grant = _make_grant(document, org, "project", keys.project_id, keys.key_version,
                        canonical_json(keys.to_json()))
    document["grants"] = [
        existing for existing in document.get("grants", [])
        if not (existing["kind"] == "project" and existing["project"] == keys.project_id
                and existing["key_version"] == keys.key_version)
    ] + [grant]


def remove_project_grants(document: dict[str, Any], project_id: str) -> None:
    document["grants"] = [
        grant for grant in document.get("grants", [])
        if not (grant["kind"] == "project" and grant["project"] == project_id)
    ]


def add_org_grant(document: dict[str, Any], org: OrgKeys) -> None:
    payload = canonical_json({
        "signing": b64encode(private_bytes(org.signing_key)),
        "encryption": b64encode(private_bytes(org.encryption_key)),
    })
    grant = _make_grant(document, org, "org", "", 0, payload)
    document["grants"] = [g for g in document.get("grants", []) if g["kind"] != "org"] + [grant]
