"""Check that this installation of Labeler works, for `labeler self-test`.

The checks run on a throwaway workspace in a temporary folder: it gets its
own admin, reviewer and annotator with random passwords, and one project that
imports the demo bucket with the demo ontology and field policy. The folder is
removed at the end, whether the checks pass or fail. Nothing here imports Qt,
so the CLI adds the Qt checks itself.
"""

from __future__ import annotations

import csv
import json
import logging
import platform
import secrets
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Final

import sqlcipher3

from labeler import __version__
from labeler.core import netguard
from labeler.core.crypto.primitives import SecretKey, decrypt
from labeler.core.errors import CryptoError, LabelerError, NetworkForbiddenError
from labeler.core.ingest import run_import
from labeler.core.model.ontology import load_ontology
from labeler.core.policy.fields import Visibility, load_field_policy
from labeler.core.project import field_aad
from labeler.core.resources import resource_path
from labeler.core.session import Session
from labeler.core.storage import store
from labeler.core.workspace import known_roles

logger = logging.getLogger(__name__)

TEAM: Final = "self-test-team"
PROJECT: Final = "self-test"
BUCKET_CSV: Final = "metadata.csv"
# (user, role) pairs of the throwaway workspace. Each user gets a random password.
USERS: Final = (
    ("self-test-admin", "admin"),
    ("self-test-reviewer", "reviewer"),
    ("self-test-annotator", "annotator"),
)
# Shorter values could occur in ciphertext or JSON by chance.
MIN_MARKER_BYTES: Final = 8
# Bytes taken from the middle of each bucket file as a marker of its content.
CONTENT_MARKER_BYTES: Final = 32
_SQLITE_HEADER: Final = b"SQLite format 3\x00"
_FFMPEG_LIBRARIES: Final = ("avcodec", "avformat", "avutil", "swscale", "swresample")


class SelfTestError(LabelerError):
    """A self-test check found that the installation does not work as required."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: a one-line detail and the time it took."""

    name: str
    passed: bool
    detail: str
    seconds: float = 0.0


@dataclass
class SelfTestReport:
    """Every check's result, and the versions of the libraries Labeler runs on."""

    checks: list[CheckResult] = field(default_factory=list)
    versions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)


@dataclass(frozen=True)
class SelfTestWorkspace:
    """The throwaway workspace: its folder, project and users' passwords."""

    root: Path
    project_id: str
    bucket: Path
    passwords: dict[str, str]

    def sign_in(self, role: str) -> Session:
        user = next(name for name, user_role in USERS if user_role == role)
        return Session.sign_in(self.root, user, self.passwords[user])


def run_check(name: str, check: Callable[[], str]) -> CheckResult:
    """Run one check, and turn any error it raises into a FAIL with the error's message."""
    started = time.monotonic()
    try:
        detail = check()
    except Exception as error:  # A self-test reports every failure as a FAIL line.
        logger.debug("self-test check %s failed", name, exc_info=True)
        message = str(error) if isinstance(error, SelfTestError) else (
            f"{type(error).__name__}: {error}")
        return CheckResult(name, False, message, time.monotonic() - started)
    return CheckResult(name, True, detail, time.monotonic() - started)


def run_self_test(*, temp_parent: Path | None = None) -> SelfTestReport:
    """Run every check and remove the temporary folder, even when a check fails.

    Args:
        temp_parent: folder in which the temporary folder is created, or None
            for the system's temporary folder (TMPDIR).
    """
    report = SelfTestReport(versions=collect_versions())
    report.checks.append(check_libraries_load(report.versions))
    report.checks.append(run_check("network guard", check_network_guard))
    folder = Path(tempfile.mkdtemp(prefix="labeler-self-test-", dir=temp_parent))
    try:
        _run_workspace_checks(folder, report)
    finally:
        report.checks.append(run_check("temporary files removed",
                                       lambda: remove_folder(folder)))
    return report


def _run_workspace_checks(folder: Path, report: SelfTestReport) -> None:
    report.checks.append(run_check("cipher settings", lambda: check_cipher_settings(folder)))
    built: list[SelfTestWorkspace] = []
    report.checks.append(run_check(
        "demo import", lambda: build_workspace(folder / "workspace", built)))
    if not built:
        for name in ("key hierarchy", "no plaintext on disk"):
            report.checks.append(CheckResult(name, False, "not run: the demo import failed"))
        return
    workspace = built[0]
    report.checks.append(run_check("key hierarchy", lambda: check_key_hierarchy(workspace)))
    report.checks.append(run_check("no plaintext on disk",
                                   lambda: check_no_plaintext(workspace)))


# -- checks ----------------------------------------------------------------------


def check_libraries_load(versions: list[tuple[str, str]]) -> CheckResult:
    """Fail when a library's version could not be read, because it did not load."""
    missing = [name for name, version in versions if version.startswith("unavailable")]
    if missing:
        return CheckResult("libraries load", False, f"cannot load: {', '.join(missing)}")
    return CheckResult("libraries load", True, f"{len(versions)} libraries report a version")


def check_network_guard() -> str:
    """Check that internet sockets and host look-ups raise NetworkForbiddenError."""
    netguard.install_network_guard()
    recorded = len(netguard.attempts)
    try:
        for family in (socket.AF_INET, socket.AF_INET6):
            _expect_socket_rejected(family)
        try:
            socket.getaddrinfo("localhost", 80)
        except NetworkForbiddenError:
            pass
        else:
            raise SelfTestError("a host name look-up was not rejected by the network guard")
        if len(netguard.attempts) <= recorded:
            raise SelfTestError("the network guard rejected the probes but recorded none")
    finally:
        # Tests fail on any recorded attempt, and these probes were made on purpose.
        del netguard.attempts[recorded:]
    return "AF_INET and AF_INET6 sockets and host look-ups raise NetworkForbiddenError"


def _expect_socket_rejected(family: socket.AddressFamily) -> None:
    try:
        probe = socket.socket(family, socket.SOCK_STREAM)
    except NetworkForbiddenError:
        return
    probe.close()
    raise SelfTestError(f"an {family.name} socket was created; the network guard is not active")


def check_cipher_settings(folder: Path) -> str:
    """Create a scratch SQLCipher store and compare its settings with the pinned ones."""
    path = folder / "cipher-check.db"
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        # The same raw-key form as the project stores use.
        connection.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
        connection.execute("CREATE TABLE probe (value TEXT)")
        connection.execute("INSERT INTO probe VALUES ('self-test')")
        connection.execute(f"PRAGMA temp_store = {store.TEMP_STORE_MEMORY}")
        differences = [
            f"{name} is {actual!r}, expected {expected!r}"
            for name, expected in store.PINNED_CIPHER_SETTINGS.items()
            if (actual := _pragma(connection, name)) != expected
        ]
        if differences:
            raise SelfTestError("SQLCipher settings differ from the pinned ones: "
                                + "; ".join(differences)
                                + "; reinstall Labeler's sqlcipher3 package")
        store.check_cipher_configuration(connection, path)
        version = _pragma(connection, "cipher_version")
    finally:
        connection.close()
    if path.read_bytes().startswith(_SQLITE_HEADER):
        raise SelfTestError("the scratch store starts with the plain SQLite header")
    return (f"SQLCipher {version}: {len(store.PINNED_CIPHER_SETTINGS)} pinned settings match, "
            "temporary storage in memory, file encrypted")


def _pragma(connection: sqlcipher3.Connection, name: str) -> str | None:
    row = connection.execute(f"PRAGMA {name}").fetchone()
    return None if row is None else str(row[0])


def build_workspace(root: Path, built: list[SelfTestWorkspace]) -> str:
    """Create the throwaway workspace and import the demo bucket into its project.

    The workspace is appended to `built` so later checks can use it.
    """
    passwords = {user: secrets.token_urlsafe(18) for user, _role in USERS}
    bucket = resource_path("demo", "bucket")
    admin_name = USERS[0][0]
    session = Session.create_workspace(root, admin_name, passwords[admin_name])
    try:
        session.add_team(TEAM)
        for user, role in USERS[1:]:
            session.add_user(user, role, passwords[user], [TEAM])
        ontology = load_ontology(resource_path("demo", "ontology.toml"))
        policy = load_field_policy(resource_path("demo", "policy.toml"),
                                   known_roles(session.workspace.manifest))
        project_id = session.create_project(PROJECT, ontology, policy, [TEAM])
        bucket_id = session.add_bucket(project_id, bucket, csv_name=BUCKET_CSV)
        project = session.open_project(project_id)
        import_report = run_import(project, bucket_id)
    finally:
        session.lock()
    if import_report.failed:
        path, reason = import_report.failed[0]
        raise SelfTestError(f"{len(import_report.failed)} demo files not imported, "
                            f"first {path}: {reason}")
    if not import_report.added:
        raise SelfTestError(f"no asset was imported from {str(bucket)!r}")
    built.append(SelfTestWorkspace(root, project_id, bucket, passwords))
    return f"{import_report.added} assets imported from the demo bucket"


def check_key_hierarchy(workspace: SelfTestWorkspace) -> str:
    """Check that no annotator key opens a field hidden from annotators, and a reviewer's does."""
    annotator = workspace.sign_in("annotator")
    try:
        hidden = _fields_hidden_from_annotators(annotator, workspace.project_id)
        held_keys = _symmetric_keys_held(annotator, workspace.project_id)
        for asset_id, name, variant, class_id, key_version, ciphertext in hidden:
            aad = field_aad(workspace.project_id, asset_id, name, variant, class_id, key_version)
            for key in held_keys:
                if _can_decrypt(key, ciphertext, aad):
                    raise SelfTestError(
                        f"an annotator key decrypts field {name!r} ({variant}) of asset "
                        f"{asset_id}, which the policy hides from annotators")
        _expect_hidden_in_view(annotator, workspace.project_id, hidden)
    finally:
        annotator.lock()
    opened = _count_fields_reviewer_reads(workspace, hidden)
    if not opened:
        raise SelfTestError("the reviewer could read none of the fields hidden from annotators")
    fields = len({(row[0], row[1]) for row in hidden})
    return (f"{fields} field values ({len(hidden)} ciphertexts) hidden from annotators: none "
            f"opened by the annotator's {len(held_keys)} keys; the reviewer reads {opened}")


FieldRow = tuple[int, str, str, str, int, bytes]


def _fields_hidden_from_annotators(session: Session, project_id: str) -> list[FieldRow]:
    project = session.open_project(project_id)
    rows = project.db.execute(
        "SELECT asset_id, name, variant, class_id, key_version, ciphertext FROM fields"
    ).fetchall()
    hidden = [
        (int(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]), bytes(row[5]))
        for row in rows
        if project.policy.rule_for(row[1]).visibility.get("annotator") == Visibility.HIDDEN
    ]
    if not hidden:
        raise SelfTestError("the demo import stored no field hidden from annotators, "
                            "so the key hierarchy cannot be checked")
    return hidden


def _symmetric_keys_held(session: Session, project_id: str) -> list[SecretKey]:
    """Return every project key in the user's keyring: store, content and class keys."""
    keys: list[SecretKey] = []
    for project_keys in session.keyring.projects.get(project_id, {}).values():
        keys += [project_keys.store_key, project_keys.content_key,
                 *project_keys.class_keys.values()]
    return keys


def _can_decrypt(key: SecretKey, ciphertext: bytes, aad: bytes) -> bool:
    try:
        decrypt(key, ciphertext, aad)
    except CryptoError:
        return False
    return True


def _expect_hidden_in_view(session: Session, project_id: str, hidden: list[FieldRow]) -> None:
    project = session.open_project(project_id)
    hidden_names = {(row[0], row[1]) for row in hidden}
    for asset_id in sorted({row[0] for row in hidden}):
        for view in project.fields_for_user(asset_id):
            if (asset_id, view.name) in hidden_names and view.value is not None:
                raise SelfTestError(
                    f"the annotator's view of asset {asset_id} shows field {view.name!r}")


def _count_fields_reviewer_reads(workspace: SelfTestWorkspace, hidden: list[FieldRow]) -> int:
    reviewer = workspace.sign_in("reviewer")
    try:
        project = reviewer.open_project(workspace.project_id)
        hidden_names = {(row[0], row[1]) for row in hidden}
        return sum(
            1
            for asset_id in sorted({row[0] for row in hidden})
            for view in project.fields_for_user(asset_id)
            if (asset_id, view.name) in hidden_names and view.value is not None
        )
    finally:
        reviewer.lock()


def check_no_plaintext(workspace: SelfTestWorkspace) -> str:
    """Search every byte of the workspace folder for values and content of the bucket."""
    markers = collect_plaintext_markers(workspace.bucket, csv_name=BUCKET_CSV)
    files = [path for path in sorted(workspace.root.rglob("*")) if path.is_file()]
    total = 0
    for path in files:
        data = path.read_bytes()
        total += len(data)
        for source, marker in markers.items():
            if marker in data:
                raise SelfTestError(
                    f"{path.relative_to(workspace.root)} contains plaintext from {source}")
    return (f"{len(markers)} markers from the demo bucket absent from {len(files)} files "
            f"({total / 1e6:.1f} MB)")


def collect_plaintext_markers(bucket: Path, *, csv_name: str) -> dict[str, bytes]:
    """Return {description: bytes} that must never appear in a workspace file.

    The markers are the name of every file, bytes from the middle of every
    file, and the values of the metadata CSV and of the JSON sidecars. The
    metadata CSV's own name is left out because the manifest stores it as a
    bucket setting.
    """
    markers: dict[str, bytes] = {}
    for path in sorted(bucket.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(bucket).as_posix()
        if relative != csv_name:
            markers[f"the file name {relative}"] = path.name.encode("utf-8")
        data = path.read_bytes()
        middle = max(0, len(data) // 2 - CONTENT_MARKER_BYTES // 2)
        markers[f"the content of {relative}"] = data[middle:middle + CONTENT_MARKER_BYTES]
        if path.suffix == ".csv":
            markers.update(_csv_markers(relative, data))
        elif path.suffix == ".json":
            markers.update(_json_markers(relative, data))
    return {name: value for name, value in markers.items() if len(value) >= MIN_MARKER_BYTES}


def _csv_markers(relative: str, data: bytes) -> dict[str, bytes]:
    rows = csv.DictReader(data.decode("utf-8").splitlines())
    return {
        f"column {column!r} of {relative}": value.encode("utf-8")
        for row in rows
        for column, value in row.items()
        if column != "path" and value
    }


def _json_markers(relative: str, data: bytes) -> dict[str, bytes]:
    document = json.loads(data)
    if not isinstance(document, dict):
        return {}
    return {f"key {key!r} of {relative}": str(value).encode("utf-8")
            for key, value in document.items()}


def remove_folder(folder: Path) -> str:
    shutil.rmtree(folder)
    if folder.exists():
        raise SelfTestError(f"{str(folder)!r} still exists after removing it")
    return f"removed {str(folder)!r}"


# -- versions --------------------------------------------------------------------


def collect_versions() -> list[tuple[str, str]]:
    """Return (library, version) pairs. A library that fails to load gets the error."""
    lookups: list[tuple[str, Callable[[], str]]] = [
        ("Labeler", lambda: __version__),
        ("Python", lambda: f"{platform.python_version()} ({sys.executable})"),
        *_sqlcipher_lookups(),
        ("cryptography", _cryptography_version),
        ("OpenSSL (cryptography)", _cryptography_openssl_version),
        ("OpenCV", _opencv_version),
        ("FFmpeg (OpenCV)", _opencv_ffmpeg_versions),
        ("Pillow", _pillow_version),
        ("libjpeg-turbo (Pillow)", _pillow_libjpeg_turbo_version),
        ("simplejpeg", _simplejpeg_version),
        ("pydicom", _pydicom_version),
        ("numpy", _numpy_version),
    ]
    return [(name, _read_version(lookup)) for name, lookup in lookups]


def _read_version(lookup: Callable[[], str]) -> str:
    try:
        return lookup()
    except Exception as error:  # A library that fails to load is reported, not raised.
        return f"unavailable ({type(error).__name__}: {error})"


def _sqlcipher_lookups() -> list[tuple[str, Callable[[], str]]]:
    def pragma(query: str) -> str:
        connection = sqlcipher3.connect(":memory:")
        try:
            # The cipher_provider pragmas return a row only once a key is set.
            connection.execute(f"PRAGMA key = \"x'{'00' * 32}'\"")
            return str(connection.execute(query).fetchone()[0])
        finally:
            connection.close()

    return [
        ("SQLCipher", lambda: pragma("PRAGMA cipher_version")),
        ("SQLite (SQLCipher)", lambda: pragma("SELECT sqlite_version()")),
        ("OpenSSL (SQLCipher)", lambda: (f"{pragma('PRAGMA cipher_provider')} "
                                         f"{pragma('PRAGMA cipher_provider_version')}")),
    ]


def _cryptography_version() -> str:
    import cryptography

    return str(cryptography.__version__)


def _cryptography_openssl_version() -> str:
    from cryptography.hazmat.backends.openssl import backend

    return str(backend.openssl_version_text())


def _opencv_version() -> str:
    import cv2

    return str(cv2.__version__)


def _opencv_ffmpeg_versions() -> str:
    """Read the FFmpeg libraries OpenCV was built with from its build information."""
    import cv2

    found = []
    for line in cv2.getBuildInformation().splitlines():
        name, _, value = line.strip().partition(":")
        if name in _FFMPEG_LIBRARIES:
            found.append(f"{name} {value.strip().removeprefix('YES').strip(' ()')}")
    return ", ".join(found) if found else "not built with FFmpeg"


def _pillow_version() -> str:
    import PIL

    return str(PIL.__version__)


def _pillow_libjpeg_turbo_version() -> str:
    from PIL import features

    return str(features.version("libjpeg_turbo") or "not built with libjpeg-turbo")


def _simplejpeg_version() -> str:
    import simplejpeg

    # NOTE: simplejpeg 1.9 bundles libjpeg-turbo but has no call that reports its version.
    return f"{simplejpeg.__version__} (its libjpeg-turbo version is not exposed)"


def _pydicom_version() -> str:
    import pydicom

    return str(pydicom.__version__)


def _numpy_version() -> str:
    import numpy

    return str(numpy.__version__)
