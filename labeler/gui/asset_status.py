"""Words for an asset's review state, why it is read-only, and its summary line.

The store keeps review states as identifiers ("in_progress"). Every place the
user reads one (badges, filters, the fields header, the status bar) shows the
words from `state_words` instead.
"""

from __future__ import annotations

import json
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from labeler.core.project import Asset
from labeler.core.review import ReviewState

_CONTEXT: Final = "asset_status"

_STATE_WORDS: Final = {
    ReviewState.NEW.value: QT_TRANSLATE_NOOP("asset_status", "new"),
    ReviewState.IN_PROGRESS.value: QT_TRANSLATE_NOOP("asset_status", "in progress"),
    ReviewState.SUBMITTED.value: QT_TRANSLATE_NOOP("asset_status", "submitted"),
    ReviewState.APPROVED.value: QT_TRANSLATE_NOOP("asset_status", "approved"),
    ReviewState.REJECTED.value: QT_TRANSLATE_NOOP("asset_status", "rejected"),
}

# The media probe records a video's codec as the note "codec NAME". That is a
# fact about the file, not a warning, so it goes into the summary line.
_CODEC_PREFIX: Final = "codec "


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def state_words(status: str) -> str:
    """Return a review state as words ("in progress"); unknown states lose underscores."""
    words = _STATE_WORDS.get(status)
    return _tr(words) if words else status.replace("_", " ")


def review_states() -> list[str]:
    """Return every review state, in the order an asset passes through them."""
    return [state.value for state in ReviewState]


def read_only_reason(status: str, *, can_annotate: bool) -> str:
    """Return why an asset that `AnnotationStore.is_editable` rejected is read-only."""
    if status == ReviewState.APPROVED:
        return _tr("Approved: read-only")
    if status == ReviewState.SUBMITTED:
        return _tr("Submitted for review: read-only until a reviewer rejects it")
    if not can_annotate:
        return _tr("Your role may view but not annotate: read-only")
    return _tr("Read-only")


def split_notes(notes_json: str) -> tuple[list[str], list[str]]:
    """Split an asset's import notes (a JSON list of strings) into notes and facts.

    Notes are shown as warnings; facts (the video codec) belong in the summary.
    """
    try:
        stored = json.loads(notes_json or "[]")
    except ValueError:
        return [], []
    if not isinstance(stored, list):
        return [], []
    notes, facts = [], []
    for note in map(str, stored):
        if note.startswith(_CODEC_PREFIX):
            facts.append(_tr("codec: %1").replace("%1", note.removeprefix(_CODEC_PREFIX)))
        else:
            notes.append(note)
    return notes, facts


def asset_summary(asset: Asset) -> str:
    """Return the fields header: path, kind, size, facts such as the codec, and state."""
    size = f"{asset.width}×{asset.height}" if asset.width and asset.height else ""
    _notes, facts = split_notes(asset.notes)
    parts = (asset.path, asset.kind, size, *facts, state_words(asset.status))
    return "  ·  ".join(part for part in parts if part)
