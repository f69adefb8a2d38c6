"""Review menu slots: submit an asset for review, approve it, or reject it with a comment.

`ReviewMenuSlots` is a base class of `MainWindow`. Every slot calls the core,
which checks the role's permission and signs a reviewer's decision. After a
decision the window re-reads the asset, so its header, badge and read-only
state show the new review state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, cast

from PySide6.QtWidgets import QInputDialog, QWidget

from labeler.core.errors import LabelerError
from labeler.core.review import ReviewState, decide, submit
from labeler.gui.asset_status import state_words
from labeler.gui.errors import report_error

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

# Asks for a rejection comment, starting from `text` with `hint` above it;
# returns (text, accepted). Tests replace it.
CommentPrompt = Callable[[QWidget, str, str], tuple[str, bool]]


def ask_rejection_comment(parent: QWidget, text: str, hint: str) -> tuple[str, bool]:
    question = parent.tr("What should the annotator fix? The comment is signed with your "
                         "decision.")
    return QInputDialog.getMultiLineText(
        parent, parent.tr("Reject"), f"{hint}\n\n{question}" if hint else question, text)


class ReviewMenuSlots:
    comment_prompt: CommentPrompt = staticmethod(ask_rejection_comment)  # type: ignore[assignment]
    # Rejection comments not saved yet, by asset id, offered again at the next
    # try. MainWindow.__init__ sets it, so each window has its own.
    unsent_comments: dict[int, str]

    def submit_for_review(self) -> None:
        self._review(lambda project, asset_id: submit(project, asset_id),
                     self._window().tr("Submitting for review"))

    def approve_asset(self) -> None:
        self._review(lambda project, asset_id: decide(project, asset_id,
                                                      ReviewState.APPROVED),
                     self._window().tr("Approving the asset"))

    def reject_asset(self) -> None:
        """Ask for a comment until it is not empty, then reject; a failure keeps the text."""
        window = self._window()
        asset_id = window.current_asset_id
        if asset_id is None or window.is_locked:
            return
        comment, hint = self.unsent_comments.get(asset_id, ""), ""
        while True:
            comment, accepted = self.comment_prompt(window, comment, hint)
            if not accepted:
                self._remember_comment(asset_id, comment)
                window.focus_current_view()
                return
            if comment.strip():
                break
            hint = window.tr("A rejection needs a comment that tells the annotator what "
                             "to fix.")
        self._remember_comment(asset_id, comment)
        if self._review(lambda project, asset_id: decide(project, asset_id,
                                                         ReviewState.REJECTED, comment),
                        window.tr("Rejecting the asset")):
            self._remember_comment(asset_id, "")

    def _remember_comment(self, asset_id: int, comment: str) -> None:
        if comment.strip():
            self.unsent_comments[asset_id] = comment
        else:
            self.unsent_comments.pop(asset_id, None)

    def _review(self, change: Callable[..., None], title: str) -> bool:
        """Run one review change on the shown asset; return whether the core accepted it."""
        window = self._window()
        if window.project is None or window.current_asset_id is None or window.is_locked:
            return False
        asset_id = window.current_asset_id
        try:
            change(window.project, asset_id)
        except LabelerError as error:
            report_error(window, title, error, window.context.error_presenter)
            window.focus_current_view()
            return False
        window.refresh_asset_state()
        status = state_words(window.project.asset(asset_id).status)
        window.statusBar().showMessage(window.tr("Asset is now %s") % status, 5000)
        window.focus_current_view()
        return True

    def _window(self) -> MainWindow:
        return cast("MainWindow", self)  # only MainWindow mixes this class in
