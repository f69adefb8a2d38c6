"""Sign-in throttling: a growing delay after each failure, and a lock after too many.

The counters live in `lockout.json` in the workspace folder. They hold user
names and times only. This is enforced by the client, not by cryptography:
deleting or editing `lockout.json` resets every counter and unlocks every
account, so someone who can write the workspace folder can retry without the
delays. They still cannot guess a password any faster than Argon2id allows.

A damaged `lockout.json` (not JSON, or not the expected shape) is treated as
empty, so it cannot stop every sign-in: the reset is logged as a warning and
reported through `on_reset`, which the workspace turns into a
`lockout_state_reset` audit entry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from labeler.core.errors import ConfigError, LabelerError
from labeler.core.files import atomic_write_json, read_json

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


class SignInDelayError(LabelerError):
    """A sign-in came before the delay after the last failure ran out."""

    def __init__(self, user: str, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"too many failed sign-ins for {user!r}; try again in "
                         f"{max(1, round(seconds))} s")


class AccountLockedError(LabelerError, PermissionError):
    """The user failed to sign in too often; an admin must unlock the account."""


@dataclass(frozen=True)
class LockoutPolicy:
    backoff_seconds: tuple[float, ...]
    lock_after_failures: int

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> LockoutPolicy:
        return cls(tuple(float(s) for s in settings.get("sign_in_backoff_seconds", [0])),
                   int(settings.get("lock_after_failures", 10)))

    def delay_after(self, failures: int) -> float:
        if failures <= 0 or not self.backoff_seconds:
            return 0.0
        return self.backoff_seconds[min(failures, len(self.backoff_seconds)) - 1]


class LockoutState:
    """Failure counters of one workspace folder."""

    def __init__(self, root: Path, policy: LockoutPolicy, clock: Clock = time.time, *,
                 on_reset: Callable[[], None] | None = None) -> None:
        self.path = root / "lockout.json"
        self.policy = policy
        self.clock = clock
        self.on_reset = on_reset

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            state = read_json(self.path, what="the sign-in counters")
        except ConfigError:
            state = None
        if _is_valid_state(state):
            return dict(state)
        # Replace the damaged file, so that the reset is logged and audited once.
        logger.warning("the sign-in counters in %r are damaged; every counter is reset",
                       str(self.path))
        atomic_write_json(self.path, {})
        if self.on_reset is not None:
            self.on_reset()
        return {}

    def check(self, user: str) -> None:
        """Raise if `user` is locked or must still wait before trying again."""
        entry = self._load().get(user)
        if not entry:
            return
        failures = int(entry["failures"])
        if failures >= self.policy.lock_after_failures:
            raise AccountLockedError(
                f"account {user!r} is locked after {failures} failed sign-ins; "
                "ask an admin to unlock it")
        remaining = float(entry["last"]) + self.policy.delay_after(failures) - self.clock()
        if remaining > 0:
            raise SignInDelayError(user, remaining)

    def record_failure(self, user: str) -> int:
        state = self._load()
        failures = int(state.get(user, {}).get("failures", 0)) + 1
        state[user] = {"failures": failures, "last": self.clock()}
        atomic_write_json(self.path, state)
        return failures

    def clear(self, user: str) -> None:
        state = self._load()
        if user in state:
            del state[user]
            atomic_write_json(self.path, state)

    def seconds_until_allowed(self, user: str) -> float:
        try:
            self.check(user)
        except SignInDelayError as delay:
            return delay.seconds
        return 0.0


def _is_valid_state(state: Any) -> bool:
    """Return whether `state` maps user names to {"failures": int, "last": number}."""
    if not isinstance(state, dict):
        return False
    for entry in state.values():
        if not isinstance(entry, dict):
            return False
        failures, last = entry.get("failures"), entry.get("last")
        if not isinstance(failures, int) or isinstance(failures, bool):
            return False
        if not isinstance(last, (int, float)) or isinstance(last, bool):
            return False
    return True
