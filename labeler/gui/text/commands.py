"""Undo commands of the text view.

Each command moves a document between two sets of annotations: `before`
(what undo restores) and `after` (what redo restores). The view performs the
first edit itself, through the service, and pushes the command only when the
edit committed. So the command's first `redo` does nothing. Later undo and
redo calls commit through the service synchronously and only then tell the
view. When one fails, the command reports the error and marks itself obsolete,
which removes it from the stack, because the store no longer matches it.
"""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtGui import QUndoCommand

from labeler.core.annotations import Annotation
from labeler.core.errors import LabelerError
from labeler.core.text_annotations import TextAnnotations

ChangeListener = Callable[[list[Annotation], list[Annotation]], None]
"""Called with (annotations removed, annotations stored) after a commit."""

ErrorListener = Callable[[str, LabelerError], None]
"""Called with the action's name and the error when an undo or redo fails."""


def apply_change(service: TextAnnotations, asset_id: int, remove: Sequence[Annotation],
                 put: Sequence[Annotation]) -> tuple[list[Annotation], list[Annotation]]:
    """Delete `remove` and store `put`: stored ids are updated, the others restored."""
    kept = {a.id for a in put}
    removed: list[Annotation] = []
    for annotation in remove:
        # An id in both lists is an update: deleting it would also delete its relations.
        if annotation.id not in kept and service.contains(asset_id, annotation.id):
            removed += service.delete(asset_id, annotation.id)
    updates = [a for a in put if service.contains(asset_id, a.id)]
    stored = [service.put(a) for a in updates]
    stored += service.restore([a for a in put if not service.contains(asset_id, a.id)])
    return removed, stored


class TextEditCommand(QUndoCommand):
    """An undoable committed edit that turns annotations `before` into `after`."""

    def __init__(self, text: str, service: TextAnnotations, asset_id: int, *,
                 before: Sequence[Annotation], after: Sequence[Annotation],
                 on_change: ChangeListener, on_error: ErrorListener) -> None:
        super().__init__(text)
        self._service = service
        self._asset_id = asset_id
        self._before = list(before)
        self._after = list(after)
        self._on_change = on_change
        self._on_error = on_error
        self._is_first_redo = True

    def redo(self) -> None:
        if self._is_first_redo:
            self._is_first_redo = False
            return
        self._move(remove=self._before, put=self._after, action="Redo")

    def undo(self) -> None:
        self._move(remove=self._after, put=self._before, action="Undo")

    def _move(self, *, remove: Sequence[Annotation], put: Sequence[Annotation],
              action: str) -> None:
        try:
            removed, stored = apply_change(self._service, self._asset_id, remove, put)
        except LabelerError as error:
            self.setObsolete(True)
            self._on_error(f"{action} {self.text()}", error)
            return
        self._on_change(removed, stored)
