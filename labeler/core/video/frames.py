"""Decode each video once at import into encrypted groups of encoded frames.

The source is decoded straight from the bucket file with OpenCV's FFmpeg
backend. No decoded frame and no decrypted copy of the video is written to
disk. Each frame is rotated into its displayed orientation, converted to
RGB, encoded (JPEG or lossless PNG, a project setting) and appended to a frame
group. A group holds consecutive frames up to about one chunk (CHUNK_BYTES)
and is stored as a blob of its own, so reading one frame decrypts about one
chunk. `video_frames` maps each frame to its group, offset and length, with
the presentation timestamp that the container gave it.

Each group is committed together with its frame rows and the extraction's
resume point (`frames_done`). A killed extraction resumes from there on the
next import: the chunk files of the group that was being written are orphans,
which the import collects before it starts, and the frames before the resume
point are decoded again but not stored again. Only the current group and one
decoded frame are held in memory, whatever the length of the video.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Final, Iterator, Literal, Mapping

import cv2
import numpy as np
import simplejpeg

from labeler.core.errors import ConfigError, MediaError
from labeler.core.project import Project
from labeler.core.storage.chunks import CHUNK_BYTES
from labeler.core.storage.store import transaction

logger = logging.getLogger(__name__)

GROUP_BYTES: Final = CHUNK_BYTES
DEFAULT_JPEG_QUALITY: Final = 90
# Progress is reported every this many frames, and once more at the end.
PROGRESS_EVERY_FRAMES: Final = 25
STOP_NOTE_PREFIX: Final = "decoding stopped at frame "

_ROTATE_CODES: Final = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


@dataclass(frozen=True)
class FrameEncoding:
    """Storage form of extracted frames: JPEG at a quality, or lossless PNG."""

    format: Literal["jpeg", "png"]
    jpeg_quality: int = DEFAULT_JPEG_QUALITY

    @property
    def name(self) -> str:
        """The form stored in `video_extractions.encoding`, e.g. "jpeg-90" or "png"."""
        return f"jpeg-{self.jpeg_quality}" if self.format == "jpeg" else "png"

    @classmethod
    def from_name(cls, name: str) -> FrameEncoding:
        if name == "png":
            return cls("png")
        if name.startswith("jpeg-") and name[5:].isdigit():
            return cls("jpeg", int(name[5:]))
        raise ConfigError(f"unknown frame encoding {name!r}; expected 'png' or 'jpeg-N'")

    def encode(self, rgb: np.ndarray) -> bytes:
        """Encode one HxWx3 RGB uint8 frame."""
        if self.format == "jpeg":
            return bytes(simplejpeg.encode_jpeg(rgb, quality=self.jpeg_quality,
                                                colorspace="RGB"))
        # Compression level 1: PNG output is lossless at every level, and
        # higher levels cost several times the encoding time for a few percent.
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise MediaError("a frame could not be encoded as PNG")
        return encoded.tobytes()


def frame_encoding_setting(record: Mapping[str, Any]) -> FrameEncoding:
    """Read the frame storage setting from a project record.

    The record's "video" table may hold "frame_format" ("jpeg", the default,
    or "png" for lossless frames) and "jpeg_quality" (1 to 100, default 90).

    Raises:
        ConfigError: a value is not one of the above.
    """
    settings = record.get("video", {})
    if not isinstance(settings, Mapping):
        raise ConfigError(f"project setting 'video' must be a table, got {settings!r}")
    frame_format = settings.get("frame_format", "jpeg")
    if frame_format == "png":
        return FrameEncoding("png")
    if frame_format != "jpeg":
        raise ConfigError(
            f"video frame_format must be 'jpeg' or 'png', got {frame_format!r}")
    quality = settings.get("jpeg_quality", DEFAULT_JPEG_QUALITY)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ConfigError(f"video jpeg_quality must be an integer from 1 to 100, got {quality!r}")
    return FrameEncoding("jpeg", quality)


# Reporting -------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractionProgress:
    """Progress of one video's extraction; `frames_claimed` is the header's frame count."""

    path: str
    frames_done: int
    frames_claimed: int | None


@dataclass(frozen=True)
class ExtractionResult:
    path: str
    blob_id: int
    frames: int
    claimed_frames: int | None
    stop_reason: str | None
    is_finished: bool


@dataclass
class ExtractionReport:
    results: list[ExtractionResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    is_stopped: bool = False


ExtractionCallback = Callable[[ExtractionProgress], None]


def stop_note(frames: int, claimed: int | None) -> str:
    """Return the asset note for a video whose decoding ended before its header's count."""
    total = f"{claimed} claimed" if claimed else "an unknown number claimed"
    return (f"{STOP_NOTE_PREFIX}{frames} of {total}: the stream ends early or is damaged"
            f" after that point; the {frames} frames before it are kept")


# The extraction job ----------------------------------------------------------


def extract_bucket_videos(project: Project, bucket_id: str, root: Path, *,
                          progress: ExtractionCallback | None = None,
                          should_stop: Callable[[], bool] | None = None) -> ExtractionReport:
    """Extract (or resume extracting) the frames of every video of a bucket not yet done.

    The caller holds the project's write lock, as `run_import` does. Videos
    whose content is already extracted, under any path, are not decoded again.
    """
    report = ExtractionReport()
    stop = should_stop or (lambda: False)
    encoding = frame_encoding_setting(project.record)
    for asset_id, path, blob_id in _pending_videos(project, bucket_id):
        if stop():
            report.is_stopped = True
            break
        try:
            result = _VideoExtraction(project, asset_id, path, blob_id, root / path,
                                      encoding).run(progress, stop)
        except MediaError as error:
            logger.warning("frames of asset %d not extracted: %s", asset_id, error)
            report.skipped.append((path, str(error)))
            continue
        report.results.append(result)
        if not result.is_finished:
            report.is_stopped = True
            break
    _sync_asset_rows(project, bucket_id)
    return report


def _pending_videos(project: Project, bucket_id: str) -> list[tuple[int, str, int]]:
    rows = project.db.execute(
        "SELECT min(a.id), a.blob_id FROM assets a"
        " LEFT JOIN video_extractions e ON e.blob_id = a.blob_id"
        " WHERE a.bucket_id = ? AND a.kind = 'video' AND a.presence = 'present'"
        " AND (e.state IS NULL OR e.state = 'running')"
        " GROUP BY a.blob_id ORDER BY min(a.id)", (bucket_id,)).fetchall()
    pending = []
    for asset_id, blob_id in rows:
        path = project.db.execute("SELECT path FROM assets WHERE id = ?",
                                  (asset_id,)).fetchone()[0]
        pending.append((int(asset_id), str(path), int(blob_id)))
    return pending


@dataclass(frozen=True)
class _Extraction:
    """A `video_extractions` row."""

    encoding: FrameEncoding
    rotation: int
    claimed_frames: int | None
    frames_done: int


class _VideoExtraction:
    """Decodes one video into frame groups, committing one group at a time."""

    def __init__(self, project: Project, asset_id: int, path: str, blob_id: int,
                 absolute: Path, encoding: FrameEncoding) -> None:
        self.project = project
        self.db = project.db
        self.asset_id = asset_id
        self.path = path
        self.blob_id = blob_id
        self.absolute = absolute
        self.default_encoding = encoding
        self.group = bytearray()
        self.group_frames: list[tuple[int, float, int, int]] = []
        self.last_pts = -math.inf
        self.nominal_ms = 0.0
        self.frame_size: tuple[int, int] | None = None
        self.size_changes = 0
        # Frame-sized arrays reused from frame to frame. Allocating three new
        # 6 MB arrays per 1080p frame fragments the C heap, and the resident
        # memory of a long import then grows with its length.
        self.buffers: dict[str, np.ndarray] = {}

    def run(self, progress: ExtractionCallback | None,
            should_stop: Callable[[], bool]) -> ExtractionResult:
        self._check_unchanged()
        # An absolute path keeps FFmpeg on its file protocol, as in the probe.
        capture = cv2.VideoCapture(str(self.absolute.resolve()), cv2.CAP_FFMPEG)
        try:
            if not capture.isOpened():
                raise MediaError(f"{self.path}: the video cannot be opened for frame extraction")
            # Rotation is applied below from the metadata, so frames are stored
            # in displayed orientation whatever the backend's default is.
            capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
            state = self._start(capture)
            fps = capture.get(cv2.CAP_PROP_FPS)
            self.nominal_ms = 1000.0 / fps if fps > 0 else 40.0
            done = self._skip_done_frames(capture, state)
            if done < state.frames_done:
                return self._finish(done, state, committed=state.frames_done)
            return self._decode(capture, state, done, progress, should_stop)
        finally:
            capture.release()

    def _check_unchanged(self) -> None:
        row = self.db.execute("SELECT size, mtime_ns FROM assets WHERE id = ?",
                              (self.asset_id,)).fetchone()
        try:
            stat = self.absolute.stat()
        except OSError as error:
            raise MediaError(f"{self.path}: cannot be read for frame extraction"
                             f" ({error.strerror}); mount the bucket and import again") from error
        if (stat.st_size, stat.st_mtime_ns) != (row[0], row[1]):
            raise MediaError(f"{self.path}: the file changed after it was imported;"
                             " import the bucket again")

    def _start(self, capture: cv2.VideoCapture) -> _Extraction:
        row = self.db.execute(
            "SELECT encoding, rotation, claimed_frames, frames_done FROM video_extractions"
            " WHERE blob_id = ?", (self.blob_id,)).fetchone()
        if row is not None:
            logger.info("resuming frame extraction of asset %d at frame %d",
                        self.asset_id, row[3])
            return _Extraction(FrameEncoding.from_name(row[0]), int(row[1]), row[2], int(row[3]))
        rotation = int(capture.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        if rotation not in _ROTATE_CODES:
            rotation = 0  # the probe notes a rotation that is not a right angle
        claimed = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if rotation in (90, 270):
            width, height = height, width
        state = _Extraction(self.default_encoding, rotation, claimed if claimed > 0 else None, 0)
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO video_extractions (blob_id, encoding, width, height, rotation,"
                " claimed_frames, frames_done, state) VALUES (?, ?, ?, ?, ?, ?, 0, 'running')",
                (self.blob_id, state.encoding.name, width, height, rotation,
                 state.claimed_frames))
        return state

    def _skip_done_frames(self, capture: cv2.VideoCapture, state: _Extraction) -> int:
        """Decode past the frames a killed run committed; return how many were passed."""
        if state.frames_done == 0:
            return 0
        row = self.db.execute(
            "SELECT pts_ms FROM video_frames WHERE blob_id = ? AND frame = ?",
            (self.blob_id, state.frames_done - 1)).fetchone()
        self.last_pts = float(row[0]) if row else -math.inf
        width, height = self.db.execute(
            "SELECT width, height FROM video_extractions WHERE blob_id = ?",
            (self.blob_id,)).fetchone()
        self.frame_size = (int(width), int(height))
        for passed in range(state.frames_done):
            if not capture.grab():
                return passed
        return state.frames_done

    def _decode(self, capture: cv2.VideoCapture, state: _Extraction, start: int,
                progress: ExtractionCallback | None,
                should_stop: Callable[[], bool]) -> ExtractionResult:
        index = start
        committed = start
        while True:
            if should_stop():
                committed = self._flush(index)
                return ExtractionResult(self.path, self.blob_id, committed,
                                        state.claimed_frames, None, is_finished=False)
            ok, frame = capture.read(self.buffers.get("decoded"))
            if not ok or frame is None:
                break
            self.buffers["decoded"] = frame
            pts = self._timestamp(capture.get(cv2.CAP_PROP_POS_MSEC))
            encoded = state.encoding.encode(self._displayed(frame, state.rotation, index))
            if self.group and len(self.group) + len(encoded) > GROUP_BYTES:
                committed = self._flush(index)
            self.group_frames.append((index, pts, len(self.group), len(encoded)))
            self.group += encoded
            index += 1
            if progress is not None and index % PROGRESS_EVERY_FRAMES == 0:
                progress(ExtractionProgress(self.path, index, state.claimed_frames))
        committed = self._flush(index)
        if progress is not None:
            progress(ExtractionProgress(self.path, index, state.claimed_frames))
        return self._finish(index, state, committed=committed)

    def _timestamp(self, position_ms: float) -> float:
        """Return the frame's presentation time, kept strictly increasing.

        OpenCV reports the time of the frame just read. A container without
        timestamps can repeat or lack them. Such a frame gets the previous
        time plus the nominal frame duration, so that frame order and time
        order always agree.
        """
        if not math.isfinite(position_ms) or position_ms <= self.last_pts:
            position_ms = (self.last_pts + self.nominal_ms) if math.isfinite(self.last_pts) \
                else 0.0
        self.last_pts = position_ms
        return position_ms

    def _reuse(self, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
        buffer = self.buffers.get(name)
        return buffer if buffer is not None and buffer.shape == shape else None

    def _displayed(self, frame: np.ndarray, rotation: int, index: int) -> np.ndarray:
        if rotation:
            height, width = frame.shape[:2]
            shape = (width, height, 3) if rotation in (90, 270) else frame.shape
            frame = cv2.rotate(frame, _ROTATE_CODES[rotation], self._reuse("rotated", shape))
            self.buffers["rotated"] = frame
        height, width = frame.shape[:2]
        if self.frame_size is None:
            self.frame_size = (width, height)
        elif (width, height) != self.frame_size:
            # Annotations use one coordinate frame per video, so a stream whose
            # size changes part-way is scaled back to its first frame's size.
            if self.size_changes == 0:
                logger.warning("asset %d: frame size changes at frame %d; frames are scaled"
                               " to %dx%d", self.asset_id, index, *self.frame_size)
            self.size_changes += 1
            frame = cv2.resize(frame, self.frame_size, interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB, self._reuse("rgb", frame.shape))
        self.buffers["rgb"] = rgb
        return rgb

    def _flush(self, frames_done: int) -> int:
        """Store the current group and commit it with its frames; return frames committed."""
        if not self.group_frames:
            return frames_done
        data = bytes(self.group)

        digest = hashlib.sha256(data).hexdigest()
        row = self.db.execute("SELECT id FROM blobs WHERE sha256 = ?", (digest,)).fetchone()
        refs = None
        uid = secrets.token_hex(16)
        if row is None:
            # Chunk files are synced before the transaction that names them; if
            # the process dies in between, they are orphans for the next import.
            refs = self.project.chunks.write_blob(
                _pieces(data), size=len(data), key=self.project.keys.content_key,
                blob_uid=uid)

        with transaction(self.db):
            if refs is None:
                group_blob_id = int(row[0])
            else:
                cursor = self.db.execute(
                    "INSERT INTO blobs (uid, sha256, size, chunk_count, key_version)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (uid, digest, len(data), len(refs), self.project.key_version))
                group_blob_id = int(cursor.lastrowid)
                self.db.executemany(
                    "INSERT INTO chunks (blob_id, idx, file, size) VALUES (?, ?, ?, ?)",
                    [(group_blob_id, ref.index, ref.file, ref.size) for ref in refs])
            self.db.executemany(
                "INSERT INTO video_frames (blob_id, frame, pts_ms, group_blob_id, offset, length)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(self.blob_id, frame, pts, group_blob_id, offset, length)
                 for frame, pts, offset, length in self.group_frames])
            width, height = self.frame_size or (0, 0)
            self.db.execute(
                "UPDATE video_extractions SET frames_done = ?, width = ?, height = ?"
                " WHERE blob_id = ?", (frames_done, width, height, self.blob_id))

        self.group = bytearray()
        self.group_frames = []
        return frames_done

    def _finish(self, frames: int, state: _Extraction, *, committed: int) -> ExtractionResult:
        reason = None
        if state.claimed_frames and frames < state.claimed_frames:
            reason = stop_note(frames, state.claimed_frames)
            logger.warning("asset %d: decoding stopped at frame %d of %d claimed",
                           self.asset_id, frames, state.claimed_frames)
        if self.size_changes:
            size_note = (f"the frame size changes in {self.size_changes} frames, which are"
                         " scaled to the size of the first frame")
            reason = size_note if reason is None else f"{reason}; {size_note}"
        with transaction(self.db):
            self.db.execute(
                "UPDATE video_extractions SET state = 'finished', frames_done = ?,"
                " stop_reason = ? WHERE blob_id = ?", (committed, reason, self.blob_id))
        logger.info("extracted %d frames of asset %d", committed, self.asset_id)
        return ExtractionResult(self.path, self.blob_id, committed, state.claimed_frames,
                                reason, is_finished=True)


def _pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, max(len(data), 1), CHUNK_BYTES):
        yield data[start:start + CHUNK_BYTES]


def _sync_asset_rows(project: Project, bucket_id: str) -> None:
    """Give video assets the decoded frame count, duration and stop note of their frames.

    Runs after every extraction pass because a re-import rewrites these
    columns from the header, also for content whose frames exist already.
    """
    rows = project.db.execute(
        "SELECT a.id, a.frame_count, a.notes, e.frames_done, e.stop_reason,"
        " (SELECT max(pts_ms) FROM video_frames f WHERE f.blob_id = a.blob_id)"
        " FROM assets a JOIN video_extractions e ON e.blob_id = a.blob_id"
        " WHERE a.bucket_id = ? AND a.kind = 'video' AND e.state = 'finished'",
        (bucket_id,)).fetchall()
    with transaction(project.db):
        for asset_id, frame_count, notes_json, frames, reason, last_pts in rows:
            notes = [note for note in json.loads(notes_json)
                     if not note.startswith(STOP_NOTE_PREFIX) and note != reason]
            if reason:
                notes.append(reason)
            new_json = json.dumps(notes)
            if frame_count == frames and new_json == notes_json:
                continue
            duration = None if last_pts is None else _duration_s(project, asset_id, last_pts)
            project.db.execute(
                "UPDATE assets SET frame_count = ?, duration_s = ?, notes = ? WHERE id = ?",
                (frames, duration, new_json, asset_id))


def _duration_s(project: Project, asset_id: int, last_pts_ms: float) -> float:
    fps = project.db.execute("SELECT fps FROM assets WHERE id = ?", (asset_id,)).fetchone()[0]
    last_frame_ms = 1000.0 / fps if fps else 0.0
    return (last_pts_ms + last_frame_ms) / 1000.0
