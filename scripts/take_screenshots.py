"""Take the documentation screenshots of the real client on a demo workspace.

Run by scripts/screenshots.sh under Xvfb. It signs in as the demo annotator,
adds two shapes to a photo through the annotation store, opens the main window
on that photo, and saves sign-in.png, main-window.png and locked.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from labeler.cli.demo import DEMO_USERS
from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.session import Session
from labeler.gui.app import ClientSettings
from labeler.gui.main_window import ClientContext, MainWindow
from labeler.gui.sign_in_dialog import SignInDialog
from labeler.gui.workers import TaskRunner

PHOTO = "photos/opencv_licenseplate_motion.jpg"
PLATE_BOX = {"x": 226.0, "y": 226.0, "w": 134.0, "h": 70.0}
VEHICLE_OUTLINE = [[22.0, 150.0], [104.0, 38.0], [496.0, 34.0], [584.0, 160.0],
                   [596.0, 398.0], [8.0, 402.0], [4.0, 236.0]]


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"error: timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path)):
        raise SystemExit(f"error: could not write {path}")
    print(f"wrote {path}")


def add_demo_shapes(root: Path, user: str, password: str) -> int:
    """Save a licence-plate box and a vehicle polygon on PHOTO; return its asset id."""
    session = Session.sign_in(root, user, password)
    try:
        project = session.open_project(session.projects()[0]["id"])
        store = AnnotationStore(project)
        asset = project.find_asset(PHOTO)
        if store.count(asset.id) == 0:
            store.save(Annotation(asset.id, "bbox", "licence_plate", PLATE_BOX))
            store.save(Annotation(asset.id, "polygon", "vehicle",
                                  {"points": VEHICLE_OUTLINE}))
        return asset.id
    finally:
        session.lock()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    arguments = parser.parse_args(argv)
    user, _role, password = next(entry for entry in DEMO_USERS if entry[0] == "anna")

    application = QApplication(["labeler"])
    scratch = tempfile.TemporaryDirectory(prefix="labeler-screenshots-")
    settings = ClientSettings(QSettings(str(Path(scratch.name) / "settings.ini"),
                                        QSettings.Format.IniFormat))
    context = ClientContext(root=arguments.workspace, runner=TaskRunner(),
                            thumbnail_runner=TaskRunner(max_threads=2), settings=settings)

    dialog = SignInDialog(arguments.workspace, context.runner, user=user)
    dialog.form.password_edit.setText(password)
    dialog.show()
    settle()
    save(dialog, arguments.output / "sign-in.png")
    dialog.close()

    asset_id = add_demo_shapes(arguments.workspace, user, password)
    session = Session.sign_in(arguments.workspace, user, password)
    window = MainWindow(context, session, session.projects()[0]["id"])
    window.resize(1560, 940)
    window.show()
    window.show_asset(asset_id)
    wait_until(lambda: window.canvas.current_asset_id() == asset_id, "the photo")
    wait_until(lambda: window.thumbnails.pending_count() == 0, "the thumbnails")
    window.canvas.fit()
    settle(1.0)
    save(window, arguments.output / "main-window.png")

    window.lock(reason="Locked with Ctrl+L.")
    settle()
    save(window, arguments.output / "locked.png")
    window.close()
    application.quit()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
