"""The image canvas showing one video frame, with edits routed to tracks and frame shapes.

The canvas shows, for the current frame, each track's shape (interpolated or
a keyframe) under the track's annotation id, plus the shapes drawn on that
frame alone. When the user draws or edits, the canvas calls `commit` with
the shapes as displayed, and `FrameCanvas.commit` hands them to the video
view. The view turns them into stored annotations (a keyframe on a track, a
shape with its frame number) and pushes one `StoredEditCommand` on the
canvas's undo stack. Undo and redo write whole stored annotations back, so undoing a
keyframe edit restores the track exactly, whichever frame is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Protocol

from PySide6.QtGui import QUndoCommand

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.gui.canvas import AnnotationCanvas
from labeler.gui.canvas.commands import Change

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredChange:
    """One stored annotation before and after an edit; None means absent or deleted."""

    annotation_id: str
    before: Annotation | None
    after: Annotation | None


class StoredEditHost(Protocol):
    def stored_committed(self, states: dict[str, Annotation | None]) -> None: ...
    def stored_failed(self, error: Exception) -> None: ...


class StoredEditCommand(QUndoCommand):
    """Write a set of stored annotations as one undo step, rolling back on failure."""

    def __init__(self, text: str, changes: Sequence[StoredChange], store: AnnotationStore,
                 host: StoredEditHost) -> None:
        super().__init__(text)
        self._changes = list(changes)
        self._store = store
        self._host = host
        self.has_failed = False

    def redo(self) -> None:
        self._apply([(c.annotation_id, c.after, c.before) for c in self._changes])

    def undo(self) -> None:
        self._apply([(c.annotation_id, c.before, c.after) for c in self._changes])

    def _apply(self, steps: list[tuple[str, Annotation | None, Annotation | None]]) -> None:
        written: list[tuple[str, Annotation | None]] = []
        states: dict[str, Annotation | None] = {}
        try:
            for annotation_id, target, current in steps:
                states[annotation_id] = self._write(annotation_id, target)
                written.append((annotation_id, current))
        except Exception as error:  # noqa: BLE001 - reported to the user, not raised into Qt
            logger.warning("video annotation edit failed: %s: %s", type(error).__name__, error)
            for annotation_id, current in reversed(written):
                try:
                    states[annotation_id] = self._write(annotation_id, current)
                except Exception:  # noqa: BLE001 - the store keeps the new state then
                    logger.warning("could not roll back annotation %s", annotation_id)
            self.has_failed = True
            self.setObsolete(True)
            self._host.stored_committed(states)
            self._host.stored_failed(error)
            return
        self._host.stored_committed(states)

    def _write(self, annotation_id: str, target: Annotation | None) -> Annotation | None:
        if target is None:
            self._store.delete(annotation_id)
            return None
        return self._store.save(target)


CommitHandler = Callable[[str, list[Change]], bool]


class FrameCanvas(AnnotationCanvas):
    """An `AnnotationCanvas` whose edits go to the video view instead of the store."""

    def __init__(self, on_commit: CommitHandler) -> None:
        super().__init__()
        self._on_commit = on_commit

    def commit(self, text: str, changes: list[Change], *, merge_id: int = -1) -> bool:
        """Hand the displayed changes to the video view; return whether they were stored."""
        if not changes:
            return False
        if not self.can_edit():
            self.status(self.tr("This view is read-only"))
            for change in changes:
                item = next((i for i in self.shape_items()
                             if i.annotation_id == change.annotation_id), None)
                if item is not None:
                    item.revert()
            return False
        return self._on_commit(text, changes)
