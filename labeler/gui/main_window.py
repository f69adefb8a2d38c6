"""The main window: coordinates the canvas, the docks, loading and locking.

The window owns one signed-in `Session` and one open `Project`. Widgets do the
drawing (`AnnotationCanvas`, `AssetBrowserWidget`, `FieldsPanelWidget`),
`ImageLoader` decodes off the UI thread, and `actions.py` builds the menus.
Locking and signing out are in `lock_slots.py`. An asset that the signed-in
user may not change (`AnnotationStore.is_editable`: submitted or approved
work) is shown read-only, with the reason in the fields header and the
status bar.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QWidget

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.errors import LabelerError
from labeler.core.policy.roles import Permission
from labeler.core.project import Asset, Project
from labeler.core.session import Session
from labeler.core.text_annotations import TextAnnotations
from labeler.gui import actions as window_actions
from labeler.gui.admin.window_slots import AdminMenuSlots
from labeler.gui.asset_browser import AssetBrowserWidget, make_asset_dock
from labeler.gui.asset_model import AssetListModel
from labeler.gui.asset_status import asset_summary, read_only_reason, split_notes
from labeler.gui.canvas import AnnotationCanvas
from labeler.gui.errors import ErrorPresenter, report_error, show_error_box
from labeler.gui.fields_panel import FieldsPanelWidget, make_fields_dock
from labeler.gui.help_dialog import ShortcutsDialog
from labeler.gui.idle_lock import IdleLockController, LockScreenWidget
from labeler.gui.lock_slots import LockSlots
from labeler.gui.loader import (
    DISPLAYABLE_KINDS,
    ContentReader,
    ImageLoader,
    LoadedImage,
    ThumbnailLoader,
)
from labeler.gui.project_picker import choose_project
from labeler.gui.review_slots import ReviewMenuSlots
from labeler.gui.shortcut_list import ShortcutListDialog, window_groups
from labeler.gui.sign_in_dialog import SignInThrottle
from labeler.gui.text_view import TextAnnotationView
from labeler.gui.video_view import VideoAnnotationView
from labeler.gui.watermark import WatermarkController, has_watermark
from labeler.gui.workers import TaskRunner

if TYPE_CHECKING:
    from labeler.gui.app import ClientSettings

logger = logging.getLogger(__name__)


@dataclass
class ClientContext:
    """Services and settings shared by every window of one client process."""

    root: Path
    runner: TaskRunner
    settings: ClientSettings
    error_presenter: ErrorPresenter = show_error_box
    clock: Callable[[], float] = time.time
    thumbnail_runner: TaskRunner | None = None
    throttle: SignInThrottle | None = field(default=None)


class ObservedAnnotationStore(AnnotationStore):
    """An AnnotationStore that reports when each commit starts, returns or fails.

    The "saved" indicator listens here, so it turns on only after
    `AnnotationStore.save` or `delete` has returned, that is after the commit.
    """

    def __init__(self, project: Project, on_state: Callable[[str], None]) -> None:
        super().__init__(project)
        self._on_state = on_state

    def save(self, annotation: Annotation) -> Annotation:
        return self._observe(lambda: super(ObservedAnnotationStore, self).save(annotation))

    def delete(self, annotation_id: str) -> None:
        self._observe(lambda: super(ObservedAnnotationStore, self).delete(annotation_id))

    def _observe(self, commit: Callable[[], Any]) -> Any:
        self._on_state("saving")
        try:
            result = commit()
        except Exception:
            self._on_state("failed")
            raise
        self._on_state("saved")
        return result


class MainWindow(AdminMenuSlots, ReviewMenuSlots, LockSlots, QMainWindow):
    """One project of one signed-in user."""

    asset_shown = Signal(int)
    lock_changed = Signal(bool)
    save_state_changed = Signal(str)
    # Emitted once the window has closed; True when the user signed out.
    closed = Signal(bool)

    def __init__(self, context: ClientContext, session: Session, project_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.context = context
        self.session: Session = session
        self.project: Project | None = None
        self._reader: ContentReader | None = None
        self.store: ObservedAnnotationStore | None = None
        self.text_service: TextAnnotations | None = None
        self.is_signing_out = False
        self.unsent_comments: dict[int, str] = {}
        self._is_shown_editable = True
        self.current_asset_id: int | None = None
        self._shown_asset_id: int | None = None
        self._project_id = project_id
        self._display_notes: tuple[str, ...] = ()
        self._current_kind = ""
        settings = session.workspace.manifest.get("settings", {})
        self._watermark_roles = list(settings.get("watermark_roles", []))

        self._build_widgets(int(settings.get("max_image_pixels", 250_000_000)))
        self._build_status_bar()
        self.menu_actions = window_actions.create_window_actions(self)
        self.menu_actions.canvas_by_id = window_actions.index_canvas_actions(self.canvas.actions())
        for action in self.menu_actions.by_id.values():
            self.addAction(action)
        self.addAction(self.menu_actions.first_asset)
        self.addAction(self.menu_actions.last_asset)
        window_actions.build_menus(self.menuBar(), self.menu_actions)
        video_canvas = self.video_view.canvas()
        for canvas, canvas_actions in (
                (self.canvas, self.menu_actions.canvas_by_id),
                (video_canvas, window_actions.index_canvas_actions(video_canvas.actions()))):
            for digit in range(1, 10):
                label_action = canvas_actions.get(f"label_{digit}")
                if label_action is not None:
                    label_action.triggered.connect(
                        lambda _checked=False, source=canvas: self._sync_label_toolbar(source))
        self.apply_key_bindings(context.settings.shortcut_overrides())

        self.idle_lock = IdleLockController(float(settings.get("idle_lock_seconds", 600)), self)
        self.idle_lock.idle_timeout.connect(lambda: self.lock(reason=self.tr(
            "Locked after a period without input.")))
        self.watermark = WatermarkController(self._set_watermark, parent=self)
        self.label_toolbar = None
        self.resize(1400, 900)
        context.settings.restore_window(self)
        self._open_project(project_id)

    # -- construction --------------------------------------------------------------

    def _build_widgets(self, max_pixels: int) -> None:
        self.canvas = AnnotationCanvas()
        self.canvas.setObjectName("canvas")
        self.lock_screen = LockScreenWidget(
            self.context.runner,
            self.context.throttle or SignInThrottle(self.context.root, self.context.clock))
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.text_view = TextAnnotationView()
        self.text_view.setObjectName("textView")
        self.video_view = VideoAnnotationView()
        self.video_view.setObjectName("videoView")
        self.central = QStackedWidget()
        self.central.addWidget(self.canvas)
        self.central.addWidget(self.text_view)
        self.central.addWidget(self.video_view)
        self.central.addWidget(self.lock_screen)
        self.setCentralWidget(self.central)

        self.loader = ImageLoader(self.context.runner, max_pixels=max_pixels, parent=self)
        self.loader.image_ready.connect(self._on_image_ready)
        self.loader.image_failed.connect(self._on_image_failed)
        self.thumbnails = ThumbnailLoader(self.context.thumbnail_runner or self.context.runner,
                                          max_pixels=max_pixels, parent=self)
        self.asset_model = AssetListModel(self)
        self.browser = AssetBrowserWidget(self.asset_model, self.thumbnails)
        self.browser.asset_activated.connect(self.show_asset)
        self.browser.asset_chosen.connect(self._on_asset_chosen)
        self.asset_dock = make_asset_dock(self.browser, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.asset_dock)
        self.fields_panel = FieldsPanelWidget()
        self.fields_dock = make_fields_dock(self.fields_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.fields_dock)
        self.resizeDocks([self.asset_dock, self.fields_dock], [300, 460],
                         Qt.Orientation.Horizontal)

        self.canvas.annotations_changed.connect(self._on_annotations_changed)
        self.canvas.status_message.connect(self._on_canvas_status)
        self.canvas.error_occurred.connect(self._on_canvas_error)
        self.canvas.view().zoom_changed.connect(self._on_zoom_changed)
        for view in (self.text_view, self.video_view):
            view.annotations_changed.connect(self._on_annotations_changed)
            view.status_message.connect(self._on_canvas_status)
            view.error_occurred.connect(self._on_canvas_error)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel()
        self.path_label = QLabel()
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.saved_label = QLabel()
        self.access_label = QLabel()
        for widget, name in ((self.access_label, "statusAccess"),
                             (self.position_label, "statusPosition"),
                             (self.path_label, "statusPath"), (self.size_label, "statusSize"),
                             (self.zoom_label, "statusZoom"), (self.saved_label, "statusSaved")):
            widget.setObjectName(name)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            bar.addPermanentWidget(widget)
        self.save_state = ""

    # -- project -------------------------------------------------------------------

    def _open_project(self, project_id: str) -> None:
        project = self.session.open_project(project_id)
        self.project = project
        self._reader = ContentReader(self.session.open_project(project_id))
        self._project_id = project_id
        self.store = ObservedAnnotationStore(project, self._set_save_state)
        self.canvas.set_ontology(project.ontology)
        self.canvas.set_store(self.store)
        self.video_view.canvas().set_ontology(project.ontology)
        self.text_service = TextAnnotations(project, self.store)
        self.text_view.set_ontology(project.ontology)
        self.text_view.set_store(self.text_service)
        self.loader.set_project(project, self._reader)
        self.thumbnails.set_reader(self._reader)
        self.asset_model.set_database(project.db)
        self.browser.set_choices(project.ontology)
        self._build_label_toolbar()
        self._update_title()
        if has_watermark(self.session.role, self._watermark_roles):
            self.watermark.start(self.session.user)
        else:
            self.watermark.stop()
        self.idle_lock.start()
        logger.info("Project %r opened by %s", project_id, self.session.role)
        first = self.asset_model.asset_id_at(0)
        if first is not None:
            self.show_asset(first)

    def _build_label_toolbar(self) -> None:
        if self.label_toolbar is not None:
            self.removeToolBar(self.label_toolbar)
            self.label_toolbar.deleteLater()
        assert self.project is not None
        self.label_toolbar, self.label_group = window_actions.build_label_toolbar(
            self, self.project.ontology, self._pick_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.label_toolbar)
        self.label_toolbar.setEnabled(True)
        first = self.label_group.checkedAction()
        if first is not None:
            self._pick_label(first.data())

    def _pick_label(self, name: str) -> None:
        """Draw with `name` on the image canvas and on video frames (a tool bar click)."""
        self.canvas.set_current_label(name)
        self.video_view.canvas().set_current_label(name)

    def _sync_label_toolbar(self, source: AnnotationCanvas) -> None:
        """Check the tool bar button of the label `source` now draws with (keys 1-9)."""
        name = source.current_label()
        for action in self.label_group.actions():
            if action.data() == name:
                action.setChecked(True)
        if name is not None:
            self._pick_label(name)

    def _close_project(self) -> None:
        self.canvas.set_store(None)
        self.canvas.clear()
        self.text_view.set_store(None)
        self.text_view.clear()
        self.text_service = None
        self.video_view.clear()
        self.loader.set_project(None, None)
        self.thumbnails.set_reader(None)
        self.asset_model.set_database(None)
        self.fields_panel.clear()
        self.current_asset_id = None
        self._shown_asset_id = None
        if self._reader is not None:
            self._reader.close()
        if self.project is not None:
            self.project.close()
        self.project = None
        self._reader = None
        self.store = None

    def switch_project(self) -> None:
        if self.is_locked:
            return
        project_id = choose_project(self.session, self)
        if project_id is None or project_id == self._project_id:
            return
        self.context.runner.wait_for_workers()
        self._close_project()
        self._open_project(project_id)

    def _update_title(self) -> None:
        if self.is_locked:
            self.setWindowTitle(self.tr("Labeler — locked"))
            return
        name = self.project.record.get("name", self._project_id) if self.project else ""
        self.setWindowTitle(self.tr("Labeler — %s — %s (%s)")
                            % (name, self.session.user, self.session.role))

    # -- assets --------------------------------------------------------------------

    def show_asset(self, asset_id: int) -> None:
        """Show one asset: its fields now, its image once decoded."""
        if self.is_locked or self.project is None or asset_id == self.current_asset_id:
            return
        try:
            asset = self.project.asset(asset_id)
            fields = self.project.fields_for_user(asset_id)
            self.project.record_view(asset_id)
        except LabelerError as error:
            report_error(self, self.tr("Opening the asset"), error,
                         self.context.error_presenter)
            return
        self.current_asset_id = asset_id
        self._current_kind = asset.kind
        self._display_notes = tuple(split_notes(asset.notes)[0])
        self.fields_panel.show_fields(asset_summary(asset), fields)
        self.fields_panel.set_notes(self._display_notes)
        self.browser.select_asset(asset_id)
        size = f"{asset.width}×{asset.height}" if asset.width and asset.height else ""
        self._update_position(asset.path, size)
        # Messages of the previous asset (a window/level, decode notes) end here.
        self.statusBar().clearMessage()
        self._apply_access(asset)

        self.video_view.clear()
        if asset.kind == "video":
            self._show_video(asset)
            return
        if asset.kind == "text":
            self._show_text(asset_id)
            return
        self.central.setCurrentWidget(self.canvas)
        self.loader.request(asset_id)
        if self._shown_asset_id != asset_id:
            self.canvas.clear()  # no pixels of the previous asset stay under the new one
        self.loader.prefetch(self._neighbour_ids())

    def _show_text(self, asset_id: int) -> None:
        """Show a text document in the text view; text decodes fast enough for the UI thread."""
        self.canvas.clear()
        self.zoom_label.clear()  # the text view has no zoom
        self.central.setCurrentWidget(self.text_view)
        if self.text_service is None:
            return
        try:
            document = self.text_service.document(asset_id)
            annotations = self.text_service.list(asset_id)
        except LabelerError as error:
            self.text_view.show_error(asset_id, str(error))
        else:
            self.text_view.show_document(asset_id, document.text, document.codec, annotations,
                                         guessed_encoding=document.is_encoding_guessed,
                                         variant=document.variant)
        self._apply_text_access()
        self._shown_asset_id = asset_id
        self.asset_shown.emit(asset_id)

    def _show_video(self, asset: Asset) -> None:
        """Show a video in the video view, whose frame keys take over D while it has focus."""
        self.canvas.clear()
        self.zoom_label.clear()  # the label follows the image canvas only
        self.central.setCurrentWidget(self.video_view)
        if self.project is not None:
            self.video_view.show_video(self.project, asset, self.store)
            if not self._is_shown_editable:
                self.video_view.set_store(None)
        self._shown_asset_id = asset.id
        self.asset_shown.emit(asset.id)

    def _on_asset_chosen(self, asset_id: int) -> None:
        """Show an asset clicked in the list, then give the keyboard to its view."""
        self.show_asset(asset_id)
        self.focus_current_view()

    def focus_current_view(self) -> None:
        """Give focus to the view showing the asset, where tool and label keys work.

        The window is activated too: after a modal dialog closes, shortcuts
        fire only in the active window, and without a window manager (as
        under Xvfb) nothing else activates it.
        """
        if not self.is_locked:
            self.activateWindow()
            self.central.currentWidget().setFocus()

    # -- read-only assets ----------------------------------------------------------

    def _apply_access(self, asset: Asset) -> None:
        """Make the views read-only when the user may not change `asset`, and show the reason."""
        if self.store is None:
            return
        editable = self.store.is_editable(asset.id)
        self._is_shown_editable = editable
        reason = "" if editable else read_only_reason(
            asset.status, can_annotate=self.session.can(Permission.ANNOTATE))
        self.fields_panel.set_access_note(reason)
        self.access_label.setText(reason)
        if self.canvas.is_read_only() == editable:
            self.canvas.set_store(self.store if editable else None, keep_history=True)
        if asset.kind == "video" and self.video_view.is_read_only() == editable:
            self.video_view.set_store(self.store if editable else None)
        if asset.kind == "text":
            self._apply_text_access()

    def _apply_text_access(self) -> None:
        service = self.text_service if self._is_shown_editable else None
        if self.text_view.is_read_only() != (service is None):
            self.text_view.set_store(service)

    def refresh_asset_state(self) -> None:
        """Re-read the shown asset's review state after a review action or an edit."""
        asset_id = self.current_asset_id
        if self.project is None or asset_id is None or self.is_locked:
            return
        try:
            asset = self.project.asset(asset_id)
        except LabelerError as error:
            logger.warning("Asset %d could not be read again: %s", asset_id,
                           type(error).__name__)
            return
        self.asset_model.refresh_asset(asset_id)
        self.fields_panel.set_summary(asset_summary(asset))
        self._apply_access(asset)

    def _set_watermark(self, text: str | None) -> None:
        self.canvas.set_watermark(text)
        self.text_view.set_watermark(text)
        self.video_view.set_watermark(text)

    def _neighbour_ids(self) -> list[int]:
        position = self.current_position()
        if position is None:
            return []
        ids = (self.asset_model.asset_id_at(position + step) for step in (1, -1, 2))
        return [asset_id for asset_id in ids if asset_id is not None]

    def current_position(self) -> int | None:
        if self.current_asset_id is None:
            return None
        return self.asset_model.position_of(self.current_asset_id)

    def _go_to_position(self, position: int) -> None:
        asset_id = self.asset_model.asset_id_at(position)
        if asset_id is not None:
            self.show_asset(asset_id)

    def go_next(self) -> None:
        position = self.current_position()
        self._go_to_position(0 if position is None else position + 1)

    def go_previous(self) -> None:
        position = self.current_position()
        if position is not None and position > 0:
            self._go_to_position(position - 1)

    def go_first(self) -> None:
        self._go_to_position(0)

    def go_last(self) -> None:
        self._go_to_position(self.asset_model.rowCount() - 1)

    def _on_image_ready(self, loaded: LoadedImage) -> None:
        if self.is_locked or self.store is None or loaded.asset_id != self.current_asset_id:
            return  # the user moved on; the loader keeps it cached if useful
        annotations = self.store.list(loaded.asset_id)
        self.canvas.show_image(loaded.asset_id, loaded.pixels, annotations, raw=loaded.raw,
                               window=loaded.window, notes=loaded.notes,
                               full_size=loaded.full_size)
        self._shown_asset_id = loaded.asset_id
        self._on_zoom_changed(self.canvas.zoom())
        # Notes from the import (e.g. "first of 4 frames") and from decoding; a
        # display copy made at import is a still image, so only the former has them.
        notes = tuple(dict.fromkeys(self._display_notes + loaded.notes))
        self.fields_panel.set_notes(notes)
        if notes:
            self.statusBar().showMessage(" · ".join(notes), 10_000)
        if not loaded.is_preview:
            self.asset_shown.emit(loaded.asset_id)

    def _on_image_failed(self, asset_id: int, message: str) -> None:
        if self.is_locked or asset_id != self.current_asset_id:
            return
        self.canvas.show_error(asset_id, message)
        self._shown_asset_id = asset_id
        notes = (message,)
        if self._current_kind in DISPLAYABLE_KINDS:
            notes += (self.tr("Its annotations are kept and were not changed."),)
        self.fields_panel.set_notes(self._display_notes + notes)
        self.asset_shown.emit(asset_id)

    def _update_position(self, path: str, size: str) -> None:
        position = self.current_position()
        total = self.asset_model.rowCount()
        index_text = f"{position + 1} / {total}" if position is not None else f"– / {total}"
        self.position_label.setText(index_text)
        self.path_label.setText(path)
        self.size_label.setText(size)

    # -- canvas feedback -----------------------------------------------------------

    def _set_save_state(self, state: str) -> None:
        self.save_state = state
        texts = {"saving": self.tr("saving…"), "saved": self.tr("✓ saved"),
                 "failed": self.tr("✗ not saved")}
        self.saved_label.setText(texts.get(state, ""))
        self.save_state_changed.emit(state)

    def _on_annotations_changed(self, asset_id: int) -> None:
        if asset_id == self.current_asset_id:
            self.refresh_asset_state()  # a first edit makes a new asset "in progress"
        else:
            self.asset_model.refresh_asset(asset_id)

    def _on_canvas_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)

    def _on_zoom_changed(self, zoom: float) -> None:
        if self.central.currentWidget() is self.canvas:
            self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def _on_canvas_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    # -- shortcuts and closing -------------------------------------------------------

    def apply_key_bindings(self, overrides: dict[str, str]) -> None:
        bindings = window_actions.resolve_user_bindings(overrides)
        window_actions.apply_bindings(self.menu_actions.all_bindable(), bindings)
        self.bindings = bindings
        self.video_view.set_window_keys(
            sequence for action in self.menu_actions.by_id.values()
            for sequence in action.shortcuts())

    def show_shortcuts(self) -> None:
        """Open the shortcut editor (Help > Change shortcuts…) and apply what it saves."""
        ontology = self.project.ontology if self.project else None
        dialog = ShortcutsDialog(self.bindings, window_actions.label_names_by_key(ontology),
                                 self)
        if dialog.exec() == ShortcutsDialog.DialogCode.Accepted:
            overrides = dialog.overrides()
            self.context.settings.set_shortcut_overrides(overrides)
            self.apply_key_bindings(overrides)
        self.focus_current_view()

    def show_shortcut_list(self) -> None:
        """Show every key of every view, read-only (Help > Keyboard shortcuts, F1)."""
        ShortcutListDialog(window_groups(self), self).exec()
        self.focus_current_view()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.context.settings.save_window(self)
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit(self.is_signing_out)

    def shutdown(self) -> None:
        """Close the project and lock the session; safe to call twice."""
        self.idle_lock.stop()
        self.watermark.stop()
        self.context.runner.wait_for_workers(5000)
        if self.context.thumbnail_runner is not None:
            self.context.thumbnail_runner.wait_for_workers(5000)
        self._close_project()
        if not self.session.is_locked:
            self.session.lock()

