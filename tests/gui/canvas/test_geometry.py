"""Shape geometry rules: clamping, resizing, rotation and hit tests."""

from __future__ import annotations

import pytest

from labeler.gui.canvas import geometry

SIZE = (640.0, 480.0)


def test_box_from_corners_any_direction_and_clamped() -> None:
    box = geometry.box_from_corners((130, 100), (-20, 20), SIZE)

    assert box == {"x": 0, "y": 20, "w": 130, "h": 80, "attributes": {}}


def test_clamp_translation_stops_at_edges() -> None:
    assert geometry.clamp_translation((10, 10, 50, 50), -30, 500, SIZE) == (-10, 430)


def test_clamp_translation_lets_outside_shape_come_in() -> None:
    # Already sticking out on the left: moving further left is stopped, right is free.
    assert geometry.clamp_translation((-5, 0, 20, 10), -10, 0, SIZE) == (0, 0)
    assert geometry.clamp_translation((-5, 0, 20, 10), 10, 0, SIZE) == (10, 0)


def test_fit_into_image_moves_then_cuts() -> None:
    moved = geometry.fit_into_image("bbox", {"x": 600, "y": 470, "w": 80, "h": 60}, SIZE)
    assert (moved["x"], moved["y"], moved["w"], moved["h"]) == (560, 420, 80, 60)

    cut = geometry.fit_into_image("bbox", {"x": -10, "y": 0, "w": 700, "h": 60}, SIZE)
    assert (cut["x"], cut["w"]) == (0, 640)


def test_resize_box_flips_past_opposite_side() -> None:
    box = {"x": 100, "y": 100, "w": 50, "h": 50}

    resized = geometry.resize_box("bbox", box, "se", (80, 90), SIZE)

    assert (resized["x"], resized["y"], resized["w"], resized["h"]) == (80, 90, 20, 10)


def test_resize_rotated_box_keeps_opposite_corner() -> None:
    box = {"cx": 100, "cy": 100, "w": 40, "h": 20, "angle": 90.0}
    opposite_before = geometry.rotated_corners(box)[0]  # top-left is opposite "se"

    grown = geometry.resize_box("rotated_bbox", box, "se", (70, 160), SIZE)

    assert geometry.rotated_corners(grown)[0] == pytest.approx(opposite_before, abs=1e-3)
    assert grown["angle"] == 90.0


@pytest.mark.parametrize(("target", "angle"),
                         [((100, 0), 0.0), ((200, 100), 90.0), ((100, 200), 180.0),
                          ((0, 100), 270.0)])
def test_rotate_towards_measures_clockwise_from_up(target: tuple[float, float],
                                                   angle: float) -> None:
    box = {"cx": 100, "cy": 100, "w": 40, "h": 20, "angle": 0.0}

    assert geometry.rotate_towards(box, target)["angle"] == pytest.approx(angle)


def test_rotated_corners_turn_clockwise_on_screen() -> None:
    corners = geometry.rotated_corners({"cx": 0, "cy": 0, "w": 2, "h": 0, "angle": 90})

    # The right end of a flat box points down (y grows downwards) after +90 degrees.
    assert corners[1] == pytest.approx((0, 1), abs=1e-9)


def test_keep_rotated_inside() -> None:
    box = {"cx": 5, "cy": 100, "w": 40, "h": 20, "angle": 0.0}

    inside = geometry.keep_rotated_inside(box, SIZE)

    assert geometry.bounds("rotated_bbox", inside)[0] == pytest.approx(0)


def test_nearest_edge_of_polygon_includes_closing_edge() -> None:
    square = {"points": [[0, 0], [10, 0], [10, 10], [0, 10]]}

    index, point, distance = geometry.nearest_edge("polygon", square, (-1, 5)) or (0, (0, 0), 0)

    assert index == 4
    assert point == pytest.approx((0, 5))
    assert distance == pytest.approx(1)
    assert geometry.nearest_edge("points", square, (0, 0)) is None


def test_hit_distance_inside_and_outside() -> None:
    square = {"points": [[0, 0], [10, 0], [10, 10], [0, 10]]}

    assert geometry.hit_distance("polygon", square, (5, 5)) == 0
    assert geometry.hit_distance("polyline", square, (5, 5)) == pytest.approx(5)
    assert geometry.hit_distance("points", square, (13, 14)) == pytest.approx(5)


def test_translate_avoids_float_noise() -> None:
    moved = geometry.translate("polyline", {"points": [[0.1, 0.2]]}, 0.2, 0.1)

    assert moved["points"] == [[0.3, 0.3]]
