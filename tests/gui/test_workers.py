"""The task runner: results and errors come back on the UI thread."""

from __future__ import annotations

import threading

import pytest

from labeler.gui.workers import TaskRunner

pytestmark = pytest.mark.gui


def test_result_arrives_on_ui_thread(qtbot) -> None:
    runner = TaskRunner()
    ui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    results: list[int] = []
    runner.submit(work, on_result=lambda value: (results.append(value),
                                                 seen.setdefault("callback",
                                                                 threading.get_ident())))
    qtbot.waitUntil(lambda: results == [42], timeout=5000)

    assert seen["worker"] != ui_thread
    assert seen["callback"] == ui_thread
    assert runner.pending_count == 0


def test_error_arrives_on_ui_thread(qtbot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("broken input")

    runner.submit(fail, on_result=lambda _value: pytest.fail("no result expected"),
                  on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)

    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "broken input"


def test_synchronous_runner_calls_back_inside_submit() -> None:
    runner = TaskRunner(synchronous=True)
    results: list[str] = []
    errors: list[BaseException] = []

    runner.submit(lambda: "done", on_result=results.append)
    runner.submit(lambda: 1 / 0, on_error=errors.append)

    assert results == ["done"]
    assert isinstance(errors[0], ZeroDivisionError)


def test_synchronous_runner_raises_unhandled_error() -> None:
    runner = TaskRunner(synchronous=True)

    with pytest.raises(ZeroDivisionError):
        runner.submit(lambda: 1 / 0)
