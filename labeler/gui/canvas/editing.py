"""Building the changes behind paste, relabel, nudge and classification edits.

These functions only compute `Change` lists, and the canvas pushes each list
as one undo command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from labeler.core.annotations import Annotation, normalise_geometry
from labeler.core.errors import ConfigError
from labeler.core.model.ontology import Label
from labeler.gui.canvas import geometry
from labeler.gui.canvas.commands import Change
from labeler.gui.canvas.items import ShapeItem


def pasted_annotations(clipboard: Sequence[Annotation], asset_id: int,
                       labels: Sequence[Label], size: tuple[float, float],
                       offset: float) -> list[Annotation]:
    """Return new annotations (new ids) for the copied shapes on `asset_id`.

    Shapes are offset by `offset` pixels, moved inside the image and cut to
    it. A shape whose label is gone from the ontology, or no longer allows its
    kind, or of which nothing is left inside the image, is left out.
    """
    pasted = []
    for source in clipboard:
        label = next((lb for lb in labels if lb.name == source.label), None)
        if label is None or source.kind not in label.shapes:
            continue
        data = geometry.translate(source.kind, source.data, offset, offset)
        data = geometry.fit_into_image(source.kind, data, size)
        try:
            normalise_geometry(source.kind, data)
        except ConfigError:
            continue
        pasted.append(source.moved_to(asset_id).with_data(data))
    return pasted


def relabel_changes(items: Sequence[ShapeItem], label: Label) -> tuple[list[Change], int]:
    """Return the changes that give `items` the label, and how many it does not allow."""
    allowed = [item for item in items if item.kind in label.shapes]
    changes = [
        Change(item.annotation_id, item.annotation,
               Annotation(item.annotation.asset_id, item.kind, label.name,
                          dict(item.annotation.data), item.annotation_id))
        for item in allowed if item.annotation.label != label.name
    ]
    return changes, len(items) - len(allowed)


def nudge_changes(items: Sequence[ShapeItem], dx: float, dy: float,
                  size: tuple[float, float]) -> list[Change]:
    """Return the changes that move `items` together, stopped at the image edges."""
    bounds = geometry.union_bounds([item.bounds() for item in items])
    dx, dy = geometry.clamp_translation(bounds, dx, dy, size)
    if dx == 0 and dy == 0:
        return []
    return [Change(item.annotation_id, item.annotation,
                   item.annotation.with_data(geometry.translate(item.kind, item.data, dx, dy)))
            for item in items]


def classification_change(asset_id: int, current: Annotation | None,
                          values: Mapping[str, Any]) -> Change | None:
    """Return the change that stores `values` as the asset's one classification.

    An existing classification keeps its id, so the asset does not get a second one.
    Returns None when the values are what is stored already.
    """
    if current is not None and dict(current.data.get("values", {})) == dict(values):
        return None
    if current is None:
        after = Annotation(asset_id, "classification", None, {"values": dict(values)})
    else:
        after = Annotation(asset_id, "classification", None, {"values": dict(values)},
                           current.id)
    return Change(after.id, current, after)
