"""Workstation profiles: one signed, encrypted file carried across the air gap.

File layout (all integers big-endian)::

    magic      b"LABELER-PROFILE\\x01"  (16 bytes)
    header     4-byte length, then canonical JSON: format, manifest version,
               station, not_before, expires, org public key, the transport
               key-derivation settings, nonce, and the SHA-256 of the payload
    signature  64-byte Ed25519 signature by the organisation key over
               magic + header length + header
    payload    8-byte length, then AES-256-GCM ciphertext under a key derived
               from the transport passphrase with Argon2id; the AAD is the
               signed header, so header and payload cannot be mixed

Installing checks, in this order and before touching any file: the magic, the
exact length (no truncation, no trailing bytes), the signature against the
pinned organisation key (or, on a first install, the fingerprint the admin read
out), the payload hash, the version (greater than the installed one), the
validity period, the station; only then is the payload decrypted and parsed.
The hash comes before the version so that a damaged file is reported as
damaged, not as old. A profile that fails any check is rejected whole and the
workspace folder is left byte-identical. An installed profile appends a
`manifest_written` entry to the workspace audit log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from labeler.core.crypto.primitives import (
    DEFAULT_KDF_COST,
    KdfCost,
    KdfParams,
    b64decode,
    b64encode,
    decrypt,
    derive_key,
    encrypt,
    fingerprint,
    verify_signature,
)
from labeler.core.errors import ConfigError, CryptoError, SignatureError
from labeler.core.files import atomic_write, atomic_write_json, canonical_json, read_json
from labeler.core.workspace import Workspace

MAGIC: Final = b"LABELER-PROFILE\x01"
FORMAT: Final = "labeler-profile"
MAX_HEADER_BYTES: Final = 64 * 1024
MAX_PAYLOAD_BYTES: Final = 512 * 1024 * 1024
STATION_FILE: Final = "station.json"
MAX_VALID_DAYS: Final = 3650
# The form `init_station` makes: "st-" and 8 random bytes in lowercase hex.
_STATION_ID: Final = re.compile(r"^st-[0-9a-f]{16}$")


class ProfileError(ConfigError):
    """A profile file was rejected; the message names the check that failed."""


class FingerprintNotAcceptedError(ProfileError):
    """A first install without the organisation key fingerprint, or with another one."""

    def __init__(self, message: str, *, fingerprint: str, accepted: str | None) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint
        self.accepted = accepted


@dataclass(frozen=True)
class ProfileHeader:
    version: int
    station: str
    not_before: str
    expires: str
    org_public_key: bytes
    raw: dict[str, Any]


def _utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ProfileError(f"the profile has an invalid date {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def station_id(workspace_root: Path) -> str | None:
    path = workspace_root / STATION_FILE
    if not path.exists():
        return None
    return str(read_json(path, what="the station file")["station"])


def check_station_id(station: str) -> None:
    """Raise ConfigError unless `station` has the form `init_station` makes."""
    if not _STATION_ID.match(station):
        raise ConfigError(
            f"station id {station!r} is invalid: expected 'st-' and 16 hexadecimal digits, "
            "as 'labeler station init' prints on the station")


def check_valid_days(valid_days: int) -> None:
    """Raise ConfigError unless a profile's validity is 1 to MAX_VALID_DAYS days."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ConfigError(
            f"a profile's validity of {valid_days} days is out of range: use 1 to "
            f"{MAX_VALID_DAYS} days")


def init_station(workspace_root: Path) -> str:
    """Give this workspace folder a random station id (once) and return it."""
    existing = station_id(workspace_root)
    if existing:
        return existing
    workspace_root.mkdir(parents=True, exist_ok=True)
    station = "st-" + os.urandom(8).hex()
    atomic_write_json(workspace_root / STATION_FILE, {"station": station})
    return station


# -- writing ------------------------------------------------------------------------


def build_profile(*, manifest_document: dict[str, Any], keyrings: dict[str, dict[str, Any]],
                  station: str, not_before: datetime, expires: datetime, passphrase: str,
                  sign: Any, org_public_key: bytes,
                  cost: KdfCost = DEFAULT_KDF_COST) -> bytes:
    """Return the bytes of a profile for one station."""
    if len(passphrase) < 12:
        raise ConfigError("a transport passphrase needs at least 12 characters")
    if expires <= not_before:
        raise ConfigError("the profile must expire after it becomes valid")
    params = cost.new_params()
    key = derive_key(passphrase, params)
    payload_plain = canonical_json({"manifest": manifest_document, "keyrings": keyrings})
    header = {
        "format": FORMAT,
        "format_version": 1,
        "version": int(manifest_document["manifest"]["version"]),
        "station": station,
        "not_before": not_before.astimezone(timezone.utc).isoformat(),
        "expires": expires.astimezone(timezone.utc).isoformat(),
        "org_public_key": b64encode(org_public_key),
        "transport_kdf": params.to_json(),
    }
    # The payload hash must be in the signed header, but the AAD is the header:
    # encrypt with a header that names no hash, then sign the header with it.
    ciphertext = encrypt(key, payload_plain, canonical_json(header))
    key.wipe()
    header["payload_sha256"] = hashlib.sha256(ciphertext).hexdigest()
    header_bytes = canonical_json(header)
    signed = MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes
    signature = sign(signed)
    return signed + signature + len(ciphertext).to_bytes(8, "big") + ciphertext


# -- reading -----------------------------------------------------------------------------


def _split(data: bytes) -> tuple[bytes, dict[str, Any], bytes, bytes]:
    if not data.startswith(MAGIC):
        raise ProfileError("the file is not a Labeler profile (wrong magic bytes)")
    position = len(MAGIC)
    if len(data) < position + 4:
        raise ProfileError("the profile is truncated")
    header_length = int.from_bytes(data[position:position + 4], "big")
    if header_length > MAX_HEADER_BYTES:
        raise ProfileError("the profile header is too large; the file is damaged")
    header_end = position + 4 + header_length
    signature_end = header_end + 64
    if len(data) < signature_end + 8:
        raise ProfileError("the profile is truncated")
    payload_length = int.from_bytes(data[signature_end:signature_end + 8], "big")
    if payload_length > MAX_PAYLOAD_BYTES:
        raise ProfileError("the profile payload is too large; the file is damaged")
    expected = signature_end + 8 + payload_length
    if len(data) < expected:
        raise ProfileError("the profile is truncated")
    if len(data) > expected:
        raise ProfileError("the profile has trailing bytes after its end; the file was changed")
    header_bytes = data[position + 4:header_end]
    try:
        header = json.loads(header_bytes)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProfileError("the profile header is not valid JSON; the file is damaged") from error
    if not isinstance(header, dict) or canonical_json(header) != header_bytes:
        raise ProfileError("the profile header is not in canonical form; the file was changed")
    return data[:header_end], header, data[header_end:signature_end], data[signature_end + 8:]


def read_profile_header(data: bytes, *, pinned_org_key: bytes | None,
                        accepted_fingerprint: str | None) -> tuple[ProfileHeader, bytes, bytes]:
    """Check structure and signature; return the header, the signed header bytes and payload."""
    signed, header, signature, payload = _split(data)
    if header.get("format") != FORMAT or header.get("format_version") != 1:
        raise ProfileError("the profile has an unsupported format version")
    try:
        org_key = b64decode(str(header["org_public_key"]), what="the organisation key")
    except (KeyError, CryptoError) as error:
        raise ProfileError("the profile names no valid organisation key") from error
    if pinned_org_key is not None:
        if org_key != pinned_org_key:
            raise ProfileError(
                "the profile is signed by another organisation key than the one pinned "
                "on this station; it is rejected")
    elif accepted_fingerprint is None:
        raise FingerprintNotAcceptedError(
            "first install: compare the organisation key fingerprint "
            f"{fingerprint(org_key)} with the one your admin read out, then accept it",
            fingerprint=fingerprint(org_key), accepted=None)
    elif _normalise(accepted_fingerprint) != _normalise(fingerprint(org_key)):
        raise FingerprintNotAcceptedError(
            f"the accepted fingerprint {accepted_fingerprint!r} does not match the profile's "
            f"organisation key fingerprint {fingerprint(org_key)}; do not install the profile "
            "unless your admin confirms that fingerprint",
            fingerprint=fingerprint(org_key), accepted=accepted_fingerprint)
    try:
        verify_signature(org_key, signature, signed)
    except SignatureError as error:
        raise ProfileError("the profile signature is invalid; the file was changed") from error
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise ProfileError("the profile payload does not match its signed hash; "
                           "the file is damaged")
    parsed = ProfileHeader(int(header["version"]), str(header["station"]),
                           str(header["not_before"]), str(header["expires"]), org_key, header)
    return parsed, signed, payload


def _normalise(text: str) -> str:
    return "".join(text.split()).upper()


def check_header(header: ProfileHeader, *, installed_version: int, station: str | None,
                 now: datetime) -> None:
    if header.version <= installed_version:
        raise ProfileError(
            f"the profile is version {header.version}, not newer than the installed "
            f"version {installed_version}; an old profile cannot be installed again")
    if now < _utc(header.not_before):
        raise ProfileError(f"the profile is not valid before {header.not_before}")
    if now >= _utc(header.expires):
        raise ProfileError(f"the profile expired at {header.expires}; ask for a new one")
    if station is None:
        raise ProfileError("this workspace folder has no station id; run 'labeler station init'")
    if header.station != station:
        raise ProfileError(
            f"the profile was made for station {header.station}, not this station ({station})")


def decrypt_payload(header: ProfileHeader, payload: bytes, passphrase: str) -> dict[str, Any]:
    # Checked again here because callers may decrypt without `read_profile_header`.
    if hashlib.sha256(payload).hexdigest() != header.raw.get("payload_sha256"):
        raise ProfileError("the profile payload does not match its signed hash")
    params = KdfParams.from_json(header.raw["transport_kdf"])
    key = derive_key(passphrase, params)
    aad_header = {k: v for k, v in header.raw.items() if k != "payload_sha256"}
    try:
        plain = decrypt(key, payload, canonical_json(aad_header))
    except CryptoError as error:
        raise ProfileError("wrong transport passphrase, or the payload is damaged") from error
    finally:
        key.wipe()
    contents = json.loads(plain)
    if not isinstance(contents, dict) or "manifest" not in contents or "keyrings" not in contents:
        raise ProfileError("the profile payload is incomplete")
    return contents


def _check_payload(header: ProfileHeader, contents: dict[str, Any]) -> None:
    document = contents["manifest"]
    manifest = document.get("manifest", {})
    verify_signature(header.org_public_key,
                     b64decode(document["signature"], what="the manifest signature"),
                     canonical_json(manifest))
    if int(manifest.get("version", -1)) != header.version:
        raise ProfileError("the manifest inside the profile has another version than its header")
    if b64decode(manifest["org_public_key"], what="a key") != header.org_public_key:
        raise ProfileError("the manifest inside the profile names another organisation key")
    unknown = set(contents["keyrings"]) - set(manifest.get("users", {}))
    if unknown:
        raise ProfileError(f"the profile carries keyrings of unknown users {sorted(unknown)}")


def install_profile(workspace_root: Path, data: bytes, passphrase: str, *,
                    accepted_fingerprint: str | None = None,
                    now: datetime | None = None) -> ProfileHeader:
    """Verify a profile completely, then install its manifest and keyrings.

    Keyrings of users already on this station keep their password wrap (the
    user's own password) and take the profile's grants; new users get the
    profile's keyring, wrapped under the one-time password the admin gave them.
    """
    now = now or datetime.now(timezone.utc)
    trust_path = workspace_root / "trust.json"
    trust = read_json(trust_path, what="the trust file") if trust_path.exists() else {}
    pinned = b64decode(trust["org_public_key"], what="the pinned key") if trust else None
    header, _signed, payload = read_profile_header(
        data, pinned_org_key=pinned, accepted_fingerprint=accepted_fingerprint)
    check_header(header, installed_version=int(trust.get("manifest_version", 0)),
                 station=station_id(workspace_root), now=now)
    contents = decrypt_payload(header, payload, passphrase)
    try:
        _check_payload(header, contents)
    except (SignatureError, KeyError, CryptoError) as error:
        raise ProfileError(f"the profile's manifest does not verify: {error}") from error
    _write_installation(workspace_root, header, contents)
    return header


def _write_installation(root: Path, header: ProfileHeader, contents: dict[str, Any]) -> None:
    (root / "keyrings").mkdir(parents=True, exist_ok=True)
    manifest = contents["manifest"]["manifest"]
    for user, document in sorted(contents["keyrings"].items()):
        path = root / "keyrings" / f"{user}.json"
        if path.exists():
            existing = read_json(path, what=f"the keyring of {user!r}")
            if existing.get("encryption_public") == document.get("encryption_public"):
                document = {**existing, "grants": document["grants"]}
        atomic_write_json(path, document)
    for path in sorted((root / "keyrings").glob("*.json")):
        if path.stem not in manifest.get("users", {}):
            path.unlink()
    atomic_write(root / "workspace.json",
                 json.dumps(contents["manifest"], indent=2, sort_keys=True).encode() + b"\n")
    atomic_write_json(root / "trust.json", {
        "org_public_key": b64encode(header.org_public_key),
        "manifest_version": header.version,
        "workspace_id": manifest["workspace_id"],
    })
    Workspace(root).audit_log.append(user="", action="manifest_written",
                                     details={"version": header.version, "source": "profile"})

