"""Sign-in throttling: a growing delay after each failure, and a lock after too many.

The counters live in `lockout.json` in the workspace folder. They hold user
names and times only. This is enforced by the client: someone who can edit
the workspace folder can reset the counters, but not guess a password any
faster than Argon2id allows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from labeler.core.errors import LabelerError
from labeler.core.files import atomic_write_json, read_json

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

    def __init__(self, root: Path, policy: LockoutPolicy, clock: Clock = time.time) -> None:
        self.path = root / "lockout.json"
        self.policy = policy
        self.clock = clock

    def _load(self) -> dict[str, Any]:
        return dict(read_json(self.path, what="the sign-in counters")) if self.path.exists() else {}

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
