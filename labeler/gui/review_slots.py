"""Review menu slots: submit an asset for review, approve it, or reject it with a comment.

`ReviewMenuSlots` is a base class of `MainWindow`. Every slot calls the core,
which checks the role's permission and signs a reviewer's decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, cast

from PySide6.QtWidgets import QInputDialog, QWidget

from labeler.core.errors import LabelerError
from labeler.core.review import ReviewState, decide, submit
from labeler.gui.errors import report_error

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

# Asks for a rejection comment; returns (text, accepted). Tests replace it.
CommentPrompt = Callable[[QWidget], tuple[str, bool]]


def ask_rejection_comment(parent: QWidget) -> tuple[str, bool]:
    return QInputDialog.getMultiLineText(
        parent, parent.tr("Reject"),
        parent.tr("What should the annotator fix? The comment is signed with your "
                  "decision."))


class ReviewMenuSlots:
    comment_prompt: CommentPrompt = staticmethod(ask_rejection_comment)  # type: ignore[assignment]

    def submit_for_review(self) -> None:
        self._review(lambda project, asset_id: submit(project, asset_id),
                     self._window().tr("Submitting for review"))

    def approve_asset(self) -> None:
        self._review(lambda project, asset_id: decide(project, asset_id,
                                                      ReviewState.APPROVED),
                     self._window().tr("Approving the asset"))

    def reject_asset(self) -> None:
        window = self._window()
        comment, accepted = self.comment_prompt(window)
        if not accepted:
            return
        self._review(lambda project, asset_id: decide(project, asset_id,
                                                      ReviewState.REJECTED, comment),
                     window.tr("Rejecting the asset"))

    def _review(self, change: Callable[..., None], title: str) -> None:
        window = self._window()
        if window.project is None or window.current_asset_id is None or window.is_locked:
            return
        asset_id = window.current_asset_id
        try:
            change(window.project, asset_id)
        except LabelerError as error:
            report_error(window, title, error, window.context.error_presenter)
            return
        window.asset_model.refresh_asset(asset_id)
        status = window.project.asset(asset_id).status
        window.statusBar().showMessage(window.tr("Asset is now %s") % status, 5000)

    def _window(self) -> MainWindow:
        return cast("MainWindow", self)  # only MainWindow mixes this class in
