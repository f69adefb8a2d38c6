"""Undo commands that write to the annotation store before the scene changes.

Every accepted edit is one `EditCommand` holding, for each annotation it
touches, the state before and after (None: absent or deleted). `redo` and
`undo` call `AnnotationStore.save` or `delete` synchronously and only then
pass the stored state to the canvas. Apart from a drag or drawing still in
progress, the scene therefore shows no edit the store has not committed.

If the store raises, the changes already written by that step are rolled
back and the canvas receives the committed state of every touched
annotation. The failure is reported and the command marks itself obsolete,
so QUndoStack drops it instead of keeping a step that did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from PySide6.QtGui import QUndoCommand

from labeler.core.annotations import Annotation, AnnotationStore

logger = logging.getLogger(__name__)

# QUndoCommand ids for commands that merge with the one before them.
NUDGE_ID: Final = 1



class CommandHost(Protocol):
    """Callbacks a command makes on the canvas after writing to the store."""

    def show_committed(self, asset_id: int, annotation_id: str,
                       state: Annotation | None) -> None: ...
    def edit_committed(self, asset_id: int) -> None: ...
    def edit_failed(self, error: Exception) -> None: ...


@dataclass(frozen=True)
class Change:
    """One annotation's state before and after an edit; None means absent."""

    annotation_id: str
    before: Annotation | None
    after: Annotation | None


class EditCommand(QUndoCommand):
    """Apply a set of changes to the store as one undo step."""

    def __init__(self, text: str, asset_id: int, changes: Sequence[Change],
                 store: AnnotationStore, host: CommandHost, *,
                 merge_id: int = -1) -> None:
        super().__init__(text)
        self.asset_id = asset_id
        self._ids = [change.annotation_id for change in changes]
        self._before = [change.before for change in changes]
        self._after = [change.after for change in changes]
        self._store = store
        self._host = host
        self._merge_id = merge_id

    def redo(self) -> None:
        self._apply(self._after, self._before)

    def undo(self) -> None:
        self._apply(self._before, self._after)

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Fold a following nudge of the same shapes into this step."""
        if (not isinstance(other, EditCommand) or other.isObsolete()
                or other.id() != self._merge_id or other._ids != self._ids):
            return False
        self._after = list(other._after)
        return True

    def annotation_ids(self) -> list[str]:
        return list(self._ids)

    def _apply(self, targets: list[Annotation | None],
               currents: list[Annotation | None]) -> None:
        """Write `targets` (kept as the store returns them), else restore `currents`."""
        written: list[int] = []
        try:
            for index, target in enumerate(targets):
                targets[index] = self._write(self._ids[index], target)
                written.append(index)
        except Exception as error:  # noqa: BLE001 - any store failure is reported, not raised into Qt
            logger.warning("annotation edit on asset %s failed: %s: %s",
                           self.asset_id, type(error).__name__, error)
            committed = self._roll_back(written, targets, currents)
            for annotation_id, state in zip(self._ids, committed):
                self._host.show_committed(self.asset_id, annotation_id, state)
            self.setObsolete(True)
            self._host.edit_failed(error)
            return

        for annotation_id, state in zip(self._ids, targets):
            self._host.show_committed(self.asset_id, annotation_id, state)
        self._host.edit_committed(self.asset_id)

    def _write(self, annotation_id: str, target: Annotation | None) -> Annotation | None:
        if target is None:
            self._store.delete(annotation_id)
            return None
        return self._store.save(target)

    def _roll_back(self, written: list[int], targets: list[Annotation | None],
                   currents: list[Annotation | None]) -> list[Annotation | None]:
        """Undo the writes of a failed step; return what the store holds for each id."""
        committed = list(currents)
        for index in reversed(written):
            try:
                committed[index] = self._write(self._ids[index], currents[index])
            except Exception:  # noqa: BLE001 - the store keeps the new state then
                logger.warning("could not roll back annotation %s on asset %s",
                               self._ids[index], self.asset_id)
                committed[index] = targets[index]
        return committed
