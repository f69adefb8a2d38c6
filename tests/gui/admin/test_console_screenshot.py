"""The admin console renders; with LABELER_SCREENSHOT_DIR set, it is saved for the docs.

docs/screenshots/admin-console.png comes from this test under Xvfb:

    LABELER_SCREENSHOT_DIR=docs/screenshots QT_QPA_PLATFORM=xcb \\
      xvfb-run -a -s "-screen 0 1600x1000x24" \\
      .venv/bin/python -m pytest tests/gui/admin/test_console_screenshot.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.admin import test_console

pytestmark = pytest.mark.gui

# Fixtures shared with test_console.py.
dialogs = test_console.dialogs
open_console = test_console.open_console

SIZE = (1200, 760)


def test_console_projects_tab_renders(qtbot, demo_workspace, open_console) -> None:
    console = open_console(demo_workspace)
    console.resize(*SIZE)
    console.tabs.setCurrentWidget(console.projects_tab)
    editor = console.projects_tab.policy_editor
    editor.setCurrentCell(editor.row_of("dicom.PatientName"), 0)
    qtbot.waitExposed(console)
    QApplication.processEvents()

    image = console.grab().toImage()

    assert (image.width(), image.height()) == SIZE
    colours = {
        image.pixel(x, y) for x in range(0, SIZE[0], 37) for y in range(0, SIZE[1], 29)
    }
    assert len(colours) > 5, "the console drew only a blank area"
    folder = os.environ.get("LABELER_SCREENSHOT_DIR")
    if folder:
        assert image.save(str(Path(folder) / "admin-console.png"))
