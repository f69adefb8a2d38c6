"""A headless client process for the crash test, plus mouse helpers for the canvas.

Run it as a script with WORKSPACE USER SETTINGS_FILE ASSET_PATH. It signs in
with the password from LABELER_TEST_PASSWORD and opens the real main window on
that asset. Then it draws a box with simulated mouse events, waits until the status bar shows "saved",
prints "SAVED <annotation id>" and sleeps until it is killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

Point = tuple[float, float]


def widget_point(canvas, x: float, y: float) -> QPoint:  # type: ignore[no-untyped-def]
    """Image pixel (x, y) as a point of the canvas's viewport widget."""
    return canvas.image_to_widget(x, y)


def send_mouse(widget: QWidget, kind: QEvent.Type, position: QPoint,
               button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
    """Deliver one mouse event with an explicit button state, as a real mouse would."""
    event = QMouseEvent(kind, QPointF(position), QPointF(widget.mapToGlobal(position)),
                        button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def click(canvas, point: Point) -> None:  # type: ignore[no-untyped-def]
    viewport = canvas.viewport_widget()
    position = widget_point(canvas, *point)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(viewport, QEvent.Type.MouseMove, position, none, none)
    send_mouse(viewport, QEvent.Type.MouseButtonPress, position, left, left)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, position, left, none)


def drag(canvas, start: Point, end: Point, steps: int = 6) -> None:  # type: ignore[no-untyped-def]
    """Press at `start`, move in steps with the button held, release at `end` (image pixels)."""
    viewport = canvas.viewport_widget()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, widget_point(canvas, *start),
               left, left)
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step / steps
        y = start[1] + (end[1] - start[1]) * step / steps
        send_mouse(viewport, QEvent.Type.MouseMove, widget_point(canvas, x, y), none, left)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, widget_point(canvas, *end),
               left, none)


def draw_box(canvas, start: Point, end: Point) -> None:  # type: ignore[no-untyped-def]
    canvas.set_tool("bbox")
    drag(canvas, start, end)


def draw_polygon(canvas, points: Sequence[Point]) -> None:  # type: ignore[no-untyped-def]
    """Click each vertex, then click the first vertex again to close the polygon."""
    canvas.set_tool("polygon")
    for point in [*points, points[0]]:
        click(canvas, point)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    from labeler.core.netguard import install_network_guard
    from labeler.core.session import Session
    from labeler.gui.app import ClientSettings
    from labeler.gui.main_window import ClientContext, MainWindow
    from labeler.gui.workers import TaskRunner

    install_network_guard()
    root, user, settings_path, asset_path = Path(argv[0]), argv[1], argv[2], argv[3]
    application = QApplication(["crash-client"])
    context = ClientContext(
        root=root, runner=TaskRunner(), thumbnail_runner=TaskRunner(max_threads=2),
        settings=ClientSettings(QSettings(settings_path, QSettings.Format.IniFormat)))
    session = Session.sign_in(root, user, os.environ["LABELER_TEST_PASSWORD"])
    window = MainWindow(context, session, session.projects()[0]["id"])
    window.resize(1200, 800)
    window.show()
    assert window.project is not None
    asset_id = window.project.find_asset(asset_path).id
    window.show_asset(asset_id)
    wait_until(lambda: window.canvas.current_asset_id() == asset_id
               and window.canvas.image_size() != (0.0, 0.0), "the image")
    QApplication.processEvents()

    draw_box(window.canvas, (10, 10), (40, 30))
    wait_until(lambda: "saved" in window.saved_label.text()
               and window.save_state == "saved", "the saved indicator")
    assert window.store is not None
    saved = window.store.list(asset_id)
    print(f"SAVED {saved[-1].id}", flush=True)
    application.processEvents()
    time.sleep(600)  # the test kills this process with SIGKILL long before
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
