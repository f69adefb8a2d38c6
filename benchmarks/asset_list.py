"""Scrolling and memory of the asset browser over 1,000,000 assets.

Builds a fresh encrypted workspace and fills its store with 1,000,000 asset
rows by SQL in one transaction (`fill_million_assets`, the rows of the
model's million-row test). Then one child process per Qt platform (offscreen,
and xcb under Xvfb) shows the real `AssetBrowserWidget` in a 420 x 900 window
and measures:

- page steps: `SliderPageStepAdd` on the list's vertical scroll bar (what a
  click in the scroll bar's groove does) from the top to the bottom;
- drags: the mouse presses the scroll bar's handle and moves to random
  points of the groove, then releases;
- for each step, the time from the scroll to the end of the next paint of the
  list viewport (ended when the event loop next runs a zero timer, so
  painting and flushing the window are included);
- the resident set size (VmRSS) after opening the project, after building the
  model, after showing the list and after scrolling, and, in a separate
  offscreen child, the tracemalloc peak of Python allocations over the same
  work (Qt's C++ memory is not traced).

The browser gets no thumbnail loader, as in the model's million-row test:
the generated rows share one blob without content, so every thumbnail read
would fail.

Run from the repository root:

    .venv/bin/python -m benchmarks.asset_list [--drags 300] [--platforms offscreen xcb]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Final

from benchmarks.gui_common import PLATFORMS, describe_machine, rss_mib, run_child, summarize_ms

WINDOW_SIZE: Final = (420, 900)
WAIT_TIMEOUT_MS: Final = 10_000
TARGET_RSS_MIB: Final = 400


def build_filled_workspace(folder: Path) -> tuple[Path, str, float]:
    """Create a workspace with 1,000,000 assets; return its root, project id and fill time."""
    from tests.core.factories import build_workspace
    from tests.gui.test_asset_model import fill_million_assets

    workspace = build_workspace(folder / "workspace")
    session = workspace.sign_in("admin")
    try:
        project = session.open_project(workspace.project_id)
        started = time.perf_counter()
        fill_million_assets(project.db)
        fill_seconds = time.perf_counter() - started
    finally:
        session.lock()
    return workspace.root, workspace.project_id, fill_seconds


def make_paint_waiter(viewport: Any) -> Any:
    """Return an object whose `wait()` runs events until `viewport` has painted once."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    class PaintWaiter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at: float | None = None
            self._is_armed = False
            self._loop = QEventLoop()
            viewport.installEventFilter(self)

        def arm(self) -> None:
            self.painted_at = None
            self._is_armed = True
            self._loop = QEventLoop()

        def wait(self) -> float | None:
            """Return when the paint ended (perf_counter seconds), or None on timeout."""
            if self.painted_at is None:
                timer = QTimer()
                timer.setSingleShot(True)
                timer.timeout.connect(self._loop.quit)
                timer.start(WAIT_TIMEOUT_MS)
                self._loop.exec()
                timer.stop()
            self._is_armed = False
            return self.painted_at

        def _painted(self) -> None:
            self.painted_at = time.perf_counter()
            self._loop.quit()

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if self._is_armed and event.type() == QEvent.Type.Paint:
                self._is_armed = False
                # A zero timer runs once the paint and the flush to the window are done.
                QTimer.singleShot(0, self._painted)
            return False

    return PaintWaiter()


def page_through(scroll_bar: Any, waiter: Any) -> list[float]:
    """Page from the top to the bottom; return each step's seconds to the painted frame."""
    from PySide6.QtWidgets import QAbstractSlider

    scroll_bar.setValue(0)
    waiter.arm()
    waiter.wait()
    steps = []
    while scroll_bar.value() < scroll_bar.maximum():
        waiter.arm()
        started = time.perf_counter()
        scroll_bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)
        painted = waiter.wait()
        if painted is None:
            raise RuntimeError(f"no paint within {WAIT_TIMEOUT_MS} ms after a page step "
                               f"to {scroll_bar.value()}")
        steps.append(painted - started)
    return steps


def handle_centre(scroll_bar: Any) -> Any:
    """Return the centre of the scroll bar's handle, in scroll-bar coordinates."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    option = QStyleOptionSlider()
    option.initFrom(scroll_bar)
    option.orientation = scroll_bar.orientation()
    option.minimum = scroll_bar.minimum()
    option.maximum = scroll_bar.maximum()
    option.sliderPosition = scroll_bar.sliderPosition()
    option.sliderValue = scroll_bar.value()
    option.singleStep = scroll_bar.singleStep()
    option.pageStep = scroll_bar.pageStep()
    option.subControls = QStyle.SubControl.SC_All
    return scroll_bar.style().subControlRect(
        QStyle.ComplexControl.CC_ScrollBar, option,
        QStyle.SubControl.SC_ScrollBarSlider, scroll_bar).center()


def drag_randomly(scroll_bar: Any, waiter: Any, count: int, seed: int) -> list[float]:
    """Drag the handle to `count` random points; return each move's seconds to the frame."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    random_state = random.Random(seed)
    centre = handle_centre(scroll_bar)
    QTest.mousePress(scroll_bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     centre)
    steps = []
    y = centre.y()
    for _ in range(count):
        # A new point at least 10 pixels away, so that each move scrolls.
        while abs((new_y := random_state.randrange(0, scroll_bar.height())) - y) < 10:
            pass
        y = new_y
        before = scroll_bar.value()
        waiter.arm()
        started = time.perf_counter()
        QTest.mouseMove(scroll_bar, QPoint(centre.x(), y))
        if scroll_bar.value() == before:
            continue  # the handle is already at this end of the groove
        painted = waiter.wait()
        if painted is None:
            raise RuntimeError(f"no paint within {WAIT_TIMEOUT_MS} ms after dragging to "
                               f"{scroll_bar.value()}")
        steps.append(painted - started)
    QTest.mouseRelease(scroll_bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(centre.x(), y))
    return steps


def run_child_measurement(root: Path, project_id: str, drags: int,
                          trace_python: bool) -> dict[str, Any]:
    """Open the project, build the model and browser, scroll; return times and memory."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from labeler.gui.asset_browser import AssetBrowserWidget
    from labeler.gui.asset_model import AssetListModel
    from tests.core.factories import PASSWORDS
    from labeler.core.session import Session

    app = QApplication.instance() or QApplication([])
    session = Session.sign_in(root, "admin", PASSWORDS["admin"])
    project = session.open_project(project_id)
    memory = {"after_open_project_mib": rss_mib()}
    result: dict[str, Any] = {"qt_platform": app.platformName(),
                              "load_average_start": os.getloadavg()}
    if trace_python:
        tracemalloc.start()

    model = AssetListModel()
    started = time.perf_counter()
    model.set_database(project.db)
    result["model_build_s"] = time.perf_counter() - started
    memory["after_model_mib"] = rss_mib()

    browser = AssetBrowserWidget(model, thumbnails=None)
    browser.resize(*WINDOW_SIZE)
    started = time.perf_counter()
    browser.show()
    QTest.qWaitForWindowExposed(browser)
    app.processEvents()
    result["first_show_s"] = time.perf_counter() - started
    memory["after_show_mib"] = rss_mib()

    view = browser.view
    scroll_bar = view.verticalScrollBar()
    waiter = make_paint_waiter(view.viewport())
    page_steps = page_through(scroll_bar, waiter)
    memory["after_page_steps_mib"] = rss_mib()
    drag_steps = drag_randomly(scroll_bar, waiter, drags, seed=11)
    memory["after_drags_mib"] = rss_mib()
    if trace_python:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    result.update({
        "rows": model.rowCount(),
        "viewport": f"{view.viewport().width()}x{view.viewport().height()}",
        "page_step_px": scroll_bar.pageStep(),
        "page_reads": model.queries.page_reads if model.queries else 0,
        "page_steps": summarize_ms(page_steps),
        "drags": summarize_ms(drag_steps),
        "memory": memory,
        "load_average_end": os.getloadavg(),
    })
    browser.close()
    session.lock()
    return result


def print_report(fill_seconds: float, results: dict[str, dict[str, Any]]) -> None:
    print(f"filled 1,000,000 assets by SQL in {fill_seconds:.1f} s")
    print("| run | rows | model build | page step median | p95 | max | steps "
          "| drag median | p95 | max | moves |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, result in results.items():
        pages, drags = result["page_steps"], result["drags"]
        print(f"| {name} | {result['rows']:,} | {result['model_build_s'] * 1000:.0f} ms "
              f"| {pages['median_ms']:.2f} ms | {pages['p95_ms']:.2f} ms "
              f"| {pages['max_ms']:.1f} ms | {pages['count']:,} "
              f"| {drags['median_ms']:.2f} ms | {drags['p95_ms']:.2f} ms "
              f"| {drags['max_ms']:.1f} ms | {drags['count']} |")
    print("| run | RSS after open | after model | after show | after pages "
          "| after drags | tracemalloc peak |")
    print("|---|---|---|---|---|---|---|")
    for name, result in results.items():
        memory = result["memory"]
        peak = result.get("tracemalloc_peak_mib")
        print(f"| {name} | {memory['after_open_project_mib']:.0f} MiB "
              f"| {memory['after_model_mib']:.0f} MiB | {memory['after_show_mib']:.0f} MiB "
              f"| {memory['after_page_steps_mib']:.0f} MiB "
              f"| {memory['after_drags_mib']:.0f} MiB "
              f"| {'-' if peak is None else f'{peak:.1f} MiB'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drags", type=int, default=300,
                        help="random drag positions of the scroll bar handle (default 300)")
    parser.add_argument("--platforms", nargs="+", choices=PLATFORMS, default=list(PLATFORMS),
                        help="Qt platforms to measure on; xcb runs under xvfb-run")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the extra offscreen child that records the tracemalloc "
                        "peak")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace Python allocations in this child (used internally)")
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "PROJECT_ID"),
                        help="measure an existing workspace in this process and print JSON "
                        "(used internally)")
    arguments = parser.parse_args()
    if arguments.child:
        root, project_id = arguments.child
        print(json.dumps(run_child_measurement(Path(root), project_id, arguments.drags,
                                               arguments.tracemalloc)))
        return 0

    with tempfile.TemporaryDirectory(prefix="labeler-asset-list-") as folder:
        root, project_id, fill_seconds = build_filled_workspace(Path(folder))
        child_arguments = ["--child", str(root), project_id, "--drags", str(arguments.drags)]
        results = {}
        for qt_platform in arguments.platforms:
            results[qt_platform] = run_child("benchmarks.asset_list", qt_platform,
                                             child_arguments)
        if not arguments.no_tracemalloc:
            results["offscreen + tracemalloc"] = run_child(
                "benchmarks.asset_list", "offscreen", [*child_arguments, "--tracemalloc"])
    print_report(fill_seconds, results)
    for name, result in results.items():
        after = result["memory"]["after_drags_mib"]
        print(f"{name}: RSS after scrolling {after:.0f} MiB, target under {TARGET_RSS_MIB} "
              f"MiB: {'met' if after < TARGET_RSS_MIB else 'missed'}")
    print(json.dumps({"machine": describe_machine(), "fill_s": fill_seconds,
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
