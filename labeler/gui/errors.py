"""Turn core errors into short sentences a user can act on.

Each error family maps to what failed, the likely cause and what to do next.
The core's own message goes into the expandable details: core messages name
files and values but never contain passwords, keys or decrypted content.
ConfigError and PolicyError are the exceptions: their messages are written for
users (what was invalid or not allowed, and what to do), so they are the main
text and there are no details.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Final

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from labeler.core.errors import (
    ConfigError,
    CryptoError,
    LabelerError,
    MediaError,
    NetworkForbiddenError,
    NotFoundError,
    PolicyError,
    SignatureError,
    StorageError,
    WrongPasswordError,
)
from labeler.core.lockout import AccountLockedError, SignInDelayError

logger = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


@dataclass(frozen=True)
class UserMessage:
    """An error as shown to the user: a title naming the action, a sentence, details."""

    title: str
    text: str
    details: str

    def inline(self, separator: str = "\n") -> str:
        """Return the text followed by the details, for a message line instead of a box."""
        return f"{self.text}{separator}{self.details}" if self.details else self.text


# Most specific family first: the first isinstance match wins.
_FAMILIES: tuple[tuple[type[BaseException], str], ...] = (
    (WrongPasswordError,
     "The user name or password is wrong. Check both and try again."),
    (SignInDelayError,
     "Too many failed sign-ins in a row. Wait until the delay has passed, then "
     "try again."),
    (AccountLockedError,
     "This account is locked after too many failed sign-ins. Ask an administrator "
     "to unlock it."),
    (SignatureError,
     "A workspace file failed its signature check, so it may have been changed or "
     "replaced. Do not use this copy; ask an administrator to check it."),
    (CryptoError,
     "Data could not be decrypted: the key is wrong or the file is damaged. "
     "Sign in again; if it keeps failing, ask an administrator."),
    (NotFoundError,
     "Something this needs no longer exists; it may have been removed or renamed. "
     "Reload the project and try again."),
    (MediaError,
     "The file could not be shown: it is damaged or in a format the client cannot "
     "read. Its annotations are kept; re-import a good copy."),
    (StorageError,
     "The workspace could not be read or written: the disk may be full, read-only "
     "or disconnected. Check the workspace folder and try again."),
    (NetworkForbiddenError,
     "Something tried to use the network, which this client never does. The action "
     "was stopped; report it to an administrator."),
    (LabelerError,
     "The action failed. See the details; if it keeps failing, report it."),
)


# Families whose messages are shown as they are, as the main text.
_SHOWN_AS_WRITTEN: Final = (PolicyError, ConfigError)


def as_sentence(message: str) -> str:
    """Return a core message with a capital first letter and a closing full stop."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def describe_error(action: str, error: BaseException) -> UserMessage:
    """Return the user-facing message for `error`, raised while doing `action`."""
    if isinstance(error, _SHOWN_AS_WRITTEN) and str(error).strip():
        return UserMessage(title=_tr("%s failed") % action, text=as_sentence(str(error)),
                           details="")
    for family, sentence in _FAMILIES:
        if isinstance(error, family):
            return UserMessage(
                title=_tr("%s failed") % action,
                text=_tr(sentence),
                details=str(error) or type(error).__name__,
            )
    # An unexpected error: its text may come from a library and is not vetted,
    # so only its type is shown.
    return UserMessage(
        title=_tr("%s failed") % action,
        text=_tr("An unexpected error stopped the action. Try again; if it keeps "
                 "failing, report it with the log file."),
        details=type(error).__name__,
    )


def show_error_box(parent: QWidget | None, message: UserMessage) -> None:
    """Show `message` in a modal box with the details in its expandable section.

    Qt leaves out the "Show Details" button when the details are empty.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, message.title, message.text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText(message.details)
    box.exec()


ErrorPresenter = Callable[[QWidget | None, UserMessage], None]
"""Shows a `UserMessage`; tests pass their own to capture messages without a modal."""


def report_error(parent: QWidget | None, action: str, error: BaseException,
                 presenter: ErrorPresenter = show_error_box) -> UserMessage:
    """Log `error` without its text and show it to the user; return the message shown."""
    logger.error("%s failed: %s", action, type(error).__name__)
    message = describe_error(action, error)
    presenter(parent, message)
    return message
