"""Builders for encrypted workspaces used across core and CLI tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from labeler.core.admin import update_settings
from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.model.ontology import parse_ontology
from labeler.core.policy.fields import parse_field_policy
from labeler.core.session import Session

ROLES: Final = ["admin", "annotator", "reviewer"]
PASSWORDS: Final = {"admin": "admin-pass-1", "rita": "reviewer-pass-1", "anna": "annotator-pass-1"}

ONTOLOGY: Final = {
    "labels": [
        {"name": "person", "key": "1", "shapes": ["bbox", "polygon", "points"]},
        {"name": "vehicle", "key": "2", "shapes": ["bbox", "rotated_bbox", "polyline"]},
    ],
    "classifications": [{"name": "quality", "type": "choice", "choices": ["good", "bad"]}],
}

POLICY: Final = {
    "default": {"admin": "visible", "reviewer": "visible", "annotator": "hidden"},
    "fields": {
        "exif.Make": {"admin": "visible", "reviewer": "visible", "annotator": "visible"},
        "exif.Model": {"admin": "visible", "reviewer": "visible", "annotator": "visible"},
        "dicom.PatientName": {"admin": "visible", "reviewer": "masked",
                              "annotator": "hidden", "mask": "initials"},
        "sidecar.case_number": {"admin": "visible", "reviewer": "visible",
                                "annotator": "masked", "mask": "last4"},
        "dicom.Modality": {"admin": "visible", "reviewer": "visible", "annotator": "visible"},
    },
}


@dataclass
class DemoWorkspace:
    root: Path
    project_id: str

    def sign_in(self, user: str) -> Session:
        return Session.sign_in(self.root, user, PASSWORDS[user])


def build_workspace(root: Path, bucket: Path | None = None) -> DemoWorkspace:
    """Create a workspace with admin, reviewer rita and annotator anna and one project."""
    admin = Session.create_workspace(root, "admin", PASSWORDS["admin"], TEST_KDF_COST)
    try:
        # Tests sign in right after a wrong password; tests of the backoff set their own.
        update_settings(admin, {"sign_in_backoff_seconds": [0]})
        admin.add_team("team")
        admin.add_user("rita", "reviewer", PASSWORDS["rita"], ["team"], TEST_KDF_COST)
        admin.add_user("anna", "annotator", PASSWORDS["anna"], ["team"], TEST_KDF_COST)
        project_id = admin.create_project(
            "Project", parse_ontology(ONTOLOGY), parse_field_policy(POLICY, ROLES), ["team"])
        if bucket is not None:
            admin.add_bucket(project_id, bucket)
    finally:
        admin.lock()
    return DemoWorkspace(root, project_id)
