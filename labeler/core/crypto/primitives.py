"""Small, typed wrappers over `cryptography` for the few operations Labeler uses.

Every ciphertext is AES-256-GCM with a fresh 96-bit random nonce and an AAD
that names where the ciphertext belongs, so a value moved to another row,
file or user fails to decrypt. Failures raise `CryptoError` with a message
that reveals nothing about keys or contents.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from labeler.core.errors import ConfigError, CryptoError, SignatureError

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
SALT_BYTES: Final = 16


class SecretKey:
    """A 256-bit symmetric key held in a mutable buffer so `wipe` can zero it.

    Python may still hold transient copies (inside `cryptography` or as
    temporaries), so wiping lowers exposure but does not guarantee erasure.
    """

    __slots__ = ("_buffer",)

    def __init__(self, material: bytes | bytearray) -> None:
        if len(material) != KEY_BYTES:
            raise CryptoError(f"a key must be {KEY_BYTES} bytes, got {len(material)}")
        self._buffer = bytearray(material)

    @classmethod
    def generate(cls) -> SecretKey:
        return cls(os.urandom(KEY_BYTES))

    def material(self) -> bytes:
        if not any(self._buffer):
            raise CryptoError("the key was wiped when the workspace was locked")
        return bytes(self._buffer)

    def hex(self) -> str:
        return self.material().hex()

    def wipe(self) -> None:
        for index in range(len(self._buffer)):
            self._buffer[index] = 0

    def __repr__(self) -> str:
        return "SecretKey(<hidden>)"


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise CryptoError(f"{what} is not valid base64; the file is damaged") from error


def encrypt(key: SecretKey, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt with AES-256-GCM; the result is nonce followed by ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key.material()).encrypt(nonce, plaintext, aad)


def decrypt(key: SecretKey, blob: bytes, aad: bytes) -> bytes:
    """Decrypt `encrypt` output; raise CryptoError on any mismatch."""
    if len(blob) < NONCE_BYTES + 16:
        raise CryptoError("ciphertext is too short; the data is damaged")
    try:
        return AESGCM(key.material()).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag as error:
        raise CryptoError("wrong key, or the data was damaged or moved") from error


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost and salt, stored beside what the derived key protects."""

    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "algorithm": "argon2id",
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
            "salt": b64encode(self.salt),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise ConfigError(f"unsupported key derivation {data.get('algorithm')!r}")
        try:
            params = cls(
                memory_kib=int(str(data["memory_kib"])),
                iterations=int(str(data["iterations"])),
                lanes=int(str(data["lanes"])),
                salt=b64decode(str(data["salt"]), what="the key derivation salt"),
            )
        except (KeyError, ValueError) as error:
            raise ConfigError("the key derivation settings are incomplete") from error
        if params.memory_kib < 8 * params.lanes or params.iterations < 1:
            raise ConfigError("the key derivation settings are out of range")
        return params

    def with_new_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.lanes, os.urandom(SALT_BYTES))


@dataclass(frozen=True)
class KdfCost:
    """Argon2id cost without a salt: what a new keyring is made with."""

    memory_kib: int
    iterations: int
    lanes: int

    def new_params(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.lanes, os.urandom(SALT_BYTES))


# About 0.1 s on a 2-core x86-64 VM (Python 3.11, cryptography 50); raise it as
# hardware gets faster: the cost is stored per keyring, so old ones still open.
DEFAULT_KDF_COST: Final = KdfCost(memory_kib=64 * 1024, iterations=3, lanes=4)
# For tests only: cheap enough that a suite can unlock hundreds of keyrings.
TEST_KDF_COST: Final = KdfCost(memory_kib=256, iterations=1, lanes=1)


def derive_key(password: str, params: KdfParams) -> SecretKey:
    """Derive a key-encryption key from a password with Argon2id."""
    kdf = Argon2id(
        salt=params.salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return SecretKey(kdf.derive(password.encode("utf-8")))


def _hkdf(secret: bytes, info: bytes) -> SecretKey:
    return SecretKey(HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=info).derive(secret))


def seal(recipient: X25519PublicKey, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt to an X25519 public key (ephemeral key, HKDF, AES-256-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = public_bytes(ephemeral.public_key())
    info = b"labeler-seal-v1" + ephemeral_public + public_bytes(recipient)
    key = _hkdf(ephemeral.exchange(recipient), info)
    return ephemeral_public + encrypt(key, plaintext, aad)


def open_sealed(recipient: X25519PrivateKey, blob: bytes, aad: bytes) -> bytes:
    """Decrypt `seal` output with the recipient's private key."""
    if len(blob) < 32 + NONCE_BYTES + 16:
        raise CryptoError("sealed data is too short; the file is damaged")
    ephemeral_public = blob[:32]
    info = b"labeler-seal-v1" + ephemeral_public + public_bytes(recipient.public_key())
    shared = recipient.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    return decrypt(_hkdf(shared, info), blob[32:], aad)


def public_bytes(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_bytes(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Raise SignatureError unless `signature` is valid for `message`."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as error:
        raise SignatureError("the signature does not match the signer's key") from error


def fingerprint(public_key: bytes) -> str:
    """Return a short, human-comparable fingerprint of a public key."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(public_key)
    text = digest.finalize()[:16].hex().upper()
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))
