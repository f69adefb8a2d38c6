"""Logging set-up, called once by the GUI and CLI entry points only."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
from pathlib import Path


def default_log_dir() -> Path:
    override = os.environ.get("LABELER_LOG_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "labeler" / "logs"


def configure_logging(*, debug: bool = False, log_dir: Path | None = None) -> Path | None:
    """Send records to a rotating file; return its path, or None if it cannot be opened.

    The application still starts when the file cannot be opened. Records carry
    no local variables, so a traceback never shows a password or a key.
    """
    root = logging.getLogger("labeler")
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    folder = log_dir or default_log_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / "labeler.log"
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8")
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    # The log names users, projects and files: keep it private even when an
    # older run created it under a looser umask. Rotated files follow the
    # umask that the entry point sets.
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path
