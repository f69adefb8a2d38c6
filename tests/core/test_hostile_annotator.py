"""A hostile annotator with a copy of the workspace, the password and a Python shell.

The script below uses only sqlcipher3 and cryptography, not Labeler's read
paths: it unlocks the keyring, opens every store with every store key, and
tries every key it holds on every blob column and every chunk file, with and
without the AADs Labeler uses. It must recover none of the restricted values
as the annotator and all of them as the reviewer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from labeler.core.crypto import keyring as keyrings
from labeler.core.ingest import run_import
from labeler.core.workspace import Workspace
from tests.core.factories import PASSWORDS, build_workspace

RESTRICTED = {
    "sidecar.hidden_note": "HIDDEN-NOTE-31337",
    "sidecar.diagnosis": "DIAG-RESTRICTED-42",
    "sidecar.case_number": "CASE-SECRET-99017",  # masked for annotators: the full form is restricted
}


# Values inside the files themselves: the policy hides both from annotators,
# and shows reviewers the patient name masked only.
EMBEDDED = {"dicom.PatientName": "Embedded^Patient", "exif.Artist": "EMBEDDED-ARTIST-77"}


def _write_embedded(bucket: Path) -> None:
    from PIL import Image
    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    dataset = dcmread(get_testdata_file("CT_small.dcm"))
    dataset.PatientName = EMBEDDED["dicom.PatientName"]
    dataset.save_as(bucket / "scan.dcm")
    exif = Image.Exif()
    exif[0x013B] = EMBEDDED["exif.Artist"]
    Image.new("RGB", (32, 32), (10, 200, 30)).save(bucket / "photo.jpg", exif=exif)


def _build(tmp_path: Path) -> Path:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    _write_embedded(bucket)
    for index in range(3):
        (bucket / f"doc-{index}.txt").write_text(f"ordinary document {index}\n")
        (bucket / f"doc-{index}.txt.json").write_text(json.dumps(
            {key.split(".", 1)[1]: f"{value}-{index}" for key, value in RESTRICTED.items()}))
    workspace = build_workspace(tmp_path / "ws", bucket)
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    run_import(project, next(iter(project.record["buckets"])))
    session.lock()
    copy = tmp_path / "stolen-copy"
    shutil.copytree(workspace.root, copy)
    return copy


def _all_keys(root: Path, user: str) -> list[bytes]:
    workspace = Workspace(root)
    ring = keyrings.unlock(workspace.read_keyring(user), PASSWORDS[user], workspace.org_public_key)
    found = []
    for versions in ring.projects.values():
        for keys in versions.values():
            found += [keys.store_key.material(), keys.content_key.material(),
                      *(k.material() for k in keys.class_keys.values())]
    return found


def _candidate_aads(row: dict[str, object], project_id: str) -> list[bytes]:
    aads = [b""]
    if {"asset_id", "name", "variant", "class_id", "key_version"} <= set(row):
        aads.append(
            f"labeler-field-v1|{project_id}|{row['asset_id']}|{row['name']}|{row['variant']}|"
            f"{row['class_id']}|{row['key_version']}".encode())
    return aads


def _try_open(blob: bytes, keys: list[bytes], aads: list[bytes]) -> list[bytes]:
    opened = []
    if len(blob) < 28:
        return opened
    for key in keys:
        for aad in aads:
            try:
                opened.append(AESGCM(key).decrypt(blob[:12], blob[12:], aad))
            except (InvalidTag, ValueError):
                continue
    return opened


def recover_values(root: Path, user: str) -> set[str]:
    """Everything the attack script can read, as text."""
    keys = _all_keys(root, user)
    recovered: list[bytes] = []
    for store in root.glob("projects/*/store.db"):
        project_id = store.parent.name
        for key in keys:
            connection = sqlcipher3.connect(str(store))
            connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            try:
                tables = [r[0] for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")]
            except sqlcipher3.DatabaseError:
                connection.close()
                continue
            for table in tables:
                cursor = connection.execute(f"SELECT * FROM {table}")
                columns = [d[0] for d in cursor.description]
                for values in cursor:
                    row = dict(zip(columns, values))
                    for value in values:
                        if isinstance(value, str):
                            recovered.append(value.encode())
                        elif isinstance(value, bytes):
                            recovered.append(value)
                            recovered += _try_open(value, keys, _candidate_aads(row, project_id))
            connection.close()
    recovered += _decrypt_chunks(root, keys)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            recovered.append(path.read_bytes())
    return {text for text in (value.decode("utf-8", "replace") for value in recovered)}


def _decrypt_chunks(root: Path, keys: list[bytes]) -> list[bytes]:
    """Open every chunk file with every key, using the AAD format the chunk files use."""
    opened: list[bytes] = []
    for store in root.glob("projects/*/store.db"):
        project_id = store.parent.name
        for store_key in keys:
            connection = sqlcipher3.connect(str(store))
            connection.execute(f"PRAGMA key = \"x'{store_key.hex()}'\"")
            try:
                blobs = connection.execute("SELECT id, uid FROM blobs").fetchall()
            except sqlcipher3.DatabaseError:
                connection.close()
                continue
            for blob_id, uid in blobs:
                chunks = connection.execute(
                    "SELECT idx, file FROM chunks WHERE blob_id = ? ORDER BY idx",
                    (blob_id,)).fetchall()
                for index, name in chunks:
                    data = (store.parent / "chunks" / name[:2] / f"{name}.chunk").read_bytes()
                    aad = (f"labeler-chunk-v1|{project_id}|{uid}|original|{index}|"
                           f"{len(chunks)}").encode()
                    opened.append(data)
                    opened += _try_open(data[4:], keys, [aad])
            connection.close()
    return opened


def _found(recovered: set[str]) -> set[str]:
    wanted = {f"{value}-{index}" for value in RESTRICTED.values() for index in range(3)}
    return {value for value in wanted if any(value in text for text in recovered)}


def test_annotator_recovers_no_restricted_value(tmp_path: Path) -> None:
    copy = _build(tmp_path)
    assert _found(recover_values(copy, "anna")) == set()


def test_reviewer_recovers_every_restricted_value(tmp_path: Path) -> None:
    copy = _build(tmp_path)
    assert _found(recover_values(copy, "rita")) == {
        f"{value}-{index}" for value in RESTRICTED.values() for index in range(3)}


def _found_embedded(recovered: set[str]) -> set[str]:
    return {name for name, value in EMBEDDED.items()
            if any(value in text for text in recovered)}


def test_annotator_opens_no_embedded_metadata(tmp_path: Path) -> None:
    """Decrypting every chunk the annotator can open shows no hidden DICOM or EXIF value."""
    copy = _build(tmp_path)
    assert _found_embedded(recover_values(copy, "anna")) == set()


def test_reviewer_sees_only_what_the_policy_allows(tmp_path: Path) -> None:
    copy = _build(tmp_path)
    found = _found_embedded(recover_values(copy, "rita"))
    assert "exif.Artist" in found  # visible to reviewers, through its field value
    assert "dicom.PatientName" not in found  # masked for reviewers: not even the file


def test_admin_opens_originals(tmp_path: Path) -> None:
    copy = _build(tmp_path)
    assert _found_embedded(recover_values(copy, "admin")) == set(EMBEDDED)
