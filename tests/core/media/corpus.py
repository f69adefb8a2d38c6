"""Access to the shared test corpus named by the LABELER_CORPUS variable."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pytest

# pydicom's get_testdata_file() downloads files that are not bundled, so the
# tests build paths to the bundled folder instead.
PYDICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def corpus_path(*parts: str) -> Path:
    """Return a path inside the corpus; skip the test when LABELER_CORPUS is unset.

    A set variable that names a missing folder or file fails the test, because
    that is a broken setup rather than an absent corpus.
    """
    root = os.environ.get("LABELER_CORPUS")
    if not root:
        pytest.skip("LABELER_CORPUS is not set: point it at the shared test corpus")
    base = Path(root)
    if not base.is_dir():
        pytest.fail(f"LABELER_CORPUS={root!r} is not a folder")
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"corpus file {path} is missing")
    return path


def pydicom_file(name: str) -> Path:
    """Return a DICOM file bundled with pydicom; fail when it is not bundled."""
    path = PYDICOM_TEST_FILES / name
    if not path.is_file():
        pytest.fail(f"pydicom {pydicom.__version__} does not bundle {name}")
    return path


def corpus_files(folder: str) -> list[str]:
    """List files under a corpus folder, relative to the corpus, for parametrize.

    Without a usable corpus this returns one placeholder name, so the test still
    runs once and `corpus_path` skips or fails it with the reason.
    """
    root = os.environ.get("LABELER_CORPUS")
    if not root or not Path(root, folder).is_dir():
        return [f"{folder}/(corpus not available)"]
    base = Path(root)
    return sorted(
        path.relative_to(base).as_posix()
        for path in Path(root, folder).rglob("*")
        if path.is_file()
    )
