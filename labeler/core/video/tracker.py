"""Optional keyframe suggestions from OpenCV's MIL tracker.

TrackerMIL ships with OpenCV itself and needs no downloaded model. Starting
from a track's shape on one frame, it follows the shape's bounding box over
the next frames. The suggestions are returned and never saved, so the user
accepts or corrects them. The tracker follows position only: a box keeps its
size, and other shapes are moved by the box's displacement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Final

import cv2
import numpy as np

from labeler.core.errors import ConfigError
from labeler.core.project import Asset, Project
from labeler.core.video.index import read_frame, video_frames
from labeler.core.video.tracks import Track, bounding_box, translate_geometry

logger = logging.getLogger(__name__)

MAX_SUGGESTED_FRAMES: Final = 500


@dataclass(frozen=True)
class Suggestion:
    """A suggested keyframe: the shape the tracker found on `frame`."""

    frame: int
    geometry: dict[str, Any]


def suggest_keyframes(project: Project, asset: Asset, track: Track, start_frame: int,
                      count: int, *, step: int = 1,
                      should_stop: Callable[[], bool] | None = None) -> list[Suggestion]:
    """Follow a track's shape from `start_frame` over the next `count` frames.

    Args:
        step: suggest every `step`-th frame; the last frame followed is
            always suggested.
        should_stop: polled before each frame; True ends the run early with
            the suggestions made so far.

    Returns:
        Suggestions in frame order. The list ends early where the tracker
        loses the object or the video ends.

    Raises:
        ConfigError: the track is not shown on `start_frame`, or `count` or
            `step` is out of range.
    """
    shown = track.shape_at(start_frame)
    if shown is None:
        raise ConfigError(f"the track is not shown on frame {start_frame}, so there is"
                          " nothing to follow from there")
    if not 1 <= count <= MAX_SUGGESTED_FRAMES:
        raise ConfigError(f"the tracker follows 1 to {MAX_SUGGESTED_FRAMES} frames,"
                          f" got {count}")
    if step < 1:
        raise ConfigError(f"the suggestion step must be 1 or more frames, got {step}")
    stop = should_stop or (lambda: False)
    last = min(start_frame + count, video_frames(project, asset).frame_count - 1)

    x, y, w, h = bounding_box(track.shape, shown.geometry)
    start_box = (round(x), round(y), max(1, round(w)), max(1, round(h)))
    tracker = cv2.TrackerMIL.create()
    tracker.init(_bgr(read_frame(project, asset, start_frame)), start_box)

    suggestions = []
    for frame in range(start_frame + 1, last + 1):
        if stop():
            break
        found, box = tracker.update(_bgr(read_frame(project, asset, frame)))
        if not found:
            logger.info("the tracker lost the object on frame %d of asset %d", frame, asset.id)
            break
        if (frame - start_frame) % step and frame != last:
            continue
        geometry = translate_geometry(track.shape, shown.geometry, box[0] - start_box[0],
                                      box[1] - start_box[1])
        suggestions.append(Suggestion(frame, geometry))
    return suggestions


def _bgr(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
