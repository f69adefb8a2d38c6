"""The sign-in dialog: Enter submits, backoff grows, failures are audited."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from labeler.core.errors import WrongPasswordError
from labeler.core.session import Session
from labeler.gui.sign_in_dialog import SignInDialog, SignInThrottle, sign_in_with_clock
from labeler.gui.workers import TaskRunner
from tests.core.factories import PASSWORDS
from tests.gui.test_main_window import set_workspace_setting

pytestmark = pytest.mark.gui


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_dialog(qtbot, root, clock, runner=None) -> SignInDialog:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(root, runner or TaskRunner(synchronous=True), clock=clock)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_and_submit(qtbot, dialog: SignInDialog, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.form.user_edit.setText(user)
    dialog.form.password_edit.setText(password)
    qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)


def test_backoff_grows_and_failures_are_audited(demo_workspace, qtbot) -> None:
    set_workspace_setting(demo_workspace, "sign_in_backoff_seconds", [1, 2, 4])
    clock = FakeClock()
    dialog = make_dialog(qtbot, demo_workspace.root, clock)
    form = dialog.form

    type_and_submit(qtbot, dialog, "anna", "wrong-password-1")
    first_wait = form.throttle.seconds_left()
    assert first_wait == 1
    assert "Try again in 1 s" in form.message()
    assert not form.submit_button.isEnabled()
    assert form.password_edit.text() == ""

    type_and_submit(qtbot, dialog, "anna", "wrong-password-2")
    assert form.throttle.failures == 1, "an attempt during the wait must not run"

    clock.now += first_wait
    form.update_wait()
    assert form.submit_button.isEnabled()
    type_and_submit(qtbot, dialog, "anna", "wrong-password-3")
    second_wait = form.throttle.seconds_left()
    assert second_wait == 2
    assert second_wait > first_wait
    assert "Try again in 2 s" in form.message()
    assert not form.submit_button.isEnabled()

    clock.now += 1
    form.update_wait()
    assert "Try again in 1 s" in form.message()
    clock.now += 1
    form.update_wait()
    type_and_submit(qtbot, dialog, "anna", PASSWORDS["anna"])
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.session is not None
    assert dialog.session.user == "anna"
    dialog.session.lock()

    admin = demo_workspace.sign_in("admin")
    entries, problem = admin.workspace.audit_log.read(admin.keyring.org.encryption_key)
    admin.lock()
    assert problem is None
    failures = [entry for entry in entries
                if entry["action"] == "sign_in_failed" and entry["user"] == "anna"]
    assert len(failures) == 2
    log_text = repr(entries)
    assert "wrong-password" not in log_text
    assert PASSWORDS["anna"] not in log_text


def test_throttle_follows_policy_to_its_last_value(demo_workspace, qapp) -> None:
    set_workspace_setting(demo_workspace, "sign_in_backoff_seconds", [1, 5])
    clock = FakeClock()
    throttle = SignInThrottle(demo_workspace.root, clock)
    sign_in = sign_in_with_clock(demo_workspace.root, clock)
    delays = []

    for attempt in range(3):
        with pytest.raises(WrongPasswordError):
            sign_in("anna", f"wrong-{attempt}")
        delays.append(throttle.record_failure("anna"))
        clock.now += delays[-1]

    assert delays == [1, 5, 5]


def test_early_attempt_shows_core_delay(demo_workspace, qtbot) -> None:
    set_workspace_setting(demo_workspace, "sign_in_backoff_seconds", [1, 2, 4])
    clock = FakeClock()
    with pytest.raises(WrongPasswordError):
        sign_in_with_clock(demo_workspace.root, clock)("anna", "wrong")
    dialog = make_dialog(qtbot, demo_workspace.root, clock)

    type_and_submit(qtbot, dialog, "anna", PASSWORDS["anna"])

    assert dialog.session is None
    assert dialog.form.throttle.seconds_left() == 1
    assert "Try again in 1 s" in dialog.form.message()


def test_sign_in_runs_off_ui_thread(demo_workspace, qtbot) -> None:
    threads: list[int] = []

    def sign_in(user: str, password: str) -> Session:
        threads.append(threading.get_ident())
        return Session.sign_in(demo_workspace.root, user, password)

    dialog = SignInDialog(demo_workspace.root, TaskRunner(), clock=FakeClock(),
                          sign_in=sign_in)
    qtbot.addWidget(dialog)
    dialog.form.user_edit.setText("rita")
    dialog.form.password_edit.setText(PASSWORDS["rita"])

    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.form.submit_button.click()
        assert not dialog.form.submit_button.isEnabled()

    assert threads and threads[0] != threading.get_ident()
    assert dialog.session is not None
    dialog.session.lock()


def test_empty_fields_ask_for_input(demo_workspace, qtbot) -> None:
    dialog = make_dialog(qtbot, demo_workspace.root, FakeClock())

    dialog.form.submit()

    assert "Enter your user name and password" in dialog.form.message()
    assert dialog.form.throttle.failures == 0
