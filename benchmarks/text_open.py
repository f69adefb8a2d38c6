"""Open a 5 MB text with 100,000 spans in the text view, against a bare QPlainTextEdit.

Run from the repository root:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.text_open

Each case runs in its own child process, so that memory numbers do not mix:

- baseline: `QPlainTextEdit.setPlainText` of the same text, no highlights.
- view: `TextAnnotationView.show_document` with the text and 100,000 spans.

Measured per case:
- the time from the call to the end of the viewport's first paint, median of
  --repeats openings;
- the tracemalloc peak of Python allocations during one extra opening (Qt's
  own C++ memory is not traced) and the growth of the resident set size;
- the time of each PageDown step over the whole document: key press, span
  redraw and a synchronous repaint.
The text is generated, so the run needs no data files.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any, Final

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_BYTES: Final = 5 * 1024 * 1024
SPAN_COUNT: Final = 100_000
LINES: Final = (
    "Anna Berg met Bob Dahl in Oslo on Monday, 3 May; call +47 22 33 44 55 later.\n",
    "Zoë Ødegård wrote to café Müller about the invoice №4711 — paid by card 4111.\n",
    "مرحبا بالعالم and שלום עולם appear in the same report about Acme Corp today.\n",
    "Thumbs up 👍🏽 from the family 👨‍👩‍👧 and the flag 🇳🇴 close this short note.\r\n",
)


def build_document() -> tuple[str, list[tuple[int, int]]]:
    """Return about 5 MB of text and 100,000 span bounds spread evenly over it."""
    block = "".join(LINES)
    text = block * (TARGET_BYTES // len(block.encode("utf-8")) + 1)
    stride = len(text) // SPAN_COUNT
    spans = [(start, start + min(9, stride - 1)) for start in range(0, stride * SPAN_COUNT,
                                                                    stride)]
    return text, spans


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_case(case: str, repeats: int, sampled_steps: int) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject, QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    from labeler.core.annotations import Annotation
    from labeler.core.model.ontology import parse_ontology
    from labeler.gui.text_view import TextAnnotationView

    app = QApplication.instance() or QApplication([])
    text, bounds = build_document()
    ontology = parse_ontology({"labels": [
        {"name": "PERSON", "key": "1", "shapes": ["span"]},
        {"name": "PLACE", "key": "2", "shapes": ["span"]}]})
    annotations = [Annotation(1, "span", ("PERSON", "PLACE")[i % 2],
                              {"start": start, "end": end, "attributes": {}})
                   for i, (start, end) in enumerate(bounds)]

    class PaintWatcher(QObject):
        painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    def time_page_down(editor: Any) -> float:
        began = time.perf_counter()
        QTest.keyClick(editor, Qt.Key.Key_PageDown)
        editor.viewport().repaint()
        return time.perf_counter() - began

    def open_once() -> tuple[float, Any, Any]:
        if case == "baseline":
            widget = QPlainTextEdit()
            editor = widget
        else:
            widget = TextAnnotationView()
            widget.set_ontology(ontology)
            editor = widget.editor_widget()
        # The view's text area takes three quarters of its width, so at 1600
        # pixels it is about as wide as the bare 1200-pixel baseline editor.
        widget.resize(1200 if case == "baseline" else 1600, 800)
        widget.show()
        QTest.qWaitForWindowExposed(widget)
        watcher = PaintWatcher()
        editor.viewport().installEventFilter(watcher)
        app.processEvents()
        watcher.painted = False
        began = time.perf_counter()
        if case == "baseline":
            editor.setPlainText(text)
        else:
            widget.show_document(1, text, "utf-8", annotations)
        while not watcher.painted:
            app.processEvents()
        return time.perf_counter() - began, widget, editor

    # The first opening measures memory; tracemalloc slows Python code down,
    # so the times come from the openings after it.
    tracemalloc.start()
    rss_before = rss_kib()
    _, widget, editor = open_once()
    rss_after = rss_kib()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        widget.close()
        widget.deleteLater()
        app.processEvents()
        elapsed, widget, editor = open_once()
        times.append(elapsed)

    editor.setFocus()
    steps = []
    scroll = editor.verticalScrollBar()
    if sampled_steps:
        # Jump to evenly spaced places, untimed, then time one PageDown there.
        for number in range(sampled_steps):
            scroll.setValue(scroll.maximum() * number // sampled_steps)
            editor.setTextCursor(editor.cursorForPosition(QPoint(0, 0)))
            app.processEvents()
            steps.append(time_page_down(editor))
    else:
        while scroll.value() < scroll.maximum():
            steps.append(time_page_down(editor))
    steps.sort()
    return {
        "case": case,
        "characters": len(text),
        "utf8_bytes": len(text.encode("utf-8")),
        "spans": len(annotations) if case == "view" else 0,
        "first_paint_s": statistics.median(times),
        "first_paint_runs_s": times,
        "tracemalloc_peak_mib": peak / 2**20,
        "rss_delta_mib": (rss_after - rss_before) / 1024,
        "page_steps": len(steps),
        "page_median_ms": statistics.median(steps) * 1000,
        "page_p95_ms": steps[int(len(steps) * 0.95)] * 1000,
        "page_max_ms": steps[-1] * 1000,
    }


def describe_machine() -> str:
    from PySide6 import __version__ as pyside_version

    return (f"{platform.platform()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, PySide6 {pyside_version}, "
            f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed openings per case after the one that measures memory; the "
                        "median is reported (default 3)")
    parser.add_argument("--case", choices=("baseline", "view"),
                        help="run one case in this process and print JSON (used internally)")
    parser.add_argument("--sampled-steps", type=int, default=0,
                        help="time PageDown at this many evenly spaced places instead of "
                        "paging through the whole document (default 0: the whole document)")
    arguments = parser.parse_args()
    if arguments.case:
        print(json.dumps(run_case(arguments.case, arguments.repeats, arguments.sampled_steps)))
        return 0

    results = []
    for case in ("baseline", "view"):
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.text_open", "--case", case,
             "--repeats", str(arguments.repeats),
             "--sampled-steps", str(arguments.sampled_steps)],
            check=True, capture_output=True, text=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    baseline, view = results
    print(f"machine: {describe_machine()}")
    print(f"command: QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']} python -m "
          f"benchmarks.text_open --repeats {arguments.repeats}"
          + (f" --sampled-steps {arguments.sampled_steps}" if arguments.sampled_steps else ""))
    print(f"document: {view['characters']:,} characters, {view['utf8_bytes']:,} bytes "
          f"as UTF-8, {view['spans']:,} spans")
    header = (f"{'case':<10}{'first paint':>13}{'tracemalloc':>13}{'RSS delta':>11}"
              f"{'PageDown median':>17}{'p95':>9}{'max':>9}{'steps':>7}")
    print(header)
    for result in results:
        print(f"{result['case']:<10}{result['first_paint_s'] * 1000:>10.0f} ms"
              f"{result['tracemalloc_peak_mib']:>9.1f} MiB{result['rss_delta_mib']:>7.0f} MiB"
              f"{result['page_median_ms']:>14.2f} ms{result['page_p95_ms']:>6.2f} ms"
              f"{result['page_max_ms']:>6.1f} ms{result['page_steps']:>7}")
    ratio = view["first_paint_s"] / baseline["first_paint_s"]
    print(f"first paint, view / baseline: {ratio:.2f}x (target: at most 2x); "
          f"PageDown p95 {view['page_p95_ms']:.1f} ms (target: under 16 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
