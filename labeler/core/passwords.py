"""Checks on a new password, after NIST SP 800-63B: length and a list of common ones.

There are no composition rules (digits, symbols), which that guideline advises
against; a password is rejected if it is short, is the user name, repeats one
character, or is among well-known passwords.
"""

from __future__ import annotations

from typing import Final

from labeler.core.errors import ConfigError

MIN_LENGTH: Final = 8

# Frequent entries of public leaked-password lists and obvious choices for this
# product; compared after lower-casing.
_COMMON: Final = frozenset({
    "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd",
    "12345678", "123456789", "1234567890", "87654321", "11111111", "00000000",
    "qwertyui", "qwerty123", "qwertyuiop", "1q2w3e4r", "1qaz2wsx", "abcd1234",
    "abc12345", "iloveyou", "sunshine", "princess", "football", "baseball",
    "welcome1", "welcome123", "letmein1", "trustno1", "dragon12", "monkey12",
    "superman", "changeme", "changeme1", "admin123", "administrator", "labeler1",
    "labeler123", "hospital", "radiology", "annotator", "reviewer", "temporary",
})


def check_new_password(password: str, user: str) -> None:
    """Raise ConfigError with the reason if `password` is too weak to set."""
    if len(password) < MIN_LENGTH:
        raise ConfigError(f"the password needs at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if lowered == user.lower() or user.lower() in lowered and len(lowered) - len(user) <= 4:
        raise ConfigError("the password must not be the user name or little more")
    if len(set(password)) == 1:
        raise ConfigError("the password must not repeat one character")
    if lowered in _COMMON:
        raise ConfigError("that password is one of the most common ones; choose another")
