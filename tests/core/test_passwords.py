"""New-password checks and the masked form of empty values."""

from __future__ import annotations

import pytest

from labeler.core.errors import ConfigError
from labeler.core.passwords import check_new_password
from labeler.core.policy.fields import MaskRule, mask_value


@pytest.mark.parametrize("password, reason", [
    ("short1", "at least 8"),
    ("password", "most common"),
    ("Password1", "most common"),
    ("aaaaaaaaaaaa", "repeat one character"),
    ("annaanna", "user name"),
    ("anna2026", "user name"),
])
def test_weak_password_rejected(password: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        check_new_password(password, "anna")


def test_reasonable_password_accepted() -> None:
    check_new_password("correct horse battery", "anna")


@pytest.mark.parametrize("rule", list(MaskRule))
def test_empty_value_masks_to_empty(rule: MaskRule) -> None:
    assert mask_value("", rule) == ""


def test_placeholder_masks_nonempty_value() -> None:
    assert mask_value("19800101", MaskRule.PLACEHOLDER) == "[redacted]"
