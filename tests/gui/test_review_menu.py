"""The Review menu: annotators submit, reviewers approve or reject with a comment."""

from __future__ import annotations

import pytest

from labeler.core.review import history
from tests.gui.test_main_window import asset_id_of, show_and_wait

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
    window.comment_prompt = lambda parent: ("the cup handle is not boxed", True)
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
