"""Profile export versions, check order, fingerprint messages and request limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from labeler.core import admin
from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.errors import ConfigError
from labeler.core.profile import (
    MAX_VALID_DAYS,
    FingerprintNotAcceptedError,
    ProfileError,
    check_station_id,
    check_valid_days,
    init_station,
    install_profile,
)
from labeler.core.session import Session
from labeler.core.verify import verify_workspace
from tests.core.factories import PASSWORDS, build_workspace

PASSPHRASE = "carry this across the gap"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Session]:
    session = build_workspace(tmp_path / "admin-ws").sign_in("admin")
    yield session
    session.lock()


def _export(session: Session, station: str, out: Path) -> bytes:
    admin.export_profile(session, station=station, passphrase=PASSPHRASE, out=out,
                         not_before=NOW - timedelta(days=1), cost=TEST_KDF_COST)
    return out.read_bytes()


def test_unchanged_exports_install_in_turn(source: Session, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    station = init_station(station_root)
    first = _export(source, station, tmp_path / "first.profile")
    second = _export(source, station, tmp_path / "second.profile")
    fingerprint = source.workspace.org_fingerprint()
    first_header = install_profile(station_root, first, PASSPHRASE,
                                   accepted_fingerprint=fingerprint, now=NOW)
    second_header = install_profile(station_root, second, PASSPHRASE, now=NOW)
    assert second_header.version == first_header.version + 1


def test_damaged_old_profile_reported_as_damage(source: Session, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    station = init_station(station_root)
    old = _export(source, station, tmp_path / "old.profile")
    install_profile(station_root, old, PASSPHRASE,
                    accepted_fingerprint=source.workspace.org_fingerprint(), now=NOW)
    damaged = bytearray(old)
    damaged[-1] ^= 0x01
    with pytest.raises(ProfileError, match="does not match its signed hash"):
        install_profile(station_root, bytes(damaged), PASSPHRASE, now=NOW)


def test_first_install_needs_fingerprint(source: Session, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    data = _export(source, init_station(station_root), tmp_path / "p.profile")
    with pytest.raises(FingerprintNotAcceptedError) as missing:
        install_profile(station_root, data, PASSPHRASE, now=NOW)
    assert missing.value.fingerprint == source.workspace.org_fingerprint()
    assert missing.value.accepted is None
    with pytest.raises(FingerprintNotAcceptedError, match="does not match") as wrong:
        install_profile(station_root, data, PASSPHRASE, accepted_fingerprint="0000 1111",
                        now=NOW)
    assert wrong.value.accepted == "0000 1111"
    assert not (station_root / "workspace.json").exists()


@pytest.mark.parametrize("station", ["st-someone-else", "st-0123", "0123456789abcdef",
                                     "st-0123456789ABCDEF", "st-0123456789abcdef0"])
def test_malformed_station_id_rejected(station: str) -> None:
    with pytest.raises(ConfigError, match="station id .* is invalid"):
        check_station_id(station)


def test_station_id_from_init_accepted(tmp_path: Path) -> None:
    check_station_id(init_station(tmp_path / "station"))


@pytest.mark.parametrize("days", [0, -1, MAX_VALID_DAYS + 1, 10**9])
def test_validity_out_of_range_rejected(days: int, source: Session, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="out of range"):
        check_valid_days(days)
    with pytest.raises(ConfigError, match="out of range"):
        admin.export_profile(source, station="st-0123456789abcdef", passphrase=PASSPHRASE,
                             out=tmp_path / "p.profile", valid_days=days, cost=TEST_KDF_COST)
    assert not (tmp_path / "p.profile").exists()


def test_station_rollback_found_by_verify(source: Session, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    station = init_station(station_root)
    first = _export(source, station, tmp_path / "first.profile")
    install_profile(station_root, first, PASSPHRASE,
                    accepted_fingerprint=source.workspace.org_fingerprint(), now=NOW)
    old_manifest = (station_root / "workspace.json").read_bytes()
    old_trust = (station_root / "trust.json").read_bytes()
    install_profile(station_root, _export(source, station, tmp_path / "second.profile"),
                    PASSPHRASE, now=NOW)
    (station_root / "workspace.json").write_bytes(old_manifest)
    (station_root / "trust.json").write_bytes(old_trust)
    old_version = json.loads(old_manifest)["manifest"]["version"]
    session = Session.sign_in(station_root, "admin", PASSWORDS["admin"])
    try:
        problems = verify_workspace(session).problems
    finally:
        session.lock()
    assert problems == [f"the manifest is version {old_version} but the audit log records "
                        f"version {old_version + 1}: an older manifest was put back"]
