"""Walk a bucket folder safely and list the files to import.

The walk never follows a symbolic link out of the bucket root, does not
follow links to folders at all (a loop or an escape would otherwise be one
link away), and reports every file it cannot take with a specific reason.
Names are kept exactly as the file system returns them: two names that differ
only in Unicode normalisation (NFC and NFD) or in case are two files.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class ScannedFile:
    path: str  # relative to the bucket root, with "/" separators
    absolute: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ScanProblem:
    path: str
    reason: str


@dataclass
class ScanResult:
    files: list[ScannedFile] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)
    sidecars: dict[str, Path] = field(default_factory=dict)  # asset path -> its <file>.json
    csv_path: Path | None = None

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def is_inside(root: Path, target: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def safe_relative_path(text: str) -> str | None:
    """Return a normalised relative POSIX path, or None if it could leave the root."""
    if not text or "\x00" in text or text.startswith(("/", "\\")) or ":" in text[:3]:
        return None
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if any(part in ("..", "") for part in parts):
        return None
    return "/".join(part for part in parts if part != ".")


def scan_bucket(root: Path, *, csv_name: str = "metadata.csv") -> ScanResult:
    """List the importable files under `root`, with a reason for each one skipped."""
    real_root = root.resolve(strict=True)
    result = ScanResult()
    candidates: list[ScannedFile] = []
    _walk(real_root, real_root, "", candidates, result.problems)
    by_path = {item.path: item for item in candidates}
    for item in candidates:
        if item.path == csv_name:
            result.csv_path = item.absolute
        elif item.path.endswith(".json") and item.path[: -len(".json")] in by_path:
            result.sidecars[item.path[: -len(".json")]] = item.absolute
        else:
            result.files.append(item)
    result.files.sort(key=lambda f: f.path)
    result.problems.sort(key=lambda p: p.path)
    return result


def _walk(real_root: Path, folder: Path, prefix: str, found: list[ScannedFile],
          problems: list[ScanProblem]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        problems.append(ScanProblem(prefix.rstrip("/") or ".",
                                    f"cannot list this folder: {error.strerror}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders (.DS_Store, .git, editor swap files)
        relative = prefix + entry.name
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(ScanProblem(relative.encode("utf-8", "replace").decode(),
                                        "the file name is not valid UTF-8; rename the file"))
            continue
        _visit(real_root, entry, relative, found, problems)


def _visit(real_root: Path, entry: os.DirEntry[str], relative: str,
           found: list[ScannedFile], problems: list[ScanProblem]) -> None:
    path = Path(entry.path)
    if entry.is_symlink():
        target = Path(os.path.realpath(path))
        if not is_inside(real_root, target):
            problems.append(ScanProblem(
                relative, "the link points outside the bucket, and links out are not followed"))
            return
        if target.is_dir():
            problems.append(ScanProblem(
                relative, "the link points to a folder; its files are imported from there"))
            return
    try:
        info = path.stat()
    except OSError as error:
        problems.append(ScanProblem(relative, f"cannot read the file: {error.strerror}"))
        return
    if stat.S_ISDIR(info.st_mode):
        _walk(real_root, path, relative + "/", found, problems)
    elif not stat.S_ISREG(info.st_mode):
        problems.append(ScanProblem(relative, "not a regular file (a device, pipe or socket)"))
    elif info.st_size == 0:
        problems.append(ScanProblem(relative, "the file is empty (0 bytes)"))
    elif not os.access(path, os.R_OK):
        problems.append(ScanProblem(relative, "permission denied; ask for read access"))
    else:
        found.append(ScannedFile(relative, path, info.st_size, info.st_mtime_ns))
