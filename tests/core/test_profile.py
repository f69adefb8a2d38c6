"""Profiles: every damaged, foreign, old or misdirected file is rejected with no change."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from labeler.core import admin
from labeler.core.crypto.keyring import OrgKeys
from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.profile import (
    ProfileError,
    build_profile,
    init_station,
    install_profile,
)
from labeler.core.session import Session
from tests.core.factories import PASSWORDS, build_workspace

PASSPHRASE = "carry this across the gap"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def _state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, object]:
    """An admin workspace, a station folder with version 1 installed, and a version-3 profile."""
    source = build_workspace(tmp_path / "admin-ws")
    station_root = tmp_path / "station"
    station = init_station(station_root)
    admin_session = source.sign_in("admin")
    first = tmp_path / "v1.profile"
    admin.export_profile(admin_session, station=station, passphrase=PASSPHRASE, out=first,
                         not_before=NOW - timedelta(days=1), cost=TEST_KDF_COST)
    fingerprint = admin_session.workspace.org_fingerprint()
    install_profile(station_root, first.read_bytes(), PASSPHRASE,
                    accepted_fingerprint=fingerprint, now=NOW)
    admin_session.add_team("extra")
    profile = tmp_path / "new.profile"
    admin.export_profile(admin_session, station=station, passphrase=PASSPHRASE, out=profile,
                         not_before=NOW - timedelta(days=1), cost=TEST_KDF_COST)
    return {"source": source, "session": admin_session, "station_root": station_root,
            "station": station, "profile": profile.read_bytes(), "old": first.read_bytes(),
            "fingerprint": fingerprint}


def _rejected(setup: dict[str, object], data: bytes, *, passphrase: str = PASSPHRASE,
              now: datetime = NOW, match: str | None = None) -> None:
    root: Path = setup["station_root"]  # type: ignore[assignment]
    before = _state(root)
    with pytest.raises(ProfileError, match=match):
        install_profile(root, data, passphrase, now=now)
    assert _state(root) == before


def test_valid_profile_installs(setup: dict[str, object]) -> None:
    root: Path = setup["station_root"]  # type: ignore[assignment]
    header = install_profile(root, setup["profile"], PASSPHRASE, now=NOW)  # type: ignore[arg-type]
    assert header.version > 1
    session = Session.sign_in(root, "anna", PASSWORDS["anna"])
    assert "extra" in session.workspace.manifest["teams"]
    project = session.open_project(setup["source"].project_id)  # type: ignore[attr-defined]
    assert project.count_assets() == 0
    session.lock()


def test_every_flipped_byte_is_rejected(setup: dict[str, object]) -> None:
    data: bytes = setup["profile"]  # type: ignore[assignment]
    rng = random.Random(4)
    offsets = sorted({0, 15, 16, 20, len(data) - 1, *rng.sample(range(len(data)), 60)})
    for offset in offsets:
        damaged = bytearray(data)
        damaged[offset] ^= 0x01 << rng.randrange(8)
        _rejected(setup, bytes(damaged))


def test_other_org_key_is_rejected(setup: dict[str, object]) -> None:
    session: Session = setup["session"]  # type: ignore[assignment]
    other = OrgKeys.generate()
    document = {"manifest": session.workspace.manifest, "signature": "AAAA"}
    data = build_profile(manifest_document=document, keyrings={}, station=setup["station"],
                         not_before=NOW - timedelta(days=1), expires=NOW + timedelta(days=9),
                         passphrase=PASSPHRASE, sign=other.sign,
                         org_public_key=other.public_signing_key, cost=TEST_KDF_COST)
    _rejected(setup, data, match="another organisation key")


def test_older_or_equal_version_is_rejected(setup: dict[str, object]) -> None:
    _rejected(setup, setup["old"], match="not newer")  # type: ignore[arg-type]
    root: Path = setup["station_root"]  # type: ignore[assignment]
    install_profile(root, setup["profile"], PASSPHRASE, now=NOW)  # type: ignore[arg-type]
    _rejected(setup, setup["profile"], match="not newer")  # type: ignore[arg-type]


def test_expired_profile_is_rejected(setup: dict[str, object]) -> None:
    _rejected(setup, setup["profile"], now=NOW + timedelta(days=60),  # type: ignore[arg-type]
              match="expired")


def test_not_yet_valid_profile_is_rejected(setup: dict[str, object]) -> None:
    _rejected(setup, setup["profile"], now=NOW - timedelta(days=3),  # type: ignore[arg-type]
              match="not valid before")


def test_profile_for_other_station_is_rejected(setup: dict[str, object], tmp_path: Path) -> None:
    session: Session = setup["session"]  # type: ignore[assignment]
    out = tmp_path / "other.profile"
    admin.export_profile(session, station="st-00000000000000ff", passphrase=PASSPHRASE, out=out,
                         not_before=NOW - timedelta(days=1), cost=TEST_KDF_COST)
    _rejected(setup, out.read_bytes(), match="made for station")


def test_truncated_profile_is_rejected(setup: dict[str, object]) -> None:
    data: bytes = setup["profile"]  # type: ignore[assignment]
    for length in (0, 10, 40, len(data) // 2, len(data) - 1):
        _rejected(setup, data[:length])


def test_trailing_bytes_are_rejected(setup: dict[str, object]) -> None:
    data: bytes = setup["profile"]  # type: ignore[assignment]
    _rejected(setup, data + b"\x00", match="trailing bytes")


def test_wrong_passphrase_is_rejected(setup: dict[str, object]) -> None:
    _rejected(setup, setup["profile"], passphrase="not the passphrase",  # type: ignore[arg-type]
              match="wrong transport passphrase")


def test_first_install_needs_fingerprint(setup: dict[str, object], tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-station"
    station = init_station(fresh)
    session: Session = setup["session"]  # type: ignore[assignment]
    out = tmp_path / "fresh.profile"
    admin.export_profile(session, station=station, passphrase=PASSPHRASE, out=out,
                         not_before=NOW - timedelta(days=1), cost=TEST_KDF_COST)
    before = _state(fresh)
    with pytest.raises(ProfileError, match="fingerprint"):
        install_profile(fresh, out.read_bytes(), PASSPHRASE, now=NOW)
    with pytest.raises(ProfileError, match="fingerprint"):
        install_profile(fresh, out.read_bytes(), PASSPHRASE, now=NOW,
                        accepted_fingerprint="0000 1111")
    assert _state(fresh) == before
    install_profile(fresh, out.read_bytes(), PASSPHRASE, now=NOW,
                    accepted_fingerprint=str(setup["fingerprint"]))
