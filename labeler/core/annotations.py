"""Annotations: validated geometry, committed and audited one edit at a time.

Every `save` and `delete` is its own transaction with `synchronous=FULL`, so
once it returns the edit survives a killed process or a power cut; callers
show an edit as saved only after that. Deletion is soft (the row is kept and
flagged), which lets undo restore exactly what was there.

Coordinates are image pixels in the displayed orientation (after the EXIF
transpose), origin at the top-left, as floats.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Final, Mapping

from labeler.core.audit import utc_now
from labeler.core.errors import ConfigError, NotFoundError, PolicyError
from labeler.core.policy.roles import Permission
from labeler.core.project import Project
from labeler.core.storage.store import transaction

IMAGE_SHAPES: Final = frozenset({"bbox", "rotated_bbox", "polygon", "polyline", "points"})


@dataclass(frozen=True)
class Annotation:
    asset_id: int
    kind: str
    label: str | None
    data: Mapping[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_by: str = ""
    created_at: str = ""
    updated_by: str = ""
    updated_at: str = ""

    def moved_to(self, asset_id: int) -> Annotation:
        """Return a new annotation with the same shape on another asset (paste)."""
        return Annotation(asset_id, self.kind, self.label, dict(self.data))

    def with_data(self, data: Mapping[str, Any]) -> Annotation:
        return replace(self, data=dict(data))


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _points(data: Mapping[str, Any], minimum: int, kind: str) -> list[list[float]]:
    points = data.get("points")
    if not isinstance(points, list) or len(points) < minimum:
        raise ConfigError(f"a {kind} needs at least {minimum} points")
    return [[_finite(p[0], f"{kind} x"), _finite(p[1], f"{kind} y")] for p in points]


Validator = Callable[[Mapping[str, Any]], dict[str, Any]]
_VALIDATORS: dict[str, Validator] = {}


def register_kind(kind: str, validator: Validator) -> None:
    """Add an annotation kind (text spans, video tracks, ...) and its geometry check.

    A validator returns the geometry with plain values or raises ConfigError.
    """
    _VALIDATORS[kind] = validator


def normalise_geometry(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check a shape's geometry and return it with plain float values."""
    validator = _VALIDATORS.get(kind)
    if validator is None:
        raise ConfigError(f"unknown annotation kind {kind!r}")
    return validator(data)


def _bbox(data: Mapping[str, Any]) -> dict[str, Any]:
    box = {k: _finite(data.get(k), f"bbox {k}") for k in ("x", "y", "w", "h")}
    if box["w"] <= 0 or box["h"] <= 0:
        raise ConfigError("a bbox needs a positive width and height")
    return {**box, "attributes": dict(data.get("attributes", {}))}


def _rotated_bbox(data: Mapping[str, Any]) -> dict[str, Any]:
    box = {k: _finite(data.get(k), f"rotated bbox {k}") for k in ("cx", "cy", "w", "h", "angle")}
    if box["w"] <= 0 or box["h"] <= 0:
        raise ConfigError("a rotated bbox needs a positive width and height")
    return {**box, "attributes": dict(data.get("attributes", {}))}


def _point_list(kind: str, minimum: int) -> Validator:
    def validate(data: Mapping[str, Any]) -> dict[str, Any]:
        return {"points": _points(data, minimum, kind),
                "attributes": dict(data.get("attributes", {}))}

    return validate


def _classification(data: Mapping[str, Any]) -> dict[str, Any]:
    values = data.get("values")
    if not isinstance(values, Mapping):
        raise ConfigError("a classification needs a table of values")
    return {"values": dict(values)}


register_kind("bbox", _bbox)
register_kind("rotated_bbox", _rotated_bbox)
register_kind("polygon", _point_list("polygon", 3))
register_kind("polyline", _point_list("polyline", 2))
register_kind("points", _point_list("points", 1))
register_kind("classification", _classification)
# Kinds that carry no label of the ontology's `labels` table.
UNLABELLED_KINDS: set[str] = {"classification"}


class AnnotationStore:
    """Reads and writes the annotations of one open project."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def _validate(self, annotation: Annotation) -> dict[str, Any]:
        if annotation.kind not in _VALIDATORS:
            raise ConfigError(f"unknown annotation kind {annotation.kind!r}")
        if annotation.kind not in UNLABELLED_KINDS:
            label = self.project.ontology.label(annotation.label or "")
            if annotation.kind not in label.shapes:
                raise ConfigError(
                    f"label {label.name!r} does not allow {annotation.kind} shapes; "
                    f"it allows {', '.join(label.shapes)}")
        return normalise_geometry(annotation.kind, annotation.data)

    def list(self, asset_id: int) -> list[Annotation]:
        rows = self.project.db.execute(
            "SELECT id, asset_id, kind, label, data, created_by, created_at, updated_by,"
            " updated_at FROM annotations WHERE asset_id = ? AND deleted = 0"
            " ORDER BY created_at, id", (asset_id,))
        return [Annotation(row[1], row[2], row[3], json.loads(row[4]), row[0], row[5], row[6],
                           row[7], row[8]) for row in rows]

    def count(self, asset_id: int) -> int:
        return int(self.project.db.execute(
            "SELECT count(*) FROM annotations WHERE asset_id = ? AND deleted = 0",
            (asset_id,)).fetchone()[0])

    def check_editable(self, asset_id: int) -> None:
        """Raise PolicyError unless the signed-in user may change this asset's annotations.

        Submitted work is frozen for annotators while it waits for review (a
        reviewer may still correct it), and approved work for everyone: a
        reviewer rejects it to reopen it.
        """
        self.project.session.require(Permission.ANNOTATE)
        status = self.project.asset(asset_id).status
        if status == "approved":
            raise PolicyError(f"asset {asset_id} is approved; a reviewer must reject it "
                              "before its annotations can change")
        if status == "submitted" and not self.project.session.can(Permission.REVIEW):
            raise PolicyError(f"asset {asset_id} is submitted for review; it can change "
                              "again if a reviewer rejects it")

    def is_editable(self, asset_id: int) -> bool:
        try:
            self.check_editable(asset_id)
        except PolicyError:
            return False
        return True

    def save(self, annotation: Annotation) -> Annotation:
        """Insert or update one annotation; return it as stored once committed."""
        data = self._validate(annotation)
        self.check_editable(annotation.asset_id)
        now = utc_now()
        user = self.project.user
        db = self.project.db
        with transaction(db):
            existing = db.execute("SELECT created_by, created_at FROM annotations WHERE id = ?",
                                  (annotation.id,)).fetchone()
            if existing:
                db.execute(
                    "UPDATE annotations SET kind = ?, label = ?, data = ?, updated_by = ?,"
                    " updated_at = ?, deleted = 0 WHERE id = ?",
                    (annotation.kind, annotation.label, json.dumps(data), user, now,
                     annotation.id))
                created_by, created_at = existing
            else:
                db.execute(
                    "INSERT INTO annotations (id, asset_id, kind, label, data, created_by,"
                    " created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (annotation.id, annotation.asset_id, annotation.kind, annotation.label,
                     json.dumps(data), user, now, user, now))
                created_by, created_at = user, now
            db.execute("UPDATE assets SET status = 'in_progress', updated_at = ?"
                       " WHERE id = ? AND status IN ('new', 'rejected')",
                       (now, annotation.asset_id))
            self.project.audit("annotation_saved" if existing else "annotation_created",
                               annotation.id, {"asset": annotation.asset_id,
                                               "kind": annotation.kind})
        return Annotation(annotation.asset_id, annotation.kind, annotation.label, data,
                          annotation.id, created_by, created_at, user, now)

    def delete(self, annotation_id: str) -> None:
        db = self.project.db
        row = db.execute("SELECT asset_id FROM annotations WHERE id = ?",
                         (annotation_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"annotation {annotation_id} does not exist")
        self.check_editable(int(row[0]))
        with transaction(db):
            cursor = db.execute("UPDATE annotations SET deleted = 1, updated_by = ?,"
                                " updated_at = ? WHERE id = ? AND deleted = 0",
                                (self.project.user, utc_now(), annotation_id))
            if cursor.rowcount == 0:
                raise NotFoundError(f"annotation {annotation_id} does not exist")
            self.project.audit("annotation_deleted", annotation_id)
