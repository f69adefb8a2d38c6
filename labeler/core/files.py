"""Canonical JSON and crash-safe file writes."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Final

from labeler.core.errors import ConfigError, StorageError


def canonical_json(value: Any) -> bytes:
    """Serialise `value` the same way every time, so signatures are stable."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def fsync_directory(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive power loss."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


PRIVATE_FILE_MODE: Final = 0o600
PRIVATE_FOLDER_MODE: Final = 0o700


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves the old or the new file, whole.

    The bytes go to a temporary file in the same folder, are synced, and then
    replace the target by rename; the folder is synced after the rename.
    The file gets mode 0o600 whatever the umask. A missing parent folder is
    created with mode 0o700, but only one level: a path whose grandparent is
    missing is more likely a typo than a request for a folder tree.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             PRIVATE_FILE_MODE)
        with open(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        fsync_directory(path.parent)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"cannot write {str(path)!r}: {error.strerror}") from error


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write(path, json.dumps(value, indent=2, sort_keys=True).encode("utf-8") + b"\n")


def read_json(path: Path, *, what: str) -> Any:
    """Read a JSON file, turning every failure into one plain error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise StorageError(f"{what} {str(path)!r} does not exist") from error
    except OSError as error:
        raise StorageError(f"cannot read {what} {str(path)!r}: {error.strerror}") from error
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"{what} {str(path)!r} is not valid JSON; the file is damaged") from error
