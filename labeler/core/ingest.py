"""Import a bucket into a project as a resumable job.

One job per bucket runs at a time. Each file is probed (kind, size, EXIF
orientation, pixel cap, damage), hashed and encrypted into chunk files, and
its row is committed with its fields; content seen before is stored once.
A job killed part-way is resumed by running the import again: files already
committed are recognised by path, size and mtime and skipped, and chunk files
written but never committed are collected as orphans first. Re-importing a
bucket adds new and changed files, recognises moved files by content hash
(keeping their annotations), and marks files gone from the bucket as missing
without deleting anything. Once the files are committed, the frames of new
videos are decoded into encrypted frame groups (`labeler.core.video.frames`),
which a killed import also resumes.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from labeler.core.audit import utc_now
from labeler.core.content import ContentWriter
from labeler.core.errors import LabelerError, MediaError, NotFoundError
from labeler.core.media import metadata
from labeler.core.media.kinds import AssetKind
from labeler.core.media.probe import ProbeResult, probe_file
from labeler.core.policy.roles import Permission
from labeler.core.project import Project
from labeler.core.scan import ScannedFile, ScanResult, safe_relative_path, scan_bucket
from labeler.core.storage.store import transaction
from labeler.core.video.frames import ExtractionProgress, extract_bucket_videos

logger = logging.getLogger(__name__)

# A killed import loses at most one batch of work, which the next run redoes.
COMMIT_EVERY_FILES = 16
COMMIT_EVERY_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class ImportProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    bytes_per_second: float
    eta_seconds: float | None
    current: str


@dataclass
class ImportReport:
    job_id: int
    resumed: bool
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes_read: int = 0
    seconds: float = 0.0
    finished: bool = False

    def summary(self) -> dict[str, Any]:
        return asdict(self)


ProgressCallback = Callable[[ImportProgress], None]


class _Pending:
    """Rows waiting for the next commit, and the counters committed with them."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0


def run_import(project: Project, bucket_id: str, *, progress: ProgressCallback | None = None,
               should_stop: Callable[[], bool] | None = None) -> ImportReport:
    """Import (or resume importing) one bucket of `project`; return what happened."""
    project.session.require(Permission.IMPORT)
    buckets = project.record.get("buckets", {})
    if bucket_id not in buckets:
        raise NotFoundError(f"project {project.id!r} has no bucket {bucket_id!r}")
    root = Path(buckets[bucket_id]["path"])
    if not root.is_dir():
        raise NotFoundError(
            f"bucket folder {str(root)!r} is not mounted or not a folder; mount it and retry")
    with project.write_lock():
        _collect_orphans(project)
        return _ImportJob(project, bucket_id, root, buckets[bucket_id].get("csv", "metadata.csv"),
                          progress, should_stop).run()


def _collect_orphans(project: Project) -> None:
    referenced = {row[0] for row in project.db.execute("SELECT file FROM chunks")}
    project.chunks.collect_orphans(referenced)


class _ImportJob:
    def __init__(self, project: Project, bucket_id: str, root: Path, csv_name: str,
                 progress: ProgressCallback | None,
                 should_stop: Callable[[], bool] | None) -> None:
        self.project = project
        self.db = project.db
        self.bucket_id = bucket_id
        self.root = root
        self.csv_name = csv_name
        self.progress = progress
        self.should_stop = should_stop or (lambda: False)
        self.job_started_at = ""
        self.max_pixels = int(project.session.workspace.manifest["settings"]["max_image_pixels"])
        self.writer = ContentWriter(project, self.max_pixels)

    # -- job bookkeeping -------------------------------------------------------

    def _start_job(self) -> ImportReport:
        row = self.db.execute(
            "SELECT id, summary, started_at FROM import_jobs"
            " WHERE bucket_id = ? AND state = 'running'", (self.bucket_id,)).fetchone()
        if row:
            self.job_started_at = str(row[2])
            saved = json.loads(row[1])
            report = ImportReport(job_id=row[0], resumed=True)
            for name in ("added", "changed", "unchanged", "bytes_read"):
                setattr(report, name, int(saved.get(name, 0)))
            report.moved = [tuple(pair) for pair in saved.get("moved", [])]  # type: ignore[misc]
            logger.info("resuming import job %d of project %s, bucket %s", row[0],
                        self.project.id, self.bucket_id)
            return report
        self.job_started_at = utc_now()
        with transaction(self.db):
            cursor = self.db.execute(
                "INSERT INTO import_jobs (bucket_id, user, state, started_at) VALUES (?, ?, ?, ?)",
                (self.bucket_id, self.project.user, "running", self.job_started_at))
            job_id = int(cursor.lastrowid)
            self.project.audit("import_started", self.bucket_id, {"job": job_id})
        return ImportReport(job_id=job_id, resumed=False)

    def _save_counters(self, report: ImportReport) -> None:
        self.db.execute("UPDATE import_jobs SET summary = ? WHERE id = ?",
                        (json.dumps(report.summary()), report.job_id))

    def run(self) -> ImportReport:
        started = time.monotonic()
        report = self._start_job()
        scan = scan_bucket(self.root, csv_name=self.csv_name)
        csv_rows = self._read_csv(scan, report)
        with transaction(self.db):
            for problem in scan.problems:
                self._record_error(report, problem.path, problem.reason)
        existing = self._existing_assets()
        scanned_paths = {item.path for item in scan.files}
        gone = {path: row for path, row in existing.items() if path not in scanned_paths}
        gone_by_sha = {row["sha256"]: path for path, row in gone.items()}

        stopped = self._import_files(scan, csv_rows, existing, gone_by_sha, report, started)
        if not stopped:
            stopped = self._extract_video_frames(scan, report, started)
        report.seconds = time.monotonic() - started
        if stopped:
            with transaction(self.db):
                self._save_counters(report)
            return report
        self._finish(report, gone, gone_by_sha)
        return report

    def _import_files(self, scan: ScanResult, csv_rows: dict[str, dict[str, str]],
                      existing: dict[str, dict[str, Any]], gone_by_sha: dict[str, str],
                      report: ImportReport, started: float) -> bool:
        pending = _Pending()
        files_done, bytes_done = 0, 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for item in scan.files:
                if self.should_stop():
                    self._save_counters(report)
                    self._commit()
                    return True
                self._notify(files_done, len(scan.files), bytes_done, scan.total_bytes,
                             started, item.path)
                self._import_one(item, scan, csv_rows, existing.get(item.path), gone_by_sha,
                                 report)
                files_done += 1
                bytes_done += item.size
                pending.files += 1
                pending.bytes += item.size
                if pending.files >= COMMIT_EVERY_FILES or pending.bytes >= COMMIT_EVERY_BYTES:
                    self._save_counters(report)
                    self._commit()
                    self.db.execute("BEGIN IMMEDIATE")
                    pending = _Pending()
            self._save_counters(report)
            self._commit()
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._notify(files_done, len(scan.files), bytes_done, scan.total_bytes, started, "")
        return False

    def _commit(self) -> None:
        """Commit the open batch, after every chunk its rows name is on disk."""
        self.project.chunks.sync_pending()
        self.db.execute("COMMIT")

    def _extract_video_frames(self, scan: ScanResult, report: ImportReport,
                              started: float) -> bool:
        """Decode the frames of the committed videos; return True if stopped on request."""
        files, size = len(scan.files), scan.total_bytes

        def notify(step: ExtractionProgress) -> None:
            claimed = step.frames_claimed or "?"
            self._notify(files, files, size, size, started,
                         f"{step.path}: frame {step.frames_done} of {claimed}")

        extraction = extract_bucket_videos(self.project, self.bucket_id, self.root,
                                           progress=notify, should_stop=self.should_stop)
        with transaction(self.db):
            for path, reason in extraction.skipped:
                self._record_error(report, path, reason)
        return extraction.is_stopped

    def _notify(self, files_done: int, files_total: int, bytes_done: int, bytes_total: int,
                started: float, current: str) -> None:
        if self.progress is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = bytes_done / elapsed
        eta = (bytes_total - bytes_done) / rate if rate > 0 else None
        self.progress(ImportProgress(files_done, files_total, bytes_done, bytes_total,
                                     rate, eta, current))

    def _finish(self, report: ImportReport, gone: dict[str, dict[str, Any]],
                gone_by_sha: dict[str, str]) -> None:
        moved_from = {old for old, _new in report.moved}
        report.missing = sorted(path for path in gone if path not in moved_from)
        report.failed = self.project.import_errors(report.job_id)
        report.finished = True
        with transaction(self.db):
            for path in report.missing:
                self.db.execute(
                    "UPDATE assets SET presence = 'missing', updated_at = ?"
                    " WHERE bucket_id = ? AND path = ?", (utc_now(), self.bucket_id, path))
            self._save_counters(report)
            self.db.execute("UPDATE import_jobs SET state = 'finished', finished_at = ?"
                            " WHERE id = ?", (utc_now(), report.job_id))
            self.project.audit("import_finished", self.bucket_id, {
                "job": report.job_id, "added": report.added, "changed": report.changed,
                "moved": len(report.moved), "missing": len(report.missing),
                "failed": len(report.failed)})
        logger.info("import job %d of project %s, bucket %s finished: %d added, "
                    "%d changed, %d failed", report.job_id, self.project.id, self.bucket_id,
                    report.added, report.changed, len(report.failed))

    def _record_error(self, report: ImportReport, path: str, reason: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO import_errors (job_id, path, reason)"
                        " VALUES (?, ?, ?)", (report.job_id, path, reason))
        # File names can carry patient names, so the log names the import job
        # and the encrypted store keeps the path with the reason.
        logger.warning("a file was not imported into project %s (job %d); 'labeler import' "
                       "and the admin console list it", self.project.id, report.job_id)

    def _existing_assets(self) -> dict[str, dict[str, Any]]:
        rows = self.db.execute(
            "SELECT id, path, size, mtime_ns, sha256, presence, updated_at FROM assets"
            " WHERE bucket_id = ?", (self.bucket_id,))
        return {row[1]: {"id": row[0], "size": row[2], "mtime_ns": row[3], "sha256": row[4],
                         "presence": row[5], "updated_at": row[6]} for row in rows}

    def _read_csv(self, scan: ScanResult, report: ImportReport) -> dict[str, dict[str, str]]:
        if scan.csv_path is None:
            return {}
        try:
            rows, problems = metadata.read_csv_fields(scan.csv_path)
        except MediaError as error:
            with transaction(self.db):
                self._record_error(report, self.csv_name, str(error))
            return {}
        accepted: dict[str, dict[str, str]] = {}
        with transaction(self.db):
            for number, problem in enumerate(problems, start=1):
                # One error row per problem: the key is the file and line, so
                # several bad rows do not overwrite each other.
                reason = str(problem).removeprefix(f"{scan.csv_path.name}: ")
                line = re.match(r"line (\d+)", reason)
                where = f"line {line.group(1)}" if line else f"problem {number}"
                self._record_error(report, f"{self.csv_name} {where}", reason)
            for key, values in rows.items():
                path = safe_relative_path(key)
                if path is None:
                    self._record_error(report, f"{self.csv_name} row {key!r}",
                                       "the path leaves the bucket; rows must name files "
                                       "inside it")
                    continue
                accepted[path] = values
        return accepted

    # -- one file ----------------------------------------------------------------

    def _import_one(self, item: ScannedFile, scan: ScanResult, csv_rows: dict[str, dict[str, str]],
                    previous: dict[str, Any] | None, gone_by_sha: dict[str, str],
                    report: ImportReport) -> None:
        if (previous and previous["size"] == item.size and previous["mtime_ns"] == item.mtime_ns
                and previous["presence"] == "present"):
            # A resumed job meets the files it stored before it was stopped;
            # they were counted then, as added or changed.
            if previous["updated_at"] < self.job_started_at:
                report.unchanged += 1
            return
        self.db.execute("SAVEPOINT one_file")
        try:
            self._store_file(item, scan, csv_rows, previous, gone_by_sha, report)
        except (LabelerError, OSError) as error:
            self.db.execute("ROLLBACK TO one_file")
            reason = str(error) if isinstance(error, LabelerError) else (
                f"cannot read the file: {error.strerror}")
            # Media errors start with the file name, which the error list shows already.
            reason = reason.removeprefix(f"{item.absolute.name}: ")
            self._record_error(report, item.path, reason)
        finally:
            self.db.execute("RELEASE one_file")

    def _store_file(self, item: ScannedFile, scan: ScanResult,
                    csv_rows: dict[str, dict[str, str]], previous: dict[str, Any] | None,
                    gone_by_sha: dict[str, str], report: ImportReport) -> None:
        probe = probe_file(item.absolute, max_pixels=self.max_pixels)
        content = self.writer.store_file(item.absolute, item.size, probe, item.path)
        blob_id, sha256 = content.blob_id, content.sha256
        report.bytes_read += content.size
        fields = self._collect_fields(item, probe, scan, csv_rows)
        moved_from = gone_by_sha.pop(sha256, None) if previous is None else None
        if moved_from is not None:
            asset_id = self._move_asset(moved_from, item)
            report.moved.append((moved_from, item.path))
        elif previous is not None:
            asset_id = previous["id"]
            self._update_asset(asset_id, item, sha256, blob_id, probe)
            if previous["sha256"] == sha256:
                report.unchanged += 1
            else:
                report.changed += 1
        else:
            asset_id = self._insert_asset(item, sha256, blob_id, probe)
            report.added += 1
        self.db.execute("UPDATE assets SET original_blob_id = ? WHERE id = ?",
                        (content.original_blob_id, asset_id))
        self.project.store_fields(asset_id, fields)
        self.db.execute("DELETE FROM import_errors WHERE job_id = ? AND path = ?",
                        (report.job_id, item.path))

    def _collect_fields(self, item: ScannedFile, probe: ProbeResult, scan: ScanResult,
                        csv_rows: dict[str, dict[str, str]]) -> dict[str, str]:
        fields: dict[str, str] = {}
        if probe.kind == AssetKind.IMAGE:
            fields.update(metadata.read_exif_fields(item.absolute))
        elif probe.kind == AssetKind.DICOM:
            fields.update(metadata.read_dicom_fields(item.absolute))
        if item.path in scan.sidecars:
            fields.update(metadata.read_sidecar_fields(item.absolute))
        fields.update(csv_rows.get(item.path, {}))
        return fields

    def _asset_values(self, item: ScannedFile, sha256: str, blob_id: int,
                      probe: ProbeResult) -> tuple[Any, ...]:
        return (item.size, item.mtime_ns, sha256, blob_id, str(probe.kind), probe.format,
                probe.width, probe.height, probe.stored_width, probe.stored_height,
                probe.orientation, probe.mode, probe.frame_count, probe.fps, probe.duration_s,
                probe.encoding, json.dumps(list(probe.notes)))

    def _insert_asset(self, item: ScannedFile, sha256: str, blob_id: int,
                      probe: ProbeResult) -> int:
        now = utc_now()
        cursor = self.db.execute(
            "INSERT INTO assets (bucket_id, path, size, mtime_ns, sha256, blob_id, kind, format,"
            " width, height, stored_width, stored_height, orientation, mode, frame_count, fps,"
            " duration_s, encoding, notes, imported_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.bucket_id, item.path, *self._asset_values(item, sha256, blob_id, probe),
             now, now))
        return int(cursor.lastrowid)

    def _update_asset(self, asset_id: int, item: ScannedFile, sha256: str, blob_id: int,
                      probe: ProbeResult) -> None:
        self.db.execute(
            "UPDATE assets SET size = ?, mtime_ns = ?, sha256 = ?, blob_id = ?, kind = ?,"
            " format = ?, width = ?, height = ?, stored_width = ?, stored_height = ?,"
            " orientation = ?, mode = ?, frame_count = ?, fps = ?, duration_s = ?,"
            " encoding = ?, notes = ?, presence = 'present', updated_at = ? WHERE id = ?",
            (*self._asset_values(item, sha256, blob_id, probe), utc_now(), asset_id))

    def _move_asset(self, old_path: str, item: ScannedFile) -> int:
        row = self.db.execute("SELECT id FROM assets WHERE bucket_id = ? AND path = ?",
                              (self.bucket_id, old_path)).fetchone()
        self.db.execute("UPDATE assets SET path = ?, mtime_ns = ?, presence = 'present',"
                        " updated_at = ? WHERE id = ?",
                        (item.path, item.mtime_ns, utc_now(), row[0]))
        return int(row[0])
