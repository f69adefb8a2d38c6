"""Core errors become short sentences with the core message as details.

PolicyError and ConfigError messages are written for users, so they are the
main text themselves.
"""

from __future__ import annotations

import pytest

from labeler.core.errors import (
    ConfigError,
    CryptoError,
    MediaError,
    PolicyError,
    StorageError,
    WrongPasswordError,
)
from labeler.gui.errors import describe_error, report_error

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (WrongPasswordError("wrong user name or password"), "password is wrong"),
        (CryptoError("damaged"), "could not be decrypted"),
        (MediaError("a.jpg: image data ends early"), "could not be shown"),
        (StorageError("cannot write"), "could not be read or written"),
    ],
)
def test_error_family_sentence(error: Exception, expected: str, qapp) -> None:
    message = describe_error("Opening the asset", error)

    assert message.title == "Opening the asset failed"
    assert expected in message.text
    assert message.details == str(error)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConfigError("a rejection needs a comment that tells the annotator what to fix"),
         "A rejection needs a comment that tells the annotator what to fix."),
        (PolicyError("user 'anna' (annotator) may not export"),
         "User 'anna' (annotator) may not export."),
        (PolicyError("asset 3 is submitted for review; it can change again if a "
                     "reviewer rejects it"),
         "Asset 3 is submitted for review; it can change again if a reviewer rejects it."),
    ],
)
def test_user_written_error_is_main_text(error: Exception, expected: str, qapp) -> None:
    message = describe_error("Rejecting the asset", error)

    assert message.title == "Rejecting the asset failed"
    assert message.text == expected
    assert message.details == ""
    assert message.inline() == expected


def test_empty_policy_message_gets_family_sentence(qapp) -> None:
    message = describe_error("Exporting", PolicyError(""))

    assert "The action failed" in message.text


def test_unexpected_error_hides_its_text(qapp) -> None:
    message = describe_error("Saving", KeyError("secret-looking value"))

    assert "secret-looking value" not in message.details
    assert message.details == "KeyError"
    assert "unexpected" in message.text


def test_report_error_uses_presenter(qapp) -> None:
    shown = []

    report_error(None, "Exporting", PolicyError("no"), lambda _parent, m: shown.append(m))

    assert [message.title for message in shown] == ["Exporting failed"]
