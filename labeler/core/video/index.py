"""Frame table queries and frame reads for video assets.

`read_frame` returns a frame as decoded at import: RGB, in displayed
orientation. Reading one frame decrypts its frame group (about one chunk) and
decodes one JPEG or PNG. A small in-memory cache per open project keeps the
last few decrypted groups, so stepping through a group decrypts it once, and
the last few decoded frames, so redrawing the same frame decodes nothing.
Nothing read here is written anywhere but memory.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

import cv2
import numpy as np
import simplejpeg

from labeler.core.errors import MediaError, NotFoundError
from labeler.core.policy.roles import Permission
from labeler.core.project import Asset, Project
from labeler.core.storage.chunks import ChunkRef
from labeler.core.video.frames import FrameEncoding

GROUP_CACHE_SIZE: Final = 6
FRAME_CACHE_SIZE: Final = 4
# Used for the last frame's duration when a video has a single frame.
FALLBACK_FRAME_MS: Final = 40.0


@dataclass(frozen=True)
class VideoFrames:
    """The frames of one video asset as stored at import.

    `timestamps_ms[n]` is frame n's presentation time from the container.
    `frame_count` counts the frames stored so far, which is every frame that
    decoded once `is_finished` is true. `stop_reason` explains why decoding ended
    before the header's count, or is None.
    """

    asset_id: int
    blob_id: int
    encoding: FrameEncoding
    width: int
    height: int
    rotation: int
    claimed_frames: int | None
    is_finished: bool
    stop_reason: str | None
    timestamps_ms: tuple[float, ...]

    @property
    def frame_count(self) -> int:
        return len(self.timestamps_ms)

    def frame_at_time(self, time_ms: float) -> int:
        """Return the frame shown at `time_ms`: the last one whose timestamp is not later."""
        if not self.timestamps_ms:
            raise NotFoundError(f"asset {self.asset_id} has no frames")
        index = bisect.bisect_right(self.timestamps_ms, time_ms + 1e-6) - 1
        return min(max(index, 0), self.frame_count - 1)

    def frame_duration_ms(self, frame: int) -> float:
        """Return how long frame `frame` is shown: the gap to the next timestamp."""
        self.check_frame(frame)
        if frame + 1 < self.frame_count:
            return self.timestamps_ms[frame + 1] - self.timestamps_ms[frame]
        if self.frame_count > 1:
            return self.timestamps_ms[-1] - self.timestamps_ms[-2]
        return FALLBACK_FRAME_MS

    def check_frame(self, frame: int) -> None:
        if not 0 <= frame < self.frame_count:
            raise NotFoundError(
                f"asset {self.asset_id} has no frame {frame}; it has {self.frame_count}"
                f" frames, numbered 0 to {self.frame_count - 1}")


def video_frames(project: Project, asset: Asset) -> VideoFrames:
    """Return the stored frame table of a video asset.

    Raises:
        NotFoundError: the asset's frames were never extracted (not a video,
            or an import that has not reached it yet).
    """
    row = project.db.execute(
        "SELECT encoding, width, height, rotation, claimed_frames, state, stop_reason,"
        " frames_done FROM video_extractions WHERE blob_id = ?", (asset.blob_id,)).fetchone()
    if row is None:
        raise NotFoundError(
            f"asset {asset.id} has no extracted frames; import its bucket to extract them")
    times = tuple(float(value) for (value,) in project.db.execute(
        "SELECT pts_ms FROM video_frames WHERE blob_id = ? ORDER BY frame", (asset.blob_id,)))
    return VideoFrames(asset.id, asset.blob_id, FrameEncoding.from_name(row[0]), int(row[1]),
                       int(row[2]), int(row[3]), row[4], row[5] == "finished", row[6], times)


def read_frame(project: Project, asset: Asset, n: int) -> np.ndarray:
    """Return frame `n` of a video asset as a read-only HxWx3 RGB uint8 array.

    Raises:
        NotFoundError: the video has no frame `n` (or no frames at all).
        CryptoError: a frame chunk is damaged or was moved.
        MediaError: the stored frame does not decode.
    """
    project.session.require(Permission.VIEW)
    return _reader_for(project).read(asset.blob_id, asset.id, n)


def clear_frame_cache(project: Project) -> None:
    """Drop the decrypted groups and decoded frames held for `project`."""
    with _READERS_LOCK:
        _READERS.pop(project, None)


Key = TypeVar("Key")
Value = TypeVar("Value")


class _LruCache(Generic[Key, Value]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Key, Value] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: Key, value: Value) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class _FrameReader:
    """Decrypts frame groups and decodes frames of one open project, with small caches."""

    def __init__(self, project: Project) -> None:
        self.project = weakref.proxy(project)
        self.groups: _LruCache[int, bytes] = _LruCache(GROUP_CACHE_SIZE)
        self.frames: _LruCache[tuple[int, int], np.ndarray] = _LruCache(FRAME_CACHE_SIZE)
        self.lock = threading.Lock()

    def read(self, blob_id: int, asset_id: int, n: int) -> np.ndarray:
        with self.lock:
            cached = self.frames.get((blob_id, n))
            if cached is not None:
                return cached
            group_blob_id, offset, length = self._locate(blob_id, asset_id, n)
            group = self._group(group_blob_id)
        pixels = _decode(group[offset:offset + length], asset_id, n)
        pixels.flags.writeable = False
        with self.lock:
            self.frames.put((blob_id, n), pixels)
        return pixels

    def _locate(self, blob_id: int, asset_id: int, n: int) -> tuple[int, int, int]:
        row = self.project.db.execute(
            "SELECT group_blob_id, offset, length FROM video_frames"
            " WHERE blob_id = ? AND frame = ?", (blob_id, n)).fetchone()
        if row is None:
            count = self.project.db.execute(
                "SELECT count(*) FROM video_frames WHERE blob_id = ?", (blob_id,)).fetchone()[0]
            raise NotFoundError(f"asset {asset_id} has no frame {n}; it has {count} frames")
        return int(row[0]), int(row[1]), int(row[2])

    def _group(self, group_blob_id: int) -> bytes:
        cached = self.groups.get(group_blob_id)
        if cached is not None:
            return cached
        db = self.project.db
        uid, key_version = db.execute(
            "SELECT uid, key_version FROM blobs WHERE id = ?", (group_blob_id,)).fetchone()
        refs = [ChunkRef(idx, name, size) for idx, name, size in db.execute(
            "SELECT idx, file, size FROM chunks WHERE blob_id = ? ORDER BY idx",
            (group_blob_id,))]
        data = self.project.chunks.read_blob(
            refs, key=self.project.content_key(key_version), blob_uid=uid)
        self.groups.put(group_blob_id, data)
        return data


_READERS: weakref.WeakKeyDictionary[Project, _FrameReader] = weakref.WeakKeyDictionary()
_READERS_LOCK: Final = threading.Lock()


def _reader_for(project: Project) -> _FrameReader:
    with _READERS_LOCK:
        reader = _READERS.get(project)
        if reader is None:
            reader = _READERS[project] = _FrameReader(project)
        return reader


_JPEG_MAGIC: Final = b"\xff\xd8"
_PNG_MAGIC: Final = b"\x89PNG"


def _decode(data: bytes, asset_id: int, n: int) -> np.ndarray:
    try:
        if data.startswith(_JPEG_MAGIC):
            return np.asarray(simplejpeg.decode_jpeg(data, colorspace="RGB"))
        if data.startswith(_PNG_MAGIC):
            pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if pixels is not None:
                return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    except ValueError as error:
        raise MediaError(f"frame {n} of asset {asset_id} is damaged: {error}") from error
    raise MediaError(f"frame {n} of asset {asset_id} is damaged: not a JPEG or PNG frame")
