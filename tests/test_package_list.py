"""pyproject.toml lists every package, so a wheel install is complete."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_package_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "labeler").rglob("__init__.py")
    }
    assert on_disk - listed == set()
    assert "labeler.resources" in listed
    assert config["tool"]["setuptools"]["package-dir"]["labeler.resources"] == "resources"
