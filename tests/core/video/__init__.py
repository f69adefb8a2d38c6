"""Synthetic videos for the video tests and the seek benchmark.

Every generated frame carries its own index as a 16-bit binary code: a 4x4
grid of blocks, white for 1 and black for 0, most significant bit first,
row by row. Blocks are large and flat, so the code survives MPEG-4 and JPEG
compression. A red square marks the stored top-left corner and a blue one the
stored top-right corner, which shows both the channel order (RGB against BGR)
and the rotation of a decoded frame.

The MP4 helpers patch files written by OpenCV's `mp4v` writer (FFmpeg's mov
muxer), which puts the `moov` box after `mdat`: changing the size of a box in
`moov` therefore moves no sample data, and the chunk offsets stay valid.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Sequence

import cv2
import numpy as np

from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.ingest import ImportReport, run_import
from labeler.core.model.ontology import parse_ontology
from labeler.core.policy.fields import parse_field_policy
from labeler.core.project import Project
from labeler.core.session import Session

CODE_BITS: Final = 16
GRID: Final = 4
RED_RGB: Final = (230, 20, 20)
BLUE_RGB: Final = (20, 20, 230)


def _layout(width: int, height: int) -> tuple[int, int, int]:
    """Return the block size and the top-left corner of the code grid."""
    block = min(width, height) // (GRID + 3)
    left = (width - GRID * block) // 2
    top = (height - GRID * block) // 2
    return block, left, top


def draw_frame(index: int, width: int, height: int, *, noise: bool = False) -> np.ndarray:
    """Return an RGB frame that carries `index` (0 to 65535) as a block code.

    With `noise`, the bottom eighth of the frame is random pixels (seeded by
    the index), which makes frames as hard to compress as camera footage.
    """
    if not 0 <= index < 2**CODE_BITS:
        raise ValueError(f"index must be in 0..{2**CODE_BITS - 1}, got {index}")
    frame = np.full((height, width, 3), 64, np.uint8)
    block, left, top = _layout(width, height)
    for bit in range(CODE_BITS):
        if index >> (CODE_BITS - 1 - bit) & 1:
            row, column = divmod(bit, GRID)
            y, x = top + row * block, left + column * block
            frame[y:y + block, x:x + block] = 255
    if noise:
        band = max(1, height // 8)
        random = np.random.default_rng(index)
        frame[height - band:] = random.integers(0, 256, (band, width, 3), dtype=np.uint8)
    marker = max(4, block // 2)
    frame[:marker, :marker] = RED_RGB
    frame[:marker, width - marker:] = BLUE_RGB
    return frame


def read_index(frame: np.ndarray) -> int:
    """Read back the index drawn by `draw_frame` from an RGB frame in stored orientation."""
    height, width = frame.shape[:2]
    block, left, top = _layout(width, height)
    gray = frame.mean(axis=2)
    index = 0
    for bit in range(CODE_BITS):
        row, column = divmod(bit, GRID)
        y, x = top + row * block, left + column * block
        margin = block // 4
        centre = gray[y + margin:y + block - margin, x + margin:x + block - margin]
        index = index << 1 | int(centre.mean() > 160)
    return index


def corner_colours(frame: np.ndarray) -> dict[str, str]:
    """Name the marker colour found in each corner of an RGB frame ("red", "blue" or "")."""
    height, width = frame.shape[:2]
    probe = 3
    corners = {
        "top_left": frame[1:probe, 1:probe],
        "top_right": frame[1:probe, width - probe:width - 1],
        "bottom_left": frame[height - probe:height - 1, 1:probe],
        "bottom_right": frame[height - probe:height - 1, width - probe:width - 1],
    }
    names = {}
    for corner, pixels in corners.items():
        red, _green, blue = pixels.reshape(-1, 3).mean(axis=0)
        if red > 150 > blue:
            names[corner] = "red"
        elif blue > 150 > red:
            names[corner] = "blue"
        else:
            names[corner] = ""
    return names


def write_video(path: Path, count: int, *, fourcc: str = "mp4v", fps: float = 25.0,
                size: tuple[int, int] = (160, 112), first_index: int = 0,
                noise: bool = False) -> Path:
    """Write `count` coded frames with OpenCV's writer; return the path."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {fourcc} into {path.suffix} here")
    try:
        for index in range(first_index, first_index + count):
            frame = draw_frame(index, width, height, noise=noise)
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path


# Workspaces -------------------------------------------------------------------

ADMIN_PASSWORD: Final = "admin-pass-1"
ANNOTATOR_PASSWORD: Final = "annotator-pass-1"
VIDEO_ONTOLOGY: Final = {
    "labels": [
        {"name": "person", "key": "1", "shapes": ["bbox", "points", "polygon", "track"]},
        {"name": "vehicle", "key": "2", "shapes": ["bbox", "rotated_bbox", "track"]},
        {"name": "sign", "key": "3", "shapes": ["bbox"]},
    ],
}
VIDEO_POLICY: Final = {"default": {"admin": "visible", "annotator": "visible"}, "fields": {}}


@dataclass
class VideoWorkspace:
    root: Path
    project_id: str

    def open(self, user: str = "admin") -> Project:
        """Sign in and open the project; the caller locks `project.session` when done."""
        password = ADMIN_PASSWORD if user == "admin" else ANNOTATOR_PASSWORD
        session = Session.sign_in(self.root, user, password)
        return session.open_project(self.project_id)

    def import_bucket(self, video_settings: dict[str, object] | None = None) -> ImportReport:
        project = self.open()
        try:
            if video_settings is not None:
                project.record["video"] = video_settings
            return run_import(project, next(iter(project.record["buckets"])))
        finally:
            project.session.lock()


def build_video_workspace(root: Path, bucket: Path) -> VideoWorkspace:
    """Create a workspace with admin and annotator anna, one project whose labels allow tracks."""
    admin = Session.create_workspace(root, "admin", ADMIN_PASSWORD, TEST_KDF_COST)
    try:
        admin.add_team("team")
        admin.add_user("anna", "annotator", ANNOTATOR_PASSWORD, ["team"], TEST_KDF_COST)
        project_id = admin.create_project(
            "Video", parse_ontology(VIDEO_ONTOLOGY),
            parse_field_policy(VIDEO_POLICY, ["admin", "annotator", "reviewer"]), ["team"])
        admin.add_bucket(project_id, bucket)
    finally:
        admin.lock()
    return VideoWorkspace(root, project_id)


# MP4 box surgery -------------------------------------------------------------

_CONTAINERS: Final = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"})


def _find_box(data: bytes | bytearray, path: Sequence[bytes], start: int = 0,
              end: int | None = None) -> list[int]:
    """Return the offsets of the boxes along `path` (outermost first)."""
    end = len(data) if end is None else end
    position = start
    while position < end:
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == path[0]:
            if len(path) == 1:
                return [position]
            return [position, *_find_box(data, path[1:], position + 8, position + size)]
        position += size
    raise ValueError(f"no {path[0].decode()} box found")


_VIDEO_TRACK: Final = (b"moov", b"trak")


def set_mp4_rotation(path: Path, degrees: int) -> None:
    """Write a display matrix that rotates the picture clockwise by `degrees` for display.

    The matrices are the ones FFmpeg's mov muxer writes for a `rotate`
    tag of 90, 180 and 270 (libavformat/movenc.c, `mov_write_tkhd_tag`).
    """
    data = bytearray(path.read_bytes())
    tkhd = _find_box(data, (*_VIDEO_TRACK, b"tkhd"))[-1]
    version = data[tkhd + 8]
    # tkhd: size, type, version+flags, then (v0) 4+4+4+4+4 or (v1) 8+8+4+4+8 bytes,
    # 8 reserved, 2 layer, 2 group, 2 volume, 2 reserved, then the 3x3 matrix.
    matrix_at = tkhd + 12 + (20 if version == 0 else 32) + 16
    width_fixed, height_fixed = struct.unpack(">II", data[matrix_at + 36:matrix_at + 44])
    width, height = width_fixed >> 16, height_fixed >> 16
    a, b, c, d, tx, ty = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, 1, -1, 0, height, 0),
        180: (-1, 0, 0, -1, width, height),
        270: (0, -1, 1, 0, 0, width),
    }[degrees]
    values = (a << 16, b << 16, 0, c << 16, d << 16, 0, tx << 16, ty << 16, 1 << 30)
    data[matrix_at:matrix_at + 36] = struct.pack(">9i", *values)
    path.write_bytes(bytes(data))


def set_mp4_frame_durations(path: Path, durations: Sequence[int]) -> int:
    """Give each frame its own duration, in the track's time units; return that timescale.

    Rewrites the time-to-sample table (`stts`) with one entry per frame and
    grows every enclosing box by the same number of bytes.
    """
    data = bytearray(path.read_bytes())
    offsets = _find_box(data, (*_VIDEO_TRACK, b"mdia", b"minf", b"stbl", b"stts"))
    if _find_box(data, (b"mdat",))[0] > offsets[0]:
        raise ValueError("moov comes before mdat; chunk offsets would need rewriting")
    stts = offsets[-1]
    _drop_edit_list(data)
    old_size = struct.unpack(">I", data[stts:stts + 4])[0]
    old_count = sum(count for count, _delta in _stts_entries(data, stts))
    if old_count != len(durations):
        raise ValueError(f"the track has {old_count} frames, got {len(durations)} durations")
    body = struct.pack(">II", 0, len(durations)) + b"".join(
        struct.pack(">II", 1, duration) for duration in durations)
    new_box = struct.pack(">I4s", 8 + len(body), b"stts") + body
    growth = len(new_box) - old_size
    data[stts:stts + old_size] = new_box
    for parent in offsets[:-1]:
        size = struct.unpack(">I", data[parent:parent + 4])[0]
        data[parent:parent + 4] = struct.pack(">I", size + growth)
    mdhd = _find_box(data, (*_VIDEO_TRACK, b"mdia", b"mdhd"))[-1]
    timescale = _set_mdhd_duration(data, mdhd, sum(durations))
    path.write_bytes(bytes(data))
    return timescale


def _drop_edit_list(data: bytearray) -> None:
    """Turn the edit list into a `free` box of the same size.

    The edit list states the old total duration, and FFmpeg drops the frames
    that fall after its end, so it must not outlive the new durations.
    """
    try:
        edts = _find_box(data, (*_VIDEO_TRACK, b"edts"))[-1]
    except ValueError:
        return
    data[edts + 4:edts + 8] = b"free"


def _stts_entries(data: bytearray, stts: int) -> list[tuple[int, int]]:
    count = struct.unpack(">I", data[stts + 12:stts + 16])[0]
    return [struct.unpack(">II", data[stts + 16 + 8 * i:stts + 24 + 8 * i]) for i in range(count)]


def _set_mdhd_duration(data: bytearray, mdhd: int, duration: int) -> int:
    if data[mdhd + 8] == 0:
        timescale = struct.unpack(">I", data[mdhd + 20:mdhd + 24])[0]
        data[mdhd + 24:mdhd + 28] = struct.pack(">I", duration)
    else:
        timescale = struct.unpack(">I", data[mdhd + 28:mdhd + 32])[0]
        data[mdhd + 32:mdhd + 40] = struct.pack(">Q", duration)
    return int(timescale)


def truncate_tail(path: Path, keep_fraction: float) -> None:
    """Cut the file after `keep_fraction` of its bytes, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep_fraction)])
