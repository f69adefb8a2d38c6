"""Review states of an asset and signed review decisions.

States: new -> in_progress (first edit) -> submitted (by an annotator) ->
approved or rejected (by a reviewer, with a comment); a rejected asset goes
back to in_progress at its next edit or can be submitted again. Every
decision is signed with the reviewer's Ed25519 key over the asset, the
decision, the comment and the content hash, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from labeler.core.audit import utc_now
from labeler.core.crypto.primitives import b64decode, verify_signature
from labeler.core.errors import ConfigError, PolicyError, SignatureError
from labeler.core.files import canonical_json
from labeler.core.policy.roles import Permission
from labeler.core.project import Project
from labeler.core.storage.store import transaction


class ReviewState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


SUBMITTABLE: Final = frozenset({ReviewState.NEW, ReviewState.IN_PROGRESS, ReviewState.REJECTED})


@dataclass(frozen=True)
class ReviewDecision:
    asset_id: int
    reviewer: str
    decision: ReviewState
    comment: str
    decided_at: str
    signature: bytes


def _signed_part(asset_id: int, sha256: str, reviewer: str, decision: str, comment: str,
                 decided_at: str) -> bytes:
    return canonical_json({"asset": asset_id, "sha256": sha256, "reviewer": reviewer,
                           "decision": decision, "comment": comment, "at": decided_at})


def _words(status: str) -> str:
    return status.replace("_", " ")


def submit(project: Project, asset_id: int) -> None:
    """Hand an asset to review; only from new, in progress or rejected."""
    project.session.require(Permission.ANNOTATE)
    asset = project.asset(asset_id)
    if ReviewState(asset.status) not in SUBMITTABLE:
        raise ConfigError(f"asset {asset_id} is {_words(asset.status)}; only new, in-progress "
                          "or rejected assets can be submitted")
    with transaction(project.db):
        project.db.execute("UPDATE assets SET status = 'submitted', updated_at = ? WHERE id = ?",
                           (utc_now(), asset_id))
        project.audit("review_submitted", str(asset_id))


def decide(project: Project, asset_id: int, decision: ReviewState, comment: str = "") -> None:
    """Approve or reject a submitted asset; the decision is signed by the reviewer."""
    project.session.require(Permission.REVIEW)
    if decision not in (ReviewState.APPROVED, ReviewState.REJECTED):
        raise ConfigError(f"a review decision is approved or rejected, not {decision}")
    if decision is ReviewState.REJECTED and not comment.strip():
        raise ConfigError("a rejection needs a comment that tells the annotator what to fix")
    asset = project.asset(asset_id)
    if asset.status != ReviewState.SUBMITTED:
        raise ConfigError(f"asset {asset_id} is {_words(asset.status)}, not submitted for "
                          "review")
    if submitter(project, asset_id) == project.user:
        raise PolicyError(f"user {project.user!r} submitted asset {asset_id}; another "
                          "reviewer must decide on it")
    at = utc_now()
    signature = project.session.keyring.sign(
        _signed_part(asset_id, asset.sha256, project.user, decision.value, comment, at))
    with transaction(project.db):
        project.db.execute(
            "INSERT INTO reviews (asset_id, reviewer, decision, comment, decided_at, signature)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (asset_id, project.user, decision.value, comment, at, signature))
        project.db.execute("UPDATE assets SET status = ?, updated_at = ? WHERE id = ?",
                           (decision.value, at, asset_id))
        project.audit("review_decided", str(asset_id), {"decision": decision.value})


def submitter(project: Project, asset_id: int) -> str | None:
    """Return who last submitted an asset for review, from the audit log."""
    row = project.db.execute(
        "SELECT user FROM audit WHERE action = 'review_submitted' AND object = ?"
        " ORDER BY seq DESC LIMIT 1", (str(asset_id),)).fetchone()
    return None if row is None else str(row[0])


def history(project: Project, asset_id: int) -> list[ReviewDecision]:
    """Return an asset's decisions, oldest first, after checking every signature."""
    asset = project.asset(asset_id)
    keys = project.session.workspace.manifest["users"]
    decisions = []
    for reviewer, decision, comment, at, signature in project.db.execute(
            "SELECT reviewer, decision, comment, decided_at, signature FROM reviews"
            " WHERE asset_id = ? ORDER BY id", (asset_id,)):
        record = keys.get(reviewer)
        if record is None:
            raise SignatureError(f"review by {reviewer!r}, who is no longer a user, "
                                 "cannot be checked")
        verify_signature(b64decode(record["signing_public"], what="a user key"),
                         bytes(signature),
                         _signed_part(asset_id, asset.sha256, reviewer, decision, comment, at))
        decisions.append(ReviewDecision(asset_id, reviewer, ReviewState(decision), comment, at,
                                        bytes(signature)))
    return decisions
