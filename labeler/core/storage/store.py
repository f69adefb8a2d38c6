"""Open a project's SQLCipher store with pinned, checked settings.

The store is keyed with a raw 256-bit key (`PRAGMA key = "x'…'"`), so
SQLCipher's own PBKDF2 is skipped: the password cost is paid once, by Argon2id,
when the keyring is unlocked. At every open the cipher settings are compared
with the pinned ones below and the store is refused if any differs.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Iterator

import sqlcipher3

from labeler.core.crypto.primitives import SecretKey
from labeler.core.errors import StorageError, StoreConfigError
from labeler.core.storage.schema import migrate

logger = logging.getLogger(__name__)

Connection = sqlcipher3.Connection

# Values SQLCipher 4 reports with its defaults; a store made with other
# settings (an older compatibility mode, another page size, HMAC off) or a
# library built differently is refused rather than opened half-right.
PINNED_CIPHER_SETTINGS: Final = {
    "cipher_page_size": "4096",
    "cipher_hmac_algorithm": "HMAC_SHA512",
    "cipher_kdf_algorithm": "PBKDF2_HMAC_SHA512",
    "cipher_plaintext_header_size": "0",
    "cipher_use_hmac": "1",
}
# SQLite's TEMP_STORE compile option: 2 keeps temp data in memory unless a
# PRAGMA says FILE, and 3 always keeps it in memory. SQLCipher does not
# encrypt temp files, so anything lower would let sorts spill plaintext.
MIN_TEMP_STORE_OPTION: Final = 2
TEMP_STORE_MEMORY: Final = 2

_DENIED_ACTIONS: Final = frozenset(
    code for code in (getattr(sqlcipher3, "SQLITE_ATTACH", 24),
                      getattr(sqlcipher3, "SQLITE_DETACH", 25))
)
# Pragmas that could weaken the store at run time once it is open.
_DENIED_PRAGMAS: Final = frozenset(
    {"temp_store", "temp_store_directory", "key", "rekey", "cipher_compatibility",
     "cipher_plaintext_header_size", "cipher_use_hmac", "writable_schema"}
)


def _authorize(action: int, argument1: str | None, argument2: str | None,
               *_rest: Any) -> int:
    """Deny ATTACH (`ATTACH … KEY ''` writes a plaintext database) and weakening pragmas.

    For a PRAGMA, `argument2` is the value being set; reading a setting passes None.
    """
    if action in _DENIED_ACTIONS:
        return int(sqlcipher3.SQLITE_DENY)
    if (action == sqlcipher3.SQLITE_PRAGMA and argument1 and argument2 is not None
            and argument1.lower() in _DENIED_PRAGMAS):
        return int(sqlcipher3.SQLITE_DENY)
    return int(sqlcipher3.SQLITE_OK)


def _pragma_value(connection: Connection, name: str) -> str | None:
    row = connection.execute(f"PRAGMA {name}").fetchone()
    return None if row is None else str(row[0])


def check_cipher_configuration(connection: Connection, path: Path) -> None:
    """Raise StoreConfigError unless the open store uses the pinned settings."""
    version = _pragma_value(connection, "cipher_version") or ""
    if not version.startswith("4."):
        raise StoreConfigError(
            f"{str(path)!r} needs SQLCipher 4, but the library reports {version!r}; "
            "reinstall Labeler's sqlcipher3 package"
        )
    for name, expected in PINNED_CIPHER_SETTINGS.items():
        actual = _pragma_value(connection, name)
        if actual != expected:
            raise StoreConfigError(
                f"{str(path)!r}: cipher setting {name} is {actual!r}, expected {expected!r}; "
                "the store was not made by this version of Labeler, so it is not opened"
            )
    options = [row[0] for row in connection.execute("PRAGMA compile_options")]
    temp_options = [int(o.split("=")[1]) for o in options if o.startswith("TEMP_STORE=")]
    if not temp_options or temp_options[0] < MIN_TEMP_STORE_OPTION:
        raise StoreConfigError(
            "the SQLCipher library may write unencrypted temporary files "
            f"(compile options {temp_options}); reinstall Labeler's sqlcipher3 package"
        )
    if _pragma_value(connection, "temp_store") != str(TEMP_STORE_MEMORY):
        raise StoreConfigError("temporary storage is not in memory; the store is not opened")


def _apply_key(connection: Connection, key: SecretKey) -> None:
    # PRAGMA cannot take bound parameters. The key is built from bytes as hex,
    # so the text can only be the raw-key form, never a passphrase to stretch.
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


def open_store(path: Path, key: SecretKey, *, create: bool = False) -> Connection:
    """Open (or create) a project store, check its settings and migrate its schema."""
    if not create and not path.exists():
        raise StorageError(f"the project store {str(path)!r} does not exist")
    try:
        connection = sqlcipher3.connect(str(path), isolation_level=None,
                                        check_same_thread=False)
    except sqlcipher3.Error as error:
        raise StorageError(f"cannot open the project store {str(path)!r}: {error}") from error
    try:
        _configure(connection, key, path)
        migrate(connection)
    except sqlcipher3.DatabaseError as error:
        connection.close()
        raise StoreConfigError(
            f"cannot read the project store {str(path)!r}: wrong key, damaged file, "
            "or cipher settings that differ from Labeler's"
        ) from error
    except Exception:
        connection.close()
        raise
    return connection


def _configure(connection: Connection, key: SecretKey, path: Path) -> None:
    connection.execute("PRAGMA cipher_log_level = NONE")
    _apply_key(connection, key)
    # First real read: fails here with "file is not a database" on a wrong key.
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    connection.execute(f"PRAGMA temp_store = {TEMP_STORE_MEMORY}")
    check_cipher_configuration(connection, path)
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageError(f"{str(path)!r}: cannot switch to WAL mode (got {mode!r})")
    # FULL: an acknowledged commit survives power loss, not only a killed process.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    # Zero freed pages, so a re-encrypted or deleted value does not linger in
    # the file where a holder of the store key could still find it.
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.set_authorizer(_authorize)


def rekey_store(path: Path, old_key: SecretKey, new_key: SecretKey) -> None:
    """Re-encrypt every page of a store under a new raw key, in one transaction.

    SQLCipher rolls the rekey back if it fails part-way, so the store opens
    afterwards with exactly one of the two keys. The WAL is checkpointed first
    because SQLCipher rekeys only the main database file.
    """
    connection = open_store(path, old_key)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.set_authorizer(None)
        connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        connection.close()
    open_store(path, new_key).close()


@contextmanager
def transaction(connection: Connection) -> Iterator[Connection]:
    """Run a block in one IMMEDIATE transaction: commit on success, roll back on error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
