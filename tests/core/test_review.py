"""Review workflow: submit, approve or reject with a signed decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.core.errors import ConfigError, PolicyError, SignatureError
from labeler.core.ingest import run_import
from labeler.core.review import ReviewState, decide, history, submit
from tests.core.factories import build_workspace


def _workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "a.txt").write_text("to review\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    admin = workspace.sign_in("admin")
    project = admin.open_project(workspace.project_id)
    run_import(project, next(iter(project.record["buckets"])))
    admin.lock()
    return workspace


def test_submit_then_approve(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    anna = workspace.sign_in("anna")
    submit(anna.open_project(workspace.project_id), 1)
    anna.lock()
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    decide(project, 1, ReviewState.APPROVED, "looks right")
    assert project.asset(1).status == "approved"
    [decision] = history(project, 1)
    assert decision.reviewer == "rita"
    assert decision.decision is ReviewState.APPROVED
    rita.lock()


def test_annotator_cannot_decide(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    anna = workspace.sign_in("anna")
    project = anna.open_project(workspace.project_id)
    submit(project, 1)
    with pytest.raises(PolicyError, match="may not review"):
        decide(project, 1, ReviewState.APPROVED)
    anna.lock()


def _submit_as_anna(workspace, asset_id: int = 1) -> None:  # type: ignore[no-untyped-def]
    anna = workspace.sign_in("anna")
    submit(anna.open_project(workspace.project_id), asset_id)
    anna.lock()


def test_rejection_needs_comment_and_allows_resubmit(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    with pytest.raises(ConfigError, match="not submitted"):
        decide(project, 1, ReviewState.APPROVED)
    rita.lock()
    _submit_as_anna(workspace)
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    with pytest.raises(ConfigError, match="needs a comment"):
        decide(project, 1, ReviewState.REJECTED)
    decide(project, 1, ReviewState.REJECTED, "box 2 misses the plate")
    rita.lock()
    _submit_as_anna(workspace)
    rita = workspace.sign_in("rita")
    assert rita.open_project(workspace.project_id).asset(1).status == "submitted"
    rita.lock()


def test_reviewer_cannot_decide_own_submission(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    submit(project, 1)
    with pytest.raises(PolicyError, match="another reviewer must decide"):
        decide(project, 1, ReviewState.APPROVED)
    assert project.asset(1).status == "submitted"
    rita.lock()


def test_submitted_and_approved_work_is_frozen(tmp_path: Path) -> None:
    from labeler.core.annotations import Annotation, AnnotationStore

    workspace = _workspace(tmp_path)
    box = {"x": 1, "y": 1, "w": 4, "h": 4}
    anna = workspace.sign_in("anna")
    project = anna.open_project(workspace.project_id)
    saved = AnnotationStore(project).save(Annotation(1, "bbox", "person", box))
    submit(project, 1)
    with pytest.raises(PolicyError, match="submitted for review"):
        AnnotationStore(project).save(Annotation(1, "bbox", "person", box))
    with pytest.raises(PolicyError, match="submitted for review"):
        AnnotationStore(project).delete(saved.id)
    anna.lock()
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    AnnotationStore(project).save(Annotation(1, "bbox", "person", box))  # a reviewer corrects
    decide(project, 1, ReviewState.APPROVED)
    with pytest.raises(PolicyError, match="approved"):
        AnnotationStore(project).delete(saved.id)
    assert AnnotationStore(project).count(1) == 2
    rita.lock()


def test_forged_decision_fails_check(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    _submit_as_anna(workspace)
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    decide(project, 1, ReviewState.REJECTED, "redo")
    project.db.execute("UPDATE reviews SET decision = 'approved'")
    with pytest.raises(SignatureError):
        history(project, 1)
    rita.lock()


def test_edit_after_rejection_reopens_work(tmp_path: Path) -> None:
    from labeler.core.annotations import Annotation, AnnotationStore

    workspace = _workspace(tmp_path)
    _submit_as_anna(workspace)
    rita = workspace.sign_in("rita")
    project = rita.open_project(workspace.project_id)
    decide(project, 1, ReviewState.REJECTED, "add the missing box")
    assert project.asset(1).status == "rejected"
    AnnotationStore(project).save(Annotation(1, "bbox", "person",
                                             {"x": 1, "y": 1, "w": 4, "h": 4}))
    assert project.asset(1).status == "in_progress"
    rita.lock()
