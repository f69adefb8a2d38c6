"""Video tracks: keyframes, linear interpolation, split, merge and propagation.

A track is stored as one annotation of kind "track" whose data is

    {"shape": "bbox" | "rotated_bbox" | "points" | "polygon" | "polyline",
     "keyframes": [{"frame": n, "geometry": {...}, "outside": bool,
                    "occluded": bool}, ...],
     "attributes": {...}}

with keyframes sorted by frame. The semantics follow CVAT's tracks:

- Before its first keyframe a track is not shown.
- Between two keyframes the geometry moves linearly from the first to the
  second. That covers box coordinates, rotated-box centre and size, the
  rotated-box angle (along the shorter way round), and the vertices of
  points, polygons and polylines when both keyframes have the same number of
  them. Otherwise the first keyframe's vertices are held until the second.
- A keyframe marked `outside` hides the track from that frame until the next
  keyframe; the segment before it still moves towards its geometry. A
  keyframe marked `occluded` flags the track as occluded from that frame until
  the next keyframe.
- After its last keyframe a track keeps that keyframe's geometry to the end
  of the video, unless that keyframe is outside.

Changing one keyframe therefore changes only the frames between its
neighbouring keyframes; every other keyframe and frame stays as it was.

Shapes drawn on one frame only are ordinary annotations of the image kinds
with a "frame" number in their data; this module makes the image kinds keep
that number.

Coordinates are pixels of the frame in displayed orientation, as returned by
`labeler.core.video.index.read_frame`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Final, Mapping, Sequence

from labeler.core import annotations as annotation_kinds
from labeler.core.annotations import IMAGE_SHAPES, Annotation, normalise_geometry, register_kind
from labeler.core.errors import ConfigError

TRACK_KIND: Final = "track"
TRACK_SHAPES: Final = ("bbox", "rotated_bbox", "points", "polygon", "polyline")
_BOX_KEYS: Final = {"bbox": ("x", "y", "w", "h"), "rotated_bbox": ("cx", "cy", "w", "h")}


@dataclass(frozen=True)
class Keyframe:
    frame: int
    geometry: Mapping[str, Any]
    outside: bool = False
    occluded: bool = False

    def to_data(self) -> dict[str, Any]:
        return {"frame": self.frame, "geometry": dict(self.geometry),
                "outside": self.outside, "occluded": self.occluded}


@dataclass(frozen=True)
class TrackShape:
    """A track's shape on one frame, interpolated unless `is_keyframe`."""

    frame: int
    geometry: dict[str, Any]
    occluded: bool
    is_keyframe: bool


@dataclass(frozen=True)
class Track:
    """A shape followed through frames; keyframes are sorted and unique by frame."""

    shape: str
    keyframes: tuple[Keyframe, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Track:
        """Build a track from annotation data, validating it.

        Raises:
            ConfigError: the data is not a valid track.
        """
        checked = validate_track(data)
        keyframes = tuple(Keyframe(item["frame"], item["geometry"], item["outside"],
                                   item["occluded"]) for item in checked["keyframes"])
        return cls(checked["shape"], keyframes, checked["attributes"])

    def to_data(self) -> dict[str, Any]:
        return {"shape": self.shape, "keyframes": [k.to_data() for k in self.keyframes],
                "attributes": dict(self.attributes)}

    @property
    def first_frame(self) -> int:
        return self.keyframes[0].frame

    @property
    def last_frame(self) -> int:
        return self.keyframes[-1].frame

    def keyframe_at(self, frame: int) -> Keyframe | None:
        for keyframe in self.keyframes:
            if keyframe.frame == frame:
                return keyframe
        return None

    def shape_at(self, frame: int) -> TrackShape | None:
        """Return the track's shape on `frame`, or None where it is not shown."""
        if not self.keyframes or frame < self.first_frame:
            return None
        index = _last_at_or_before(self.keyframes, frame)
        current = self.keyframes[index]
        if current.outside:
            return None
        if current.frame == frame:
            return TrackShape(frame, dict(current.geometry), current.occluded, True)
        if index + 1 == len(self.keyframes):
            return TrackShape(frame, dict(current.geometry), current.occluded, False)
        following = self.keyframes[index + 1]
        fraction = (frame - current.frame) / (following.frame - current.frame)
        geometry = interpolate_geometry(self.shape, current.geometry, following.geometry,
                                        fraction)
        return TrackShape(frame, geometry, current.occluded, False)

    def with_keyframe(self, keyframe: Keyframe) -> Track:
        """Return the track with `keyframe` added, or replacing the one on its frame."""
        geometry = _checked_geometry(self.shape, keyframe.geometry)
        kept = [k for k in self.keyframes if k.frame != keyframe.frame]
        added = replace(keyframe, geometry=geometry)
        keyframes = tuple(sorted([*kept, added], key=lambda k: k.frame))
        if keyframes[0].outside:
            raise ConfigError("a track's first keyframe cannot be outside")
        return replace(self, keyframes=keyframes)

    def without_keyframe(self, frame: int) -> Track:
        """Return the track without its keyframe on `frame`.

        Raises:
            ConfigError: there is no keyframe on `frame`, or it is the only one.
        """
        if self.keyframe_at(frame) is None:
            raise ConfigError(f"the track has no keyframe on frame {frame}")
        keyframes = tuple(k for k in self.keyframes if k.frame != frame)
        if not keyframes:
            raise ConfigError("the only keyframe of a track cannot be removed; delete the track")
        if keyframes[0].outside:
            raise ConfigError(
                f"removing the keyframe on frame {frame} would start the track outside")
        return replace(self, keyframes=keyframes)

    def split(self, frame: int) -> tuple[Track, Track]:
        """Split into the part before `frame` and the part from `frame` on.

        The first part gets an outside keyframe on `frame`; the second starts
        with a keyframe on `frame` holding the shape shown there.

        Raises:
            ConfigError: the track is not shown on `frame`, or `frame` is its
                first frame.
        """
        shown = self.shape_at(frame)
        if shown is None or frame <= self.first_frame:
            raise ConfigError(
                f"a track can be split only on a frame after its first where it is shown;"
                f" frame {frame} is not one")
        before = [k for k in self.keyframes if k.frame < frame]
        after = [k for k in self.keyframes if k.frame > frame]
        end = Keyframe(frame, shown.geometry, outside=True)
        start = Keyframe(frame, shown.geometry, occluded=shown.occluded)
        return (replace(self, keyframes=(*before, end)),
                replace(self, keyframes=(start, *after), attributes=dict(self.attributes)))


def merge_tracks(first: Track, second: Track) -> Track:
    """Join two tracks of one object into one.

    The track that starts later takes over from its first keyframe to its
    last. The other track's keyframes inside that span are dropped, and its
    keyframes before and after the span are kept. Attributes of the earlier
    track win where both set one.

    Raises:
        ConfigError: the tracks follow different shape types.
    """
    if first.shape != second.shape:
        raise ConfigError(f"a {first.shape} track cannot be merged with a {second.shape} track")
    early, late = (first, second) if first.first_frame <= second.first_frame else (second, first)
    kept = [k for k in early.keyframes if k.frame < late.first_frame or k.frame > late.last_frame]
    keyframes = tuple(sorted([*kept, *late.keyframes], key=lambda k: k.frame))
    return Track(early.shape, keyframes, {**late.attributes, **early.attributes})


def interpolate_geometry(shape: str, start: Mapping[str, Any], end: Mapping[str, Any],
                         fraction: float) -> dict[str, Any]:
    """Return the geometry `fraction` (0 to 1) of the way from `start` to `end`."""
    if shape in _BOX_KEYS:
        geometry = {key: _lerp(start[key], end[key], fraction) for key in _BOX_KEYS[shape]}
        if shape == "rotated_bbox":
            turn = (end["angle"] - start["angle"] + 180.0) % 360.0 - 180.0
            geometry["angle"] = (start["angle"] + turn * fraction) % 360.0
        return geometry
    start_points, end_points = start["points"], end["points"]
    if len(start_points) != len(end_points):
        return {"points": [list(point) for point in start_points]}
    return {"points": [[_lerp(a[0], b[0], fraction), _lerp(a[1], b[1], fraction)]
                       for a, b in zip(start_points, end_points)]}


def _lerp(start: float, end: float, fraction: float) -> float:
    return start + (end - start) * fraction


def _last_at_or_before(keyframes: Sequence[Keyframe], frame: int) -> int:
    index = 0
    for position, keyframe in enumerate(keyframes):
        if keyframe.frame > frame:
            break
        index = position
    return index


# Validation ------------------------------------------------------------------


def _frame_number(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{what} must be a frame number (an integer of 0 or more),"
                          f" got {value!r}")
    return value


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be true or false, got {value!r}")
    return value


def _checked_geometry(shape: str, geometry: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(geometry, Mapping):
        raise ConfigError(f"a keyframe geometry must be a table, got {geometry!r}")
    checked = normalise_geometry(shape, {k: v for k, v in geometry.items() if k != "frame"})
    checked.pop("attributes", None)
    checked.pop("frame", None)
    return checked


def validate_track(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the data of a "track" annotation and return it with plain values.

    Raises:
        ConfigError: a field is missing or invalid; the message names it.
    """
    shape = data.get("shape")
    if shape not in TRACK_SHAPES:
        raise ConfigError(f"a track shape must be one of {', '.join(TRACK_SHAPES)},"
                          f" got {shape!r}")
    items = data.get("keyframes")
    if not isinstance(items, list) or not items:
        raise ConfigError("a track needs a list of at least one keyframe")
    keyframes = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ConfigError(f"a keyframe must be a table, got {item!r}")
        frame = _frame_number(item.get("frame"), "a keyframe frame")
        keyframes.append({
            "frame": frame,
            "geometry": _checked_geometry(str(shape), item.get("geometry", {})),
            "outside": _flag(item.get("outside", False), f"outside of keyframe {frame}"),
            "occluded": _flag(item.get("occluded", False), f"occluded of keyframe {frame}"),
        })
    keyframes.sort(key=lambda k: k["frame"])
    frames = [k["frame"] for k in keyframes]
    if len(set(frames)) != len(frames):
        raise ConfigError("a track has two keyframes on one frame")
    if keyframes[0]["outside"]:
        raise ConfigError("a track's first keyframe cannot be outside")
    attributes = data.get("attributes", {})
    if not isinstance(attributes, Mapping):
        raise ConfigError(f"track attributes must be a table, got {attributes!r}")
    return {"shape": shape, "keyframes": keyframes, "attributes": dict(attributes)}


def _keeping_frame(base: annotation_kinds.Validator) -> annotation_kinds.Validator:
    """Wrap an image-shape validator so a per-frame video shape keeps its frame number."""

    def validate(data: Mapping[str, Any]) -> dict[str, Any]:
        geometry = base(data)
        if "frame" in data:
            geometry["frame"] = _frame_number(data["frame"], "a shape's frame")
        return geometry

    validate.keeps_frame = True  # type: ignore[attr-defined]
    return validate


def _register_kinds() -> None:
    register_kind(TRACK_KIND, validate_track)
    for kind in sorted(IMAGE_SHAPES):
        # NOTE: the image-shape validators of annotations.py drop keys they do
        # not know, "frame" included. Wrapping them keeps it, and reading the
        # private table is needed because annotations.py has no public getter.
        base = annotation_kinds._VALIDATORS[kind]
        if not getattr(base, "keeps_frame", False):
            register_kind(kind, _keeping_frame(base))


_register_kinds()


# Per-frame shapes --------------------------------------------------------------


def frame_of(annotation: Annotation) -> int | None:
    """Return the frame of a per-frame shape, or None for tracks and whole-video annotations."""
    frame = annotation.data.get("frame")
    return frame if isinstance(frame, int) and not isinstance(frame, bool) else None


def propagate_shape(annotation: Annotation, count: int, frame_count: int) -> list[Annotation]:
    """Return copies of a per-frame shape on the next `count` frames that exist.

    The copies are new annotations (not saved) with the same kind, label and
    geometry, on frames after the shape's own, up to the video's last frame.

    Raises:
        ConfigError: the annotation is not a per-frame shape, or `count` < 1.
    """
    frame = frame_of(annotation)
    if frame is None or annotation.kind not in IMAGE_SHAPES:
        raise ConfigError("only a shape drawn on one frame can be propagated")
    if count < 1:
        raise ConfigError(f"propagate needs a count of 1 or more frames, got {count}")
    last = min(frame + count, frame_count - 1)
    return [Annotation(annotation.asset_id, annotation.kind, annotation.label,
                       {**annotation.data, "frame": target})
            for target in range(frame + 1, last + 1)]


def check_track_label(label_shapes: Sequence[str], track: Track, label: str) -> None:
    """Check that a label allows tracks of this shape; the store checks only "track".

    Raises:
        ConfigError: the label's shapes do not include the track's shape.
    """
    if track.shape not in label_shapes:
        raise ConfigError(f"label {label!r} does not allow {track.shape} shapes, so it cannot"
                          f" have a {track.shape} track; it allows {', '.join(label_shapes)}")


def bounding_box(shape: str, geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """Return (x, y, w, h), the axis-aligned box around a geometry."""
    if shape == "bbox":
        return geometry["x"], geometry["y"], geometry["w"], geometry["h"]
    if shape == "rotated_bbox":
        angle = math.radians(geometry["angle"])
        half_w = (abs(geometry["w"] * math.cos(angle)) + abs(geometry["h"] * math.sin(angle))) / 2
        half_h = (abs(geometry["w"] * math.sin(angle)) + abs(geometry["h"] * math.cos(angle))) / 2
        return geometry["cx"] - half_w, geometry["cy"] - half_h, 2 * half_w, 2 * half_h
    xs = [point[0] for point in geometry["points"]]
    ys = [point[1] for point in geometry["points"]]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def translate_geometry(shape: str, geometry: Mapping[str, Any], dx: float,
                       dy: float) -> dict[str, Any]:
    """Return the geometry moved by (dx, dy) pixels."""
    if shape == "bbox":
        return {**geometry, "x": geometry["x"] + dx, "y": geometry["y"] + dy}
    if shape == "rotated_bbox":
        return {**geometry, "cx": geometry["cx"] + dx, "cy": geometry["cy"] + dy}
    return {"points": [[point[0] + dx, point[1] + dy] for point in geometry["points"]]}
