"""`labeler self-test`: the command from source, and checks that must fail when broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.core.crypto.keyring import add_project_grant
from labeler.core.selftest import (
    SelfTestError,
    SelfTestWorkspace,
    build_workspace,
    check_key_hierarchy,
    check_libraries_load,
    check_no_plaintext,
    collect_plaintext_markers,
    run_self_test,
)
from labeler.core.storage import store

CHECK_NAMES = (
    "libraries load",
    "network guard",
    "cipher settings",
    "demo import",
    "key hierarchy",
    "no plaintext on disk",
    "temporary files removed",
    "Qt platform plugins",
)
LIBRARY_NAMES = (
    "Python", "SQLCipher", "SQLite (SQLCipher)", "OpenSSL (SQLCipher)",
    "OpenSSL (cryptography)", "OpenCV", "FFmpeg (OpenCV)", "libjpeg-turbo (Pillow)",
    "Pillow", "simplejpeg", "pydicom", "numpy", "Qt (PySide6)",
)


@pytest.fixture
def self_test_workspace(tmp_path: Path) -> SelfTestWorkspace:
    built: list[SelfTestWorkspace] = []
    build_workspace(tmp_path / "workspace", built)
    return built[0]


def test_self_test_command_passes(tmp_path: Path) -> None:
    temp_folder = tmp_path / "tmp"
    temp_folder.mkdir()
    environment = {**os.environ, "TMPDIR": str(temp_folder),
                   "LABELER_LOG_DIR": str(tmp_path / "logs")}

    result = subprocess.run([sys.executable, "-m", "labeler", "self-test"], env=environment,
                            capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in CHECK_NAMES:
        assert any(line.startswith("PASS  " + name) for line in lines), name
    assert not any(line.startswith("FAIL") for line in lines)
    for name in LIBRARY_NAMES:
        assert any(line.strip().startswith(name) for line in lines), name
    assert lines[-1] == f"self-test passed: {len(CHECK_NAMES)} of {len(CHECK_NAMES)} checks"
    assert list(temp_folder.iterdir()) == []


def test_changed_cipher_pin_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(store.PINNED_CIPHER_SETTINGS, "cipher_page_size", "8192")

    report = run_self_test(temp_parent=tmp_path)

    results = {check.name: check for check in report.checks}
    assert not report.passed
    assert not results["cipher settings"].passed
    assert "cipher_page_size is '4096', expected '8192'" in results["cipher settings"].detail
    assert results["network guard"].passed
    assert results["temporary files removed"].passed
    assert list(tmp_path.iterdir()) == []


def test_unloadable_library_fails() -> None:
    result = check_libraries_load([("numpy", "2.0"), ("OpenCV", "unavailable (ImportError: x)")])

    assert not result.passed
    assert result.detail == "cannot load: OpenCV"


def test_plaintext_in_workspace_fails(self_test_workspace: SelfTestWorkspace) -> None:
    markers = collect_plaintext_markers(self_test_workspace.bucket, csv_name="metadata.csv")
    leaked = markers["column 'patient_id' of metadata.csv"]
    (self_test_workspace.root / "export.tmp").write_bytes(b"header " + leaked + b" footer")

    with pytest.raises(SelfTestError, match="export.tmp contains plaintext from column"):
        check_no_plaintext(self_test_workspace)


def test_clean_workspace_has_no_plaintext(self_test_workspace: SelfTestWorkspace) -> None:
    assert "absent from" in check_no_plaintext(self_test_workspace)


def test_annotator_with_every_class_key_fails(self_test_workspace: SelfTestWorkspace) -> None:
    admin = self_test_workspace.sign_in("admin")
    try:
        keys = admin.keyring.project_keys(self_test_workspace.project_id)
        assert admin.keyring.org is not None
        document = admin.workspace.read_keyring("self-test-annotator")
        add_project_grant(document, admin.keyring.org, keys)
        admin.workspace.write_keyring("self-test-annotator", document)
    finally:
        admin.lock()

    with pytest.raises(SelfTestError, match="an annotator key decrypts field"):
        check_key_hierarchy(self_test_workspace)


def test_key_hierarchy_passes_on_demo_policy(self_test_workspace: SelfTestWorkspace) -> None:
    assert "none opened by the annotator's" in check_key_hierarchy(self_test_workspace)
