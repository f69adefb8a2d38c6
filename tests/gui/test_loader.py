"""Image loading helpers: reduced views over the pixel cap, thumbnails in memory."""

from __future__ import annotations

import math

import pytest

from labeler.gui.asset_browser import AssetBrowserWidget
from labeler.gui.loader import OVER_CAP_SIDE, THUMBNAIL_SIDE, over_cap_side

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("size", "max_pixels", "expected"),
    [
        ((1800, 1200), 1_000_000, 900),
        ((1800, 1200), 200_000, 450),
        ((40_000, 30_000), 250_000_000, OVER_CAP_SIDE),
        # Even 1/8 is over the cap: the 1/8 side (5000) capped, and the decoder reports it.
        ((40_000, 30_000), 1_000, min(OVER_CAP_SIDE, 5000)),
    ],
)
def test_over_cap_side_fits_dct_scale(size, max_pixels, expected) -> None:
    side = over_cap_side(size, max_pixels)

    assert side == expected
    scale = side / max(size)
    if scale in (0.5, 0.25, 0.125):
        assert math.ceil(size[0] * scale) * math.ceil(size[1] * scale) <= max_pixels


def test_thumbnails_only_for_painted_rows(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    window.resize(900, 420)  # before the first paint: only some rows are visible
    browser: AssetBrowserWidget = window.browser
    qtbot.waitUntil(lambda: window.thumbnails.pending_count() == 0
                    and bool(window.thumbnails.decoded_ids), timeout=20_000)

    view = browser.view
    visible_ids = {window.asset_model.asset_id_at(row)
                   for row in range(window.asset_model.rowCount())
                   if view.visualRect(window.asset_model.index(row)).intersects(
                       view.viewport().rect())}
    decoded = set(window.thumbnails.decoded_ids)
    assert len(visible_ids) < window.asset_model.rowCount()
    assert decoded <= visible_ids
    image_ids = {row.id for row in (window.asset_model.row_at(position)
                                    for position in range(window.asset_model.rowCount()))
                 if row is not None and row.kind in ("image", "dicom")}
    assert decoded == visible_ids & image_ids
    for asset_id in decoded:
        image = window.thumbnails._images[asset_id]
        assert image is not None
        assert max(image.width(), image.height()) <= THUMBNAIL_SIDE
