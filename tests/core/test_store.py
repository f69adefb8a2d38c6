"""Project store: pinned cipher settings, denied ATTACH, schema versions."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from labeler.core.crypto.primitives import SecretKey
from labeler.core.errors import StorageError, StoreConfigError
from labeler.core.storage import store as store_module
from labeler.core.storage.schema import SCHEMA_VERSION
from labeler.core.storage.store import open_store


def test_new_store_is_migrated_and_encrypted(tmp_path: Path) -> None:
    key = SecretKey.generate()
    connection = open_store(tmp_path / "s.db", key, create=True)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert connection.execute("PRAGMA temp_store").fetchone()[0] == 2
    connection.close()
    assert not (tmp_path / "s.db").read_bytes().startswith(b"SQLite format 3")


def test_wrong_key_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path / "s.db", SecretKey.generate(), create=True).close()
    with pytest.raises(StoreConfigError, match="wrong key"):
        open_store(tmp_path / "s.db", SecretKey.generate())


def test_store_with_other_page_size_is_refused(tmp_path: Path) -> None:
    key = SecretKey.generate()
    raw = sqlcipher3.connect(str(tmp_path / "s.db"))
    raw.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    raw.execute("PRAGMA cipher_page_size = 8192")
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreConfigError):
        open_store(tmp_path / "s.db", key)


def test_changed_pinned_setting_refuses_open(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """If the library reported any other setting than the pinned one, open fails."""
    key = SecretKey.generate()
    open_store(tmp_path / "s.db", key, create=True).close()
    original = dict(store_module.PINNED_CIPHER_SETTINGS)
    for name in original:
        pinned = dict(original)
        pinned[name] = "something else"
        monkeypatch.setattr(store_module, "PINNED_CIPHER_SETTINGS", pinned)
        with pytest.raises(StoreConfigError, match=name):
            open_store(tmp_path / "s.db", key)
    monkeypatch.undo()
    open_store(tmp_path / "s.db", key).close()


def test_attach_without_key_is_denied(tmp_path: Path) -> None:
    connection = open_store(tmp_path / "s.db", SecretKey.generate(), create=True)
    with pytest.raises(sqlcipher3.DatabaseError, match="not authorized"):
        connection.execute(f"ATTACH DATABASE '{tmp_path / 'plain.db'}' AS plain KEY ''")
    connection.close()
    assert not (tmp_path / "plain.db").exists()


@pytest.mark.parametrize("statement", ["PRAGMA temp_store = FILE", "PRAGMA temp_store = 1",
                                       "PRAGMA rekey = 'x'", "PRAGMA cipher_use_hmac = OFF"])
def test_weakening_pragmas_are_denied(tmp_path: Path, statement: str) -> None:
    connection = open_store(tmp_path / "s.db", SecretKey.generate(), create=True)
    with pytest.raises(sqlcipher3.DatabaseError, match="not authorized"):
        connection.execute(statement)
    assert connection.execute("PRAGMA temp_store").fetchone()[0] == 2
    connection.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    key = SecretKey.generate()
    connection = open_store(tmp_path / "s.db", key, create=True)
    connection.set_authorizer(None)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StorageError, match="newer than this Labeler"):
        open_store(tmp_path / "s.db", key)


def test_audit_rows_cannot_be_changed(tmp_path: Path) -> None:
    connection = open_store(tmp_path / "s.db", SecretKey.generate(), create=True)
    connection.execute("INSERT INTO audit VALUES (1, 't', 'u', 'a', 'o', '{}', 'p', 'h', x'00')")
    with pytest.raises(sqlcipher3.IntegrityError, match="cannot be changed"):
        connection.execute("UPDATE audit SET user = 'x'")
    with pytest.raises(sqlcipher3.IntegrityError, match="cannot be deleted"):
        connection.execute("DELETE FROM audit")
    connection.close()


def test_missing_store_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_store(tmp_path / "absent.db", SecretKey.generate())
