"""Write requirements.lock and a CycloneDX 1.5 SBOM for a folder of wheels.

Usage: python packaging/describe_wheelhouse.py WHEELHOUSE

Both files are built from the wheels themselves: the name and version from
each wheel's METADATA, the SHA-256 of the wheel file as it lies in the folder,
and the licence from License-Expression, License or the licence classifiers.
Only the standard library is used, so any Python 3.11 can run it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Final

LOCK_NAME: Final = "requirements.lock"
SBOM_NAME: Final = "labeler.cdx.json"
APPLICATION: Final = "labeler"
# A License field longer than this is the licence's full text, not its name.
MAX_LICENSE_NAME_CHARS: Final = 100


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: str
    sha256: str
    licenses: list[dict[str, Any]]
    license_files: list[str]
    requires: list[str]

    @property
    def normalized_name(self) -> str:
        return normalize_name(self.name)

    @property
    def purl(self) -> str:
        return f"pkg:pypi/{self.normalized_name}@{self.version}"


def normalize_name(name: str) -> str:
    """Normalize a distribution name as PEP 503 and the pypi purl type do."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_metadata(path: Path) -> Message:
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist()
                 if name.count("/") == 1 and name.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise ValueError(f"{path.name}: expected one .dist-info/METADATA, found {len(names)}")
        return BytesParser().parsebytes(archive.read(names[0]))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def licenses_of(metadata: Message) -> list[dict[str, Any]]:
    """Return CycloneDX licence entries: an SPDX expression when the wheel gives one."""
    expression = metadata.get("License-Expression")
    if expression:
        return [{"expression": expression.strip()}]
    text = (metadata.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= MAX_LICENSE_NAME_CHARS:
        return [{"license": {"name": text}}]
    classifiers = [value.split(" :: ")[-1] for value in metadata.get_all("Classifier") or []
                   if value.startswith("License :: ")]
    return [{"license": {"name": name}} for name in classifiers]


def runtime_requirements(metadata: Message) -> list[str]:
    """Return the names this wheel requires, leaving out those of optional extras."""
    names = []
    for requirement in metadata.get_all("Requires-Dist") or []:
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(normalize_name(match.group(1)))
    return names


def read_wheel(path: Path) -> Wheel:
    metadata = read_metadata(path)
    return Wheel(path, str(metadata["Name"]), str(metadata["Version"]), sha256_of(path),
                 licenses_of(metadata), metadata.get_all("License-File") or [],
                 runtime_requirements(metadata))


def read_wheelhouse(folder: Path) -> list[Wheel]:
    wheels = [read_wheel(path) for path in sorted(folder.glob("*.whl"))]
    seen: dict[str, Path] = {}
    for wheel in wheels:
        if wheel.normalized_name in seen:
            raise ValueError(f"two wheels of {wheel.name}: {seen[wheel.normalized_name].name} "
                             f"and {wheel.path.name}; keep one")
        seen[wheel.normalized_name] = wheel.path
    if not wheels:
        raise ValueError(f"no .whl file in {str(folder)!r}")
    return sorted(wheels, key=lambda wheel: wheel.normalized_name)


def format_lock(wheels: list[Wheel]) -> str:
    lines = [
        "# Every wheel in this folder, pinned by version and SHA-256.",
        "# Install: pip install --no-index --find-links . --require-hashes -r requirements.lock",
    ]
    lines += [f"{wheel.normalized_name}=={wheel.version} --hash=sha256:{wheel.sha256}"
              for wheel in wheels]
    return "\n".join(lines) + "\n"


def component(wheel: Wheel) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "application" if wheel.normalized_name == APPLICATION else "library",
        "bom-ref": wheel.purl,
        "name": wheel.normalized_name,
        "version": wheel.version,
        "purl": wheel.purl,
        "hashes": [{"alg": "SHA-256", "content": wheel.sha256}],
        "externalReferences": [{"type": "distribution", "url": wheel.path.name}],
    }
    if wheel.licenses:
        entry["licenses"] = wheel.licenses
    # A wheel that declares no licence may still ship its text, so name the files.
    if wheel.license_files:
        entry["properties"] = [{"name": "labeler:license-file", "value": name}
                               for name in wheel.license_files]
    return entry


def build_sbom(wheels: list[Wheel]) -> dict[str, Any]:
    """Build a CycloneDX 1.5 document: Labeler as the subject, every wheel a component."""
    by_name = {wheel.normalized_name: wheel for wheel in wheels}
    subject = by_name.get(APPLICATION)
    metadata: dict[str, Any] = {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tools": {"components": [{"type": "application", "name": "describe_wheelhouse.py",
                                  "description": "Labeler's packaging/describe_wheelhouse.py"}]},
    }
    if subject:
        metadata["component"] = component(subject)
    dependencies = [
        {"ref": wheel.purl,
         "dependsOn": sorted({by_name[name].purl for name in wheel.requires if name in by_name})}
        for wheel in wheels
    ]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": metadata,
        "components": [component(wheel) for wheel in wheels if wheel is not subject],
        "dependencies": dependencies,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheelhouse", type=Path, help="folder that contains the .whl files")
    arguments = parser.parse_args(argv)
    try:
        wheels = read_wheelhouse(arguments.wheelhouse)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    (arguments.wheelhouse / LOCK_NAME).write_text(format_lock(wheels), encoding="utf-8")
    sbom = json.dumps(build_sbom(wheels), indent=2) + "\n"
    (arguments.wheelhouse / SBOM_NAME).write_text(sbom, encoding="utf-8")
    print(f"wrote {LOCK_NAME} and {SBOM_NAME} for {len(wheels)} wheels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
