"""Exports: the one place plaintext leaves the workspace, for roles allowed to export.

Every export is audited with what was written (counts, never content).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labeler.core.annotations import AnnotationStore
from labeler.core.files import atomic_write
from labeler.core.policy.roles import Permission
from labeler.core.project import Project
from labeler.core.storage.store import transaction


def export_annotations_json(project: Project, out: Path) -> int:
    """Write every asset's annotations as JSON; return the number of annotations."""
    project.session.require(Permission.EXPORT)
    store = AnnotationStore(project)
    assets: list[dict[str, Any]] = []
    total = 0
    for asset in project.list_assets():
        annotations = store.list(asset.id)
        total += len(annotations)
        assets.append({
            "path": asset.path,
            "kind": asset.kind,
            "width": asset.width,
            "height": asset.height,
            "status": asset.status,
            "annotations": [{"id": a.id, "kind": a.kind, "label": a.label, "data": a.data,
                             "created_by": a.created_by, "updated_at": a.updated_at}
                            for a in annotations],
        })
    document = {"project": project.id, "coordinates": "image pixels, displayed orientation",
                "assets": assets}
    atomic_write(out, json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"))
    with transaction(project.db):
        project.audit("export", project.id, {"format": "labeler-json", "assets": len(assets),
                                             "annotations": total})
    return total
