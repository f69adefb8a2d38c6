"""Run core calls off the UI thread and deliver the outcome on the UI thread.

Every slow core call in the client (sign-in key derivation, decrypting and
decoding an image, making a thumbnail) goes through `TaskRunner.submit`. The
callable runs on a `QThreadPool` thread and must not touch widgets; the
`on_result` or `on_error` callback then runs on the thread that owns the
runner, which is the UI thread.

Tests build the runner with `synchronous=True`: the callable and its callback
then run inside `submit`, so a test needs no waiting.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

logger = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Delivery(QObject):
    """Carries one outcome from a pool thread to the runner's thread.

    The object lives on the runner's thread, so a signal emitted from the pool
    thread reaches `_deliver` through a queued connection.
    """

    finished = Signal(bool, object)

    def __init__(self, on_result: ResultCallback | None,
                 on_error: ErrorCallback | None, release: Callable[[_Delivery], None]) -> None:
        super().__init__()
        self._on_result = on_result
        self._on_error = on_error
        self._release = release
        self.finished.connect(self._deliver)

    @Slot(bool, object)
    def _deliver(self, succeeded: bool, outcome: object) -> None:
        self._release(self)
        if succeeded:
            if self._on_result is not None:
                self._on_result(outcome)
        elif self._on_error is not None:
            self._on_error(outcome)  # type: ignore[arg-type]
        else:
            logger.error("A background task failed and nobody handles it: %s",
                         type(outcome).__name__)


class _Task(QRunnable):
    def __init__(self, function: Callable[[], Any], delivery: _Delivery) -> None:
        super().__init__()
        self._function = function
        self._delivery = delivery

    def run(self) -> None:
        try:
            outcome = self._function()
        except Exception as error:  # delivered to on_error on the UI thread
            self._delivery.finished.emit(False, error)
            return
        self._delivery.finished.emit(True, outcome)


class TaskRunner(QObject):
    """Runs callables on a thread pool and calls back on the runner's thread."""

    def __init__(self, *, synchronous: bool = False, max_threads: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_synchronous = synchronous
        self._pool = QThreadPool(self)
        if max_threads is not None:
            self._pool.setMaxThreadCount(max_threads)
        self._in_flight: set[_Delivery] = set()

    def submit(self, function: Callable[[], Any], *,
               on_result: ResultCallback | None = None,
               on_error: ErrorCallback | None = None) -> None:
        """Run `function` off the UI thread; then call `on_result` or `on_error`."""
        if self.is_synchronous:
            self._run_now(function, on_result, on_error)
            return
        delivery = _Delivery(on_result, on_error, self._in_flight.discard)
        self._in_flight.add(delivery)
        self._pool.start(_Task(function, delivery))

    @staticmethod
    def _run_now(function: Callable[[], Any], on_result: ResultCallback | None,
                 on_error: ErrorCallback | None) -> None:
        try:
            outcome = function()
        except Exception as error:
            if on_error is None:
                raise
            on_error(error)
            return
        if on_result is not None:
            on_result(outcome)

    @property
    def pending_count(self) -> int:
        """Tasks submitted whose callback has not run yet."""
        return len(self._in_flight)

    def wait_for_workers(self, timeout_ms: int = 10_000) -> bool:
        """Block until no pool thread runs a task; return False on timeout.

        Callbacks of the finished tasks are still queued afterwards and run
        when the event loop next processes events.
        """
        return self._pool.waitForDone(timeout_ms)
