"""Error families raised by the core.

Every error a user can meet derives from `LabelerError`; where a built-in
exception means the same thing, the family inherits it too, so callers may
catch either. Messages are plain sentences that name the file or value and say
what to do; they never contain secrets, keys or decrypted values.
"""

from __future__ import annotations


class LabelerError(Exception):
    """Base of every error the core raises on purpose."""


class CryptoError(LabelerError):
    """Decryption or verification failed: wrong key, wrong password or damage."""


class WrongPasswordError(CryptoError):
    """The password does not unlock the keyring."""


class SignatureError(CryptoError):
    """A signature does not verify against the expected public key."""


class StorageError(LabelerError, OSError):
    """A workspace file or project store cannot be read or written."""


class StoreConfigError(StorageError):
    """A project store's cipher settings differ from the pinned ones."""


class MediaError(LabelerError, ValueError):
    """An input file cannot be read, decoded or accepted."""


class PolicyError(LabelerError, PermissionError):
    """The signed-in user's role does not allow the action."""


class NotFoundError(LabelerError, LookupError):
    """A named user, team, project, bucket or asset does not exist."""


class ConfigError(LabelerError, ValueError):
    """An ontology, policy or settings file is invalid."""


class NetworkForbiddenError(LabelerError, RuntimeError):
    """Code tried to open a network socket, which Labeler never does."""
