"""An edit shown as saved survives SIGKILL of the client process."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.core.annotations import AnnotationStore
from tests.core.factories import PASSWORDS

pytestmark = [pytest.mark.gui, pytest.mark.slow]

CLIENT = Path(__file__).with_name("crash_client.py")


def read_line(process: subprocess.Popen, timeout_s: float) -> str:
    """Return the next stdout line, or "" when the process ends or time runs out."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            return process.stdout.readline()
        if process.poll() is not None:
            return process.stdout.readline()
    return ""


def test_saved_edit_survives_sigkill(demo_workspace, tmp_path: Path) -> None:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                   "LABELER_TEST_PASSWORD": PASSWORDS["anna"],
                   "LABELER_LOG_DIR": str(tmp_path / "logs")}
    process = subprocess.Popen(
        [sys.executable, str(CLIENT), str(demo_workspace.root), "anna",
         str(tmp_path / "settings.ini"), "photos/skimage_coffee.png"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        line = read_line(process, timeout_s=120)
        if not line.startswith("SAVED "):
            process.kill()
            _out, errors = process.communicate(timeout=30)
            pytest.fail(f"the client printed {line!r} instead of SAVED; stderr:\n{errors}")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    annotation_id = line.split()[1]

    session = demo_workspace.sign_in("anna")
    try:
        project = session.open_project(demo_workspace.project_id)
        store = AnnotationStore(project)
        found = [annotation for asset in project.list_assets()
                 for annotation in store.list(asset.id) if annotation.id == annotation_id]
    finally:
        session.lock()
    assert len(found) == 1
    assert found[0].kind == "bbox"
    assert found[0].data["w"] > 0
