"""A frame extraction killed or stopped part-way resumes to the same frames, with no orphans."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labeler.core.ingest import run_import
from labeler.core.verify import verify_workspace
from labeler.core.video.index import read_frame, video_frames
from tests.core.video import VideoWorkspace, build_video_workspace, write_video

REPO = Path(__file__).resolve().parents[3]
FRAMES = 300

# Kills the import from its progress callback once extraction has passed
# frame 150, which is after several frame groups were committed.
_KILL_IN_PROGRESS = """
def progress(step):
    if ": frame " in step.current and int(step.current.split(": frame ")[1].split()[0]) >= 150:
        os.kill(os.getpid(), signal.SIGKILL)
"""

# Kills the import right after the chunk files of the fourth frame group are
# written and synced, before the transaction that names them commits.
_KILL_BEFORE_COMMIT = """
from labeler.core.storage.chunks import ChunkFolder
original = ChunkFolder.write_blob
calls = []
def write_blob(self, *args, **kwargs):
    refs = original(self, *args, **kwargs)
    calls.append(1)
    if len(calls) == 5:  # the video itself, then four frame groups
        os.kill(os.getpid(), signal.SIGKILL)
    return refs
ChunkFolder.write_blob = write_blob
progress = None
"""


def _run_killed(workspace: VideoWorkspace, killer: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from labeler.core.ingest import run_import\n"
        "from tests.core.video import VideoWorkspace\n"
        f"{killer}\n"
        "project = VideoWorkspace(Path(sys.argv[1]), sys.argv[2]).open()\n"
        "run_import(project, next(iter(project.record['buckets'])), progress=progress)\n"
    )
    return subprocess.run([sys.executable, "-c", script, str(workspace.root),
                           workspace.project_id], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def _frames_snapshot(workspace: VideoWorkspace) -> dict[str, Any]:
    project = workspace.open()
    try:
        asset = project.list_assets()[0]
        frames = video_frames(project, asset)
        digests = [hashlib.sha256(read_frame(project, asset, n).tobytes()).hexdigest()
                   for n in range(frames.frame_count)]
        referenced = {row[0] for row in project.db.execute("SELECT file FROM chunks")}
        on_disk = {name for name, _ in project.chunks.all_files()}
        return {"timestamps": frames.timestamps_ms, "digests": digests,
                "finished": frames.is_finished, "frame_count": asset.frame_count,
                "orphans": len(on_disk - referenced), "missing": len(referenced - on_disk),
                "verify": verify_workspace(project.session, deep=True).problems}
    finally:
        project.session.lock()


def _progress_state(workspace: VideoWorkspace) -> tuple[str, int, int]:
    """Return the extraction state, its resume point and the orphaned chunk files."""
    project = workspace.open()
    try:
        row = project.db.execute("SELECT state, frames_done FROM video_extractions").fetchone()
        referenced = {row[0] for row in project.db.execute("SELECT file FROM chunks")}
        orphans = {name for name, _ in project.chunks.all_files()} - referenced
        return str(row[0]), int(row[1]), len(orphans)
    finally:
        project.session.lock()


@pytest.fixture(scope="module")
def bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bucket")
    write_video(folder / "long.mp4", FRAMES, size=(320, 240), noise=True)
    return folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, bucket: Path) -> dict[str, Any]:
    workspace = build_video_workspace(tmp_path_factory.mktemp("reference"), bucket)
    workspace.import_bucket()
    return _frames_snapshot(workspace)


@pytest.mark.slow
@pytest.mark.parametrize("killer, leaves_orphans", [(_KILL_IN_PROGRESS, False),
                                                   (_KILL_BEFORE_COMMIT, True)],
                         ids=["after-progress", "before-commit"])
def test_killed_extraction_resumes_to_same_frames(tmp_path: Path, bucket: Path,
                                                  reference: dict[str, Any], killer: str,
                                                  leaves_orphans: bool) -> None:
    assert len(reference["digests"]) == FRAMES
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    result = _run_killed(workspace, killer)
    assert result.returncode == -signal.SIGKILL, result.stderr
    state, frames_done, orphans = _progress_state(workspace)
    assert state == "running"
    assert 0 < frames_done < FRAMES
    if leaves_orphans:
        assert orphans > 0

    report = workspace.import_bucket()
    assert report.resumed
    assert report.finished
    resumed = _frames_snapshot(workspace)
    assert resumed["timestamps"] == reference["timestamps"]
    assert resumed["digests"] == reference["digests"]
    assert resumed["finished"]
    assert resumed["frame_count"] == FRAMES
    assert resumed["orphans"] == 0
    assert resumed["missing"] == 0
    assert resumed["verify"] == []


def test_stopped_extraction_resumes_to_same_frames(tmp_path: Path, bucket: Path,
                                                   reference: dict[str, Any]) -> None:
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    project = workspace.open()
    seen: list[str] = []
    report = run_import(project, next(iter(project.record["buckets"])),
                        progress=lambda step: seen.append(step.current),
                        should_stop=lambda: any(": frame 100 " in text for text in seen))
    project.session.lock()
    assert not report.finished
    state, frames_done, _orphans = _progress_state(workspace)
    assert (state, frames_done) == ("running", 100)

    assert workspace.import_bucket().finished
    resumed = _frames_snapshot(workspace)
    assert resumed["digests"] == reference["digests"]
    assert resumed["timestamps"] == reference["timestamps"]
    assert resumed["orphans"] == 0
