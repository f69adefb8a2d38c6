"""Locate the shared test corpus that LABELER_CORPUS names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def corpus_path() -> Path:
    """Return the corpus folder named by LABELER_CORPUS.

    Call it from a test or a fixture. When the variable is unset or empty, the
    calling test is skipped. When it names something that is not a folder, the
    test fails, because a run that sets the variable expects the corpus tests to
    run, and a wrong path must not pass as a skip.
    """
    value = os.environ.get("LABELER_CORPUS", "")
    if not value:
        pytest.skip(
            "LABELER_CORPUS is not set; set it to the shared data folder to run "
            "corpus tests"
        )

    path = Path(value).absolute()
    if not path.is_dir():
        pytest.fail(
            f"LABELER_CORPUS is {value!r}, which is not a folder; set it to the "
            "shared data folder, or unset it to skip the corpus tests",
            pytrace=False,
        )
    return path
