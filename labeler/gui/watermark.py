"""The watermark text drawn over the canvas for roles in `watermark_roles`.

It names the user, the workstation and the time, so a photo of the screen
shows who viewed the content, where and when. The workstation name comes from
`platform.node()` (the kernel's node name), which opens no socket.
"""

from __future__ import annotations

import platform
from datetime import datetime
from typing import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

Clock = Callable[[], datetime]
REFRESH_MS = 60_000


def workstation_name() -> str:
    return platform.node() or "unknown workstation"


def watermark_text(user: str, workstation: str, now: datetime) -> str:
    """Return the watermark line, for example "anna · ws-12 · 2026-05-01 14:03"."""
    return f"{user} · {workstation} · {now:%Y-%m-%d %H:%M}"


def has_watermark(role: str, watermark_roles: Sequence[str]) -> bool:
    return role in watermark_roles


class WatermarkController(QObject):
    """Sets the canvas watermark and refreshes its time every minute."""

    def __init__(self, apply: Callable[[str | None], None], *,
                 clock: Clock = datetime.now, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._apply = apply
        self._clock = clock
        self._user: str | None = None
        self._workstation = workstation_name()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    @property
    def text(self) -> str | None:
        if self._user is None:
            return None
        return watermark_text(self._user, self._workstation, self._clock())

    def start(self, user: str) -> None:
        self._user = user
        self.refresh()
        self._timer.start()

    def stop(self) -> None:
        self._user = None
        self._timer.stop()
        self._apply(None)

    def refresh(self) -> None:
        self._apply(self.text)
