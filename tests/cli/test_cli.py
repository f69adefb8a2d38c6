"""The `labeler` command run as a new user would: a subprocess, passwords on a descriptor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.core.crypto.primitives import DEFAULT_KDF_COST

REPO = Path(__file__).resolve().parents[2]
ADMIN = "admin-password-1"
REVIEWER = "reviewer-password-1"
ANNOTATOR = "annotator-password-1"


def labeler(workspace: Path, *args: str, passwords: list[str] = (),
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m labeler` with passwords fed through an inherited pipe."""
    read_end, write_end = os.pipe()
    os.write(write_end, "".join(p + "\n" for p in passwords).encode())
    os.close(write_end)
    env = {**os.environ, "LABELER_WORKSPACE": str(workspace),
           "LABELER_LOG_DIR": str(workspace.parent / "logs")}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "labeler", "--password-fd", str(read_end), *args],
            pass_fds=(read_end,), env=env, cwd=REPO, capture_output=True, text=True,
            timeout=120)
    finally:
        os.close(read_end)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace made only through the CLI, with the demo bucket imported."""
    root = tmp_path_factory.mktemp("cli") / "ws"
    labeler(root, "init", "--admin", "admin", passwords=[ADMIN])
    labeler(root, "-u", "admin", "team", "add", "radiology", passwords=[ADMIN])
    labeler(root, "-u", "admin", "user", "add", "rita", "--role", "reviewer",
            "--team", "radiology", passwords=[ADMIN, REVIEWER])
    labeler(root, "-u", "admin", "user", "add", "anna", "--role", "annotator",
            "--team", "radiology", passwords=[ADMIN, ANNOTATOR])
    labeler(root, "-u", "admin", "project", "create", "Demo",
            "--ontology", str(REPO / "resources/demo/ontology.toml"),
            "--policy", str(REPO / "resources/demo/policy.toml"),
            "--team", "radiology", passwords=[ADMIN])
    labeler(root, "-u", "admin", "bucket", "add", "demo",
            str(REPO / "resources/demo/bucket"), passwords=[ADMIN])
    result = labeler(root, "-u", "admin", "import", "demo", passwords=[ADMIN])
    assert "12 added" in result.stdout
    return root


def test_assets_listed_with_status(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "-u", "anna", "assets", "demo", passwords=[ANNOTATOR])
    assert "12 assets" in result.stdout
    assert "new\tdicom\t128x128\tscans/CT_small.dcm" in result.stdout


def test_fields_differ_by_role(demo_workspace: Path) -> None:
    annotator = labeler(demo_workspace, "-u", "anna", "fields", "demo", "scans/CT_small.dcm",
                        passwords=[ANNOTATOR]).stdout
    reviewer = labeler(demo_workspace, "-u", "rita", "fields", "demo", "scans/CT_small.dcm",
                       passwords=[REVIEWER]).stdout
    assert "CompressedSamples^CT1" not in annotator
    assert "dicom.PatientName: C. (masked)" in reviewer or "dicom.PatientName: C." in reviewer
    assert "dicom.Modality: CT" in annotator
    assert "fields are hidden from your role" in annotator


def test_wrong_password_is_one_plain_line(demo_workspace: Path) -> None:
    before = {p: p.read_bytes() for p in demo_workspace.rglob("*")
              if p.is_file() and "audit" not in p.parts and p.name != "lockout.json"}
    result = labeler(demo_workspace, "-u", "anna", "assets", "demo",
                     passwords=["not-the-password"], check=False)
    assert result.returncode == 5
    assert result.stderr == "error: wrong user name or password\n"
    assert "Traceback" not in result.stdout + result.stderr
    after = {p: p.read_bytes() for p in demo_workspace.rglob("*")
             if p.is_file() and "audit" not in p.parts and p.name != "lockout.json"}
    assert after == before


def test_debug_adds_traceback(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "--debug", "-u", "anna", "assets", "demo",
                     passwords=["not-the-password"], check=False)
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("error: wrong user name or password")


def test_annotator_cannot_import(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "-u", "anna", "import", "demo", passwords=[ANNOTATOR],
                     check=False)
    assert result.returncode == 4
    assert "may not import" in result.stderr


def test_password_is_not_accepted_on_command_line(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "-u", "anna", "assets", "demo", "--password", ANNOTATOR,
                     check=False)
    assert result.returncode == 2
    assert ANNOTATOR not in result.stderr


def test_verify_reports_intact_workspace(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "-u", "admin", "verify", passwords=[ADMIN])
    assert "audit chain intact" in result.stdout
    assert "no problems found" in result.stdout


def test_verify_reports_damaged_chunk(tmp_path: Path, demo_workspace: Path) -> None:
    import shutil

    copy = tmp_path / "ws"
    shutil.copytree(demo_workspace, copy)
    chunk = next((copy / "projects" / "demo" / "chunks").rglob("*.chunk"))
    chunk.unlink()
    result = labeler(copy, "-u", "admin", "verify", passwords=[ADMIN], check=False)
    assert result.returncode == 6
    assert "chunk files missing" in result.stderr


def test_change_password(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    labeler(root, "init", "--admin", "admin", passwords=[ADMIN])
    labeler(root, "-u", "admin", "passwd", passwords=[ADMIN, "another-password-2"])
    assert labeler(root, "-u", "admin", "user", "list").returncode == 0
    old = labeler(root, "-u", "admin", "project", "list", passwords=[ADMIN], check=False)
    assert old.returncode == 5
    labeler(root, "-u", "admin", "project", "list", passwords=["another-password-2"])


def test_reimport_reports_nothing_new(demo_workspace: Path) -> None:
    result = labeler(demo_workspace, "-u", "admin", "import", "demo", "--quiet",
                     passwords=[ADMIN])
    assert "0 added, 0 changed, 12 unchanged" in result.stdout


def test_default_key_derivation_is_costly() -> None:
    assert DEFAULT_KDF_COST.memory_kib >= 64 * 1024
    assert DEFAULT_KDF_COST.iterations >= 3


@pytest.mark.parametrize("command", [["export", "demo", "out.json"], ["audit", "show", "demo"],
                                     ["audit", "show"], ["import", "demo"]])
def test_annotator_is_denied(demo_workspace: Path, tmp_path: Path, command: list[str]) -> None:
    arguments = [str(tmp_path / a) if a.endswith(".json") else a for a in command]
    result = labeler(demo_workspace, "-u", "anna", *arguments, passwords=[ANNOTATOR],
                     check=False)
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith("error: user 'anna' (annotator) may not")
    assert not (tmp_path / "out.json").exists()


def test_reviewer_reads_audit_admin_exports(demo_workspace: Path, tmp_path: Path) -> None:
    audit = labeler(demo_workspace, "-u", "admin", "audit", "show", "demo", passwords=[ADMIN])
    assert "import_finished" in audit.stdout
    workspace_log = labeler(demo_workspace, "-u", "admin", "audit", "show", passwords=[ADMIN])
    assert "sign_in_failed" in workspace_log.stdout
    out = tmp_path / "export.json"
    labeler(demo_workspace, "-u", "admin", "export", "demo", str(out), passwords=[ADMIN])
    assert '"assets"' in out.read_text()


def test_profile_carried_to_new_station(demo_workspace: Path, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    station = labeler(station_root, "station", "init").stdout.strip()
    profile = tmp_path / "station.profile"
    exported = labeler(demo_workspace, "-u", "admin", "profile", "export", "--station", station,
                       "--out", str(profile), passwords=[ADMIN, "a long transport passphrase"])
    fingerprint = exported.stdout.strip().rsplit(": ", 1)[1]
    refused = labeler(station_root, "profile", "install", str(profile),
                      passwords=["a long transport passphrase"], check=False)
    assert refused.returncode == 2
    assert "fingerprint" in refused.stderr
    labeler(station_root, "profile", "install", str(profile), "--accept-fingerprint",
            fingerprint, passwords=["a long transport passphrase"])
    result = labeler(station_root, "-u", "anna", "project", "list", passwords=[ANNOTATOR])
    assert "demo" in result.stdout
