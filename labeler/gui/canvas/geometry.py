"""Shape geometry on plain annotation data: bounds, moves, resizes, hit tests.

Coordinates are image pixels of the full image in the displayed orientation,
origin at the top-left, y pointing down. A rotated box turns clockwise on
screen by `angle` degrees around its centre, which is the same sense as
`QTransform.rotate`. Every function returns new data and leaves its input
unchanged. There is no Qt here, so the rules can be tested without widgets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

Data = dict[str, Any]
Point = tuple[float, float]
Bounds = tuple[float, float, float, float]  # x0, y0, x1, y1

BOX_HANDLES: Final = ("nw", "n", "ne", "e", "se", "s", "sw", "w")
# Handle positions on the box, as fractions of (w, h) from the centre.
_HANDLE_OFFSETS: Final = {
    "nw": (-0.5, -0.5), "n": (0.0, -0.5), "ne": (0.5, -0.5), "e": (0.5, 0.0),
    "se": (0.5, 0.5), "s": (0.0, 0.5), "sw": (-0.5, 0.5), "w": (-0.5, 0.0),
}
MINIMUM_POINTS: Final = {"polygon": 3, "polyline": 2, "points": 1}
# Coordinates are rounded to this many decimals so stored values do not carry
# float noise such as 10.000000000000002; 0.001 px is far below what anyone draws.
_DECIMALS: Final = 3


def tidy(value: float) -> float:
    return round(float(value), _DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def clamp_point(x: float, y: float, size: tuple[float, float]) -> Point:
    return clamp(x, 0.0, size[0]), clamp(y, 0.0, size[1])


def rotate_about(point: Point, centre: Point, angle: float) -> Point:
    """Rotate `point` clockwise on screen by `angle` degrees around `centre`."""
    radians = math.radians(angle)
    cos, sin = math.cos(radians), math.sin(radians)
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    return centre[0] + dx * cos - dy * sin, centre[1] + dx * sin + dy * cos


def rotated_corners(data: Mapping[str, Any]) -> list[Point]:
    """Return the corners of a rotated box: top-left, top-right, bottom-right, bottom-left."""
    cx, cy, w, h = data["cx"], data["cy"], data["w"], data["h"]
    local = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [rotate_about((cx + dx, cy + dy), (cx, cy), data["angle"]) for dx, dy in local]


def outline(kind: str, data: Mapping[str, Any]) -> list[Point]:
    """Return the points that draw the shape (box corners or the vertices)."""
    if kind == "bbox":
        x, y, w, h = data["x"], data["y"], data["w"], data["h"]
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    if kind == "rotated_bbox":
        return rotated_corners(data)
    return [(float(p[0]), float(p[1])) for p in data["points"]]


def bounds(kind: str, data: Mapping[str, Any]) -> Bounds:
    points = outline(kind, data)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def union_bounds(all_bounds: Sequence[Bounds]) -> Bounds:
    return (
        min(b[0] for b in all_bounds), min(b[1] for b in all_bounds),
        max(b[2] for b in all_bounds), max(b[3] for b in all_bounds),
    )


def area(kind: str, data: Mapping[str, Any]) -> float:
    """Return the area a shape covers; lines and points count as 0."""
    if kind == "bbox" or kind == "rotated_bbox":
        return float(data["w"]) * float(data["h"])
    if kind == "polygon":
        points = outline(kind, data)
        twice = sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1])
        )
        return abs(twice) / 2
    return 0.0


def translate(kind: str, data: Mapping[str, Any], dx: float, dy: float) -> Data:
    result = dict(data)
    if kind == "bbox":
        result["x"] = tidy(data["x"] + dx)
        result["y"] = tidy(data["y"] + dy)
    elif kind == "rotated_bbox":
        result["cx"] = tidy(data["cx"] + dx)
        result["cy"] = tidy(data["cy"] + dy)
    else:
        result["points"] = [[tidy(p[0] + dx), tidy(p[1] + dy)] for p in data["points"]]
    return result


def clamp_translation(
    shape_bounds: Bounds, dx: float, dy: float, size: tuple[float, float]
) -> tuple[float, float]:
    """Limit a move so that shapes inside the image stay inside it.

    Along an axis where the shapes are already larger than the image, or
    already stick out, the move is limited only as far as it brings them in.
    """
    x0, y0, x1, y1 = shape_bounds
    low_x, high_x = min(-x0, 0.0), max(size[0] - x1, 0.0)
    low_y, high_y = min(-y0, 0.0), max(size[1] - y1, 0.0)
    return clamp(dx, low_x, high_x), clamp(dy, low_y, high_y)


def fit_into_image(kind: str, data: Mapping[str, Any], size: tuple[float, float]) -> Data:
    """Move a shape into the image, then cut what still sticks out (paste, import)."""
    x0, y0, x1, y1 = bounds(kind, data)
    dx = -x0 if x0 < 0 else min(0.0, size[0] - x1)
    dy = -y0 if y0 < 0 else min(0.0, size[1] - y1)
    moved = translate(kind, data, dx, dy)
    if kind == "bbox":
        left, top = clamp_point(moved["x"], moved["y"], size)
        right, bottom = clamp_point(moved["x"] + moved["w"], moved["y"] + moved["h"], size)
        return {**moved, "x": tidy(left), "y": tidy(top),
                "w": tidy(right - left), "h": tidy(bottom - top)}
    if kind == "rotated_bbox":
        cx, cy = clamp_point(moved["cx"], moved["cy"], size)
        return {**moved, "cx": tidy(cx), "cy": tidy(cy)}
    points = [clamp_point(p[0], p[1], size) for p in moved["points"]]
    return {**moved, "points": [[tidy(x), tidy(y)] for x, y in points]}


def box_from_corners(start: Point, end: Point, size: tuple[float, float]) -> Data:
    """Return bbox data spanning two corners, clamped to the image."""
    (x0, y0), (x1, y1) = clamp_point(*start, size), clamp_point(*end, size)
    left, right = sorted((x0, x1))
    top, bottom = sorted((y0, y1))
    return {"x": tidy(left), "y": tidy(top), "w": tidy(right - left),
            "h": tidy(bottom - top), "attributes": {}}


def rotated_from_box(box: Mapping[str, Any]) -> Data:
    return {"cx": tidy(box["x"] + box["w"] / 2), "cy": tidy(box["y"] + box["h"] / 2),
            "w": box["w"], "h": box["h"], "angle": 0.0,
            "attributes": dict(box.get("attributes", {}))}


def box_handles(kind: str, data: Mapping[str, Any]) -> dict[str, Point]:
    """Return the resize handles of a box by name (corners and edge middles)."""
    centre, w, h, angle = _box_frame(kind, data)
    return {
        name: rotate_about(
            (centre[0] + fx * w, centre[1] + fy * h), centre, angle
        )
        for name, (fx, fy) in _HANDLE_OFFSETS.items()
    }


def rotation_handle(data: Mapping[str, Any], distance: float) -> Point:
    """Return where the rotation handle sits: `distance` above the top edge's middle."""
    centre = (data["cx"], data["cy"])
    top = (data["cx"], data["cy"] - data["h"] / 2 - distance)
    return rotate_about(top, centre, data["angle"])


def _box_frame(kind: str, data: Mapping[str, Any]) -> tuple[Point, float, float, float]:
    if kind == "bbox":
        centre = (data["x"] + data["w"] / 2, data["y"] + data["h"] / 2)
        return centre, data["w"], data["h"], 0.0
    return (data["cx"], data["cy"]), data["w"], data["h"], data["angle"]


def resize_box(
    kind: str, data: Mapping[str, Any], handle: str, point: Point,
    size: tuple[float, float],
) -> Data:
    """Drag one handle of a box to `point`; the opposite side stays where it is.

    Dragging past the opposite side flips the box. The result is at least
    1 px wide and high; a plain bbox is also clamped to the image.
    """
    centre, w, h, angle = _box_frame(kind, data)
    fx, fy = _HANDLE_OFFSETS[handle]
    # Work in the box's own frame, where its sides are axis-aligned.
    local = rotate_about(point, centre, -angle)
    if kind == "bbox":
        local = clamp_point(*local, size)
    left, right = centre[0] - w / 2, centre[0] + w / 2
    top, bottom = centre[1] - h / 2, centre[1] + h / 2
    if fx < 0:
        left = local[0]
    elif fx > 0:
        right = local[0]
    if fy < 0:
        top = local[1]
    elif fy > 0:
        bottom = local[1]
    left, right = sorted((left, right))
    top, bottom = sorted((top, bottom))
    right = max(right, left + 1.0)
    bottom = max(bottom, top + 1.0)

    if kind == "bbox":
        return {**data, "x": tidy(left), "y": tidy(top),
                "w": tidy(right - left), "h": tidy(bottom - top)}
    new_centre = rotate_about(((left + right) / 2, (top + bottom) / 2), centre, angle)
    return {**data, "cx": tidy(new_centre[0]), "cy": tidy(new_centre[1]),
            "w": tidy(right - left), "h": tidy(bottom - top)}


def rotate_towards(data: Mapping[str, Any], point: Point, *, snap: float = 0.0) -> Data:
    """Turn a rotated box so that its rotation handle points at `point`.

    `snap` rounds the angle to a multiple of that many degrees (0: no rounding).
    The angle is kept in [0, 360).
    """
    dx, dy = point[0] - data["cx"], point[1] - data["cy"]
    # The handle sits straight above the centre at angle 0, so atan2 measures
    # from "up" (0, -1), clockwise on screen.
    angle = math.degrees(math.atan2(dx, -dy))
    if snap:
        angle = round(angle / snap) * snap
    return {**data, "angle": tidy(angle % 360.0)}


def _shift_inside(low: float, high: float, limit: float) -> float:
    """Return the shift that moves the span [low, high] inside [0, limit]."""
    if low < 0:
        return -low
    if high > limit:
        return limit - high
    return 0.0


def keep_rotated_inside(data: Mapping[str, Any], size: tuple[float, float]) -> Data:
    """Shift a rotated box so that its corners are inside the image where it fits."""
    x0, y0, x1, y1 = bounds("rotated_bbox", data)
    dx = _shift_inside(x0, x1, size[0])
    dy = _shift_inside(y0, y1, size[1])
    if x1 - x0 > size[0]:
        dx = 0.0
    if y1 - y0 > size[1]:
        dy = 0.0
    return translate("rotated_bbox", data, dx, dy)


def move_vertex(
    data: Mapping[str, Any], index: int, point: Point, size: tuple[float, float]
) -> Data:
    points = [list(p) for p in data["points"]]
    x, y = clamp_point(*point, size)
    points[index] = [tidy(x), tidy(y)]
    return {**data, "points": points}


def insert_vertex(data: Mapping[str, Any], index: int, point: Point) -> Data:
    """Insert `point` so that it becomes vertex number `index`."""
    points = [list(p) for p in data["points"]]
    points.insert(index, [tidy(point[0]), tidy(point[1])])
    return {**data, "points": points}


def remove_vertex(data: Mapping[str, Any], index: int) -> Data:
    points = [list(p) for p in data["points"]]
    del points[index]
    return {**data, "points": points}


def distance_to_segment(point: Point, start: Point, end: Point) -> tuple[float, Point]:
    """Return the distance from `point` to a segment and the nearest point on it."""
    sx, sy = end[0] - start[0], end[1] - start[1]
    length_squared = sx * sx + sy * sy
    if length_squared == 0:
        return math.dist(point, start), start
    t = clamp(((point[0] - start[0]) * sx + (point[1] - start[1]) * sy) / length_squared,
              0.0, 1.0)
    nearest = (start[0] + t * sx, start[1] + t * sy)
    return math.dist(point, nearest), nearest


def nearest_edge(
    kind: str, data: Mapping[str, Any], point: Point
) -> tuple[int, Point, float] | None:
    """Return (insert index, nearest point, distance) for the edge closest to `point`.

    Only polygons (closed) and polylines (open) have edges; other kinds return None.
    """
    if kind not in ("polygon", "polyline"):
        return None
    vertices = outline(kind, data)
    pairs = list(zip(vertices, vertices[1:]))
    if kind == "polygon":
        pairs.append((vertices[-1], vertices[0]))
    best: tuple[int, Point, float] | None = None
    for index, (start, end) in enumerate(pairs):
        distance, nearest = distance_to_segment(point, start, end)
        if best is None or distance < best[2]:
            best = (index + 1, nearest, distance)
    return best


def _inside_polygon(point: Point, vertices: Sequence[Point]) -> bool:
    inside = False
    x, y = point
    for (x0, y0), (x1, y1) in zip(vertices, list(vertices[1:]) + list(vertices[:1])):
        if (y0 > y) != (y1 > y):
            crossing = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            if x < crossing:
                inside = not inside
    return inside


def hit_distance(kind: str, data: Mapping[str, Any], point: Point) -> float:
    """Return how far `point` is from the shape: 0 inside a filled shape."""
    vertices = outline(kind, data)
    if kind == "points":
        return min(math.dist(point, vertex) for vertex in vertices)
    closed = kind != "polyline"
    if closed and _inside_polygon(point, vertices):
        return 0.0
    pairs = list(zip(vertices, vertices[1:]))
    if closed:
        pairs.append((vertices[-1], vertices[0]))
    if not pairs:
        return math.dist(point, vertices[0])
    return min(distance_to_segment(point, start, end)[0] for start, end in pairs)
