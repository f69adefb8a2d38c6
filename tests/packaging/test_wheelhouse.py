"""packaging/build_wheelhouse.sh: build once, then install offline into a new venv.

Building downloads about 180 MB from PyPI unless pip's cache has the wheels.
With a warm cache the module took 15 s on a 2-core Debian 12 machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _network_isolation() -> list[str]:
    """Return the command prefix that cuts the network off, or [] where unshare cannot."""
    command = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "-rn"]
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run([*command, "true"], capture_output=True, check=False)
    return command if probe.returncode == 0 else []


def _clean_environment(tmp: Path) -> dict[str, str]:
    """Return an environment with no PIP_* variables, display or venv of the caller."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp / "home"), "TMPDIR": str(tmp / "tmp"),
            "LANG": "C.UTF-8"}


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse") / "wheelhouse"
    subprocess.run(["bash", "packaging/build_wheelhouse.sh", "--output", str(folder)],
                   cwd=REPO_ROOT, check=True, timeout=600)
    return folder


@pytest.fixture(scope="module")
def installed_venv(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("offline-install")
    (tmp / "home").mkdir()
    (tmp / "tmp").mkdir()
    copy = tmp / "copied-wheelhouse"
    shutil.copytree(wheelhouse, copy)
    subprocess.run([*_network_isolation(), str(copy / "install.sh"), str(tmp / "venv")],
                   env=_clean_environment(tmp), check=True, timeout=600)
    return tmp / "venv"


def test_lock_pins_every_wheel_by_hash(wheelhouse: Path) -> None:
    lines = [line for line in (wheelhouse / "requirements.lock").read_text().splitlines()
             if line and not line.startswith("#")]
    wheels = sorted(wheelhouse.glob("*.whl"))
    hashes = {hashlib.sha256(path.read_bytes()).hexdigest() for path in wheels}

    assert len(lines) == len(wheels)
    assert any(line.startswith("labeler==") for line in lines)
    assert {line.split("--hash=sha256:")[1] for line in lines} == hashes


def test_sbom_lists_every_wheel(wheelhouse: Path) -> None:
    sbom = json.loads((wheelhouse / "labeler.cdx.json").read_text())
    names = {component["name"] for component in sbom["components"]}

    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["specVersion"] == "1.5"
    assert sbom["metadata"]["component"]["purl"].startswith("pkg:pypi/labeler@")
    assert {"pyside6-essentials", "sqlcipher3", "cryptography", "numpy"} <= names
    assert len(sbom["components"]) == len(list(wheelhouse.glob("*.whl"))) - 1
    assert all(component["hashes"][0]["alg"] == "SHA-256" for component in sbom["components"])


def test_sha256sums_cover_the_folder(wheelhouse: Path) -> None:
    listed = {line.split()[1] for line in (wheelhouse / "SHA256SUMS").read_text().splitlines()}

    assert listed == {path.name for path in wheelhouse.iterdir()} - {"SHA256SUMS"}
    subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=wheelhouse, check=True)


def test_offline_install_runs_labeler(installed_venv: Path) -> None:
    result = subprocess.run([str(installed_venv / "bin" / "labeler"), "--version"],
                            capture_output=True, text=True, check=True, timeout=60)

    assert result.stdout.startswith("labeler ")


def test_offline_install_passes_self_test(installed_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    result = subprocess.run(
        [*_network_isolation(), str(installed_venv / "bin" / "labeler"), "self-test"],
        env=_clean_environment(tmp_path), capture_output=True, text=True, timeout=300,
        check=False)

    assert result.returncode == 0, result.stdout + result.stderr
