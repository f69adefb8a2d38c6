"""AES-GCM wrapping, sealing and key handling."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from labeler.core.crypto.primitives import (
    TEST_KDF_COST,
    SecretKey,
    decrypt,
    derive_key,
    encrypt,
    open_sealed,
    seal,
)
from labeler.core.errors import CryptoError


def test_encrypt_round_trip() -> None:
    key = SecretKey.generate()
    blob = encrypt(key, b"secret value", b"project|1|field")
    assert b"secret value" not in blob
    assert decrypt(key, blob, b"project|1|field") == b"secret value"


def test_decrypt_rejects_other_aad() -> None:
    key = SecretKey.generate()
    blob = encrypt(key, b"secret value", b"project|1|field")
    with pytest.raises(CryptoError, match="wrong key"):
        decrypt(key, blob, b"project|2|field")


def test_decrypt_rejects_flipped_byte() -> None:
    key = SecretKey.generate()
    blob = bytearray(encrypt(key, b"secret value", b"aad"))
    blob[-1] ^= 1
    with pytest.raises(CryptoError):
        decrypt(key, bytes(blob), b"aad")


def test_encrypt_uses_fresh_nonce() -> None:
    key = SecretKey.generate()
    assert encrypt(key, b"same", b"aad") != encrypt(key, b"same", b"aad")


def test_seal_opens_only_for_recipient() -> None:
    recipient = X25519PrivateKey.generate()
    other = X25519PrivateKey.generate()
    sealed = seal(recipient.public_key(), b"grant", b"aad")
    assert open_sealed(recipient, sealed, b"aad") == b"grant"
    with pytest.raises(CryptoError):
        open_sealed(other, sealed, b"aad")


def test_wiped_key_cannot_be_used() -> None:
    key = SecretKey.generate()
    key.wipe()
    with pytest.raises(CryptoError, match="wiped"):
        encrypt(key, b"x", b"aad")


def test_secret_key_repr_hides_material() -> None:
    key = SecretKey(bytes(range(32)))
    assert key.hex() not in repr(key)


def test_derive_key_depends_on_password_and_salt() -> None:
    params = TEST_KDF_COST.new_params()
    first = derive_key("password one", params).material()
    assert derive_key("password one", params).material() == first
    assert derive_key("password two", params).material() != first
    assert derive_key("password one", params.with_new_salt()).material() != first
