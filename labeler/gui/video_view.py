"""The video annotation view: a frame on the image canvas, a timeline and playback.

`VideoAnnotationView` shows one video asset. Frames come from
`labeler.core.video.index.read_frame` (decoded at import, so a seek decrypts
one frame group and decodes one picture). The frame is shown on the image
canvas with the shapes visible on it: each track's shape, interpolated
between keyframes, and the shapes drawn on that frame alone. Drawing creates
a track, or a one-frame shape when "New shapes start tracks" is off. Moving
or reshaping a track's shape sets a keyframe on the shown frame, which
changes only the frames between its neighbouring keyframes. Every edit is
committed to the store at once and is one step on the undo stack.

Contract for the main window: `show_video(project, asset)`, `clear()`,
`set_store(store)` (None is read-only), `set_window_keys(keys)`,
`undo_stack()`, `set_watermark(text)`, `set_content_hidden(hidden)`,
`actions()`, `apply_shortcuts(overrides)` and the signals
`annotations_changed(asset_id)`, `status_message(text)` and
`error_occurred(text)`. Keys are listed in `labeler.gui.video.keys`.

Edits that act on the selection (keyframe toggles, split, merge, propagate,
tracker suggestions) are in `labeler.gui.video.track_edits`.

Frame reads run on the UI thread: one read takes a few milliseconds (see
docs/benchmarks-video.md), less than a frame's display time. Tracker
suggestions, which read and track many frames, run on the task runner.
Nothing here writes frames or annotations anywhere but the encrypted store,
and log lines name annotations by id only.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from typing import Any, Callable, Final, Iterable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.errors import ConfigError, LabelerError
from labeler.core.project import Asset, Project
from labeler.core.video.index import VideoFrames, read_frame, video_frames
from labeler.core.video.tracker import Suggestion
from labeler.core.video.tracks import (
    TRACK_KIND,
    TRACK_SHAPES,
    Keyframe,
    Track,
    check_track_label,
    frame_of,
)
from labeler.gui import shortcuts
from labeler.gui.canvas.commands import Change
from labeler.gui.video.frame_canvas import FrameCanvas, StoredChange, StoredEditCommand
from labeler.gui.video.keys import CANVAS_OVERRIDES, VIDEO_SHORTCUTS
from labeler.gui.video.timeline import TimelineModel, TimelineWidget, TrackRow
from labeler.gui.video.track_edits import TrackEditsMixin, track_of
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

LARGE_STEP: Final = 10
DEFAULT_PROPAGATE_FRAMES: Final = 10
# Keys of a displayed shape's data that are not geometry.
_NOT_GEOMETRY: Final = ("frame", "attributes")


def parse_time(text: str) -> float:
    """Parse "75.5", "1:15.5" or "0:01:15.5" into milliseconds.

    Raises:
        ValueError: the text is not a time in one of those forms.
    """
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(f"{text!r} is not a time; write seconds, m:ss or h:mm:ss")
    seconds = 0.0
    for part in parts:
        value = float(part)
        if value < 0:
            raise ValueError(f"{text!r} is not a time; it must not be negative")
        seconds = seconds * 60 + value
    return seconds * 1000.0


def format_time(milliseconds: float) -> str:
    minutes, seconds = divmod(max(milliseconds, 0.0) / 1000.0, 60)
    return f"{int(minutes)}:{seconds:06.3f}"


class VideoAnnotationView(TrackEditsMixin, QWidget):
    """Shows one video asset's frames, tracks and frame shapes, and edits them."""

    annotations_changed = Signal(int)
    status_message = Signal(str)
    error_occurred = Signal(str)

    def __init__(self, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self._runner = runner or TaskRunner(parent=self)
        self._canvas = FrameCanvas(self._commit_display_changes)
        self._timeline = TimelineWidget()
        self._project: Project | None = None
        self._asset: Asset | None = None
        self._frames: VideoFrames | None = None
        self._store: AnnotationStore | None = None
        self._stored: dict[str, Annotation] = {}
        self._displayed: dict[str, Annotation] = {}
        self._frame = 0
        self._track_selection: list[str] = []
        self._suggestions: tuple[str, list[Suggestion]] | None = None
        self._play_origin: tuple[float, float] | None = None
        self._play_timer = QTimer(self)
        self._play_timer.setSingleShot(True)
        self._play_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._play_timer.timeout.connect(self._on_play_tick)
        self._window_keys: set[str] = set()
        self._build_controls()
        self._build_layout()
        self._actions = self._build_actions()
        self.apply_shortcuts({})
        self._connect()
        self._set_controls_enabled(False)

    # -- construction ---------------------------------------------------------------

    def _build_controls(self) -> None:
        self._play_button = QPushButton(self.tr("Play"))
        self._play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._frame_box = QSpinBox()
        self._frame_box.setKeyboardTracking(False)
        self._frame_box.setToolTip(self.tr("Frame number, from 0"))
        self._time_field = QLineEdit()
        self._time_field.setPlaceholderText(self.tr("time: s or m:ss"))
        self._time_field.setMaximumWidth(110)
        self._position = QLabel()
        self._position.setObjectName("videoPosition")
        self._propagate_box = QSpinBox()
        self._propagate_box.setRange(1, 1000)
        self._propagate_box.setValue(DEFAULT_PROPAGATE_FRAMES)
        self._propagate_box.setToolTip(
            self.tr("Frames to propagate shapes to, or to follow with the tracker"))
        self._tracks_box = QCheckBox(self.tr("Tracks"))
        self._tracks_box.setChecked(True)
        self._tracks_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._tracks_box.setToolTip(self.tr("New shapes start tracks (else one frame only)"))

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self._play_button)
        bar.addWidget(QLabel(self.tr("Frame")))
        bar.addWidget(self._frame_box)
        bar.addWidget(self._time_field)
        # The position text grows to fill the bar; the spacing keeps it apart
        # from its neighbours when the window is narrow.
        next_frames = QLabel(self.tr("Next frames:"))
        next_frames.setObjectName("nextFramesLabel")
        bar.addSpacing(8)
        bar.addWidget(self._position, 1)
        bar.addSpacing(16)
        bar.addWidget(next_frames)
        bar.addWidget(self._propagate_box)
        bar.addWidget(self._tracks_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._canvas, 1)
        layout.addWidget(self._timeline)
        layout.addLayout(bar)
        self.setFocusProxy(self._canvas)

    def _build_actions(self) -> dict[str, QAction]:
        handlers: dict[str, Callable[[], object]] = {
            "next_frame": lambda: self.step(1),
            "previous_frame": lambda: self.step(-1),
            "forward_10": lambda: self.step(LARGE_STEP),
            "back_10": lambda: self.step(-LARGE_STEP),
            "play_pause": self.toggle_playback,
            "next_keyframe": lambda: self.go_to_keyframe(1),
            "previous_keyframe": lambda: self.go_to_keyframe(-1),
            "go_to_frame": self._focus_frame_box,
            "toggle_keyframe": self.toggle_keyframe,
            "toggle_outside": self.toggle_outside,
            "toggle_occluded": self.toggle_occluded,
            "split_track": self.split_track,
            "merge_tracks": self.merge_selected_tracks,
            "propagate": self.propagate_selection,
            "suggest": self.suggest_keyframes,
            "accept_suggestions": self.accept_suggestions,
            "draw_tracks": lambda: None,
        }
        actions = {}
        for shortcut in VIDEO_SHORTCUTS:
            action = QAction(shortcuts.translate(shortcut.description), self)
            action.setObjectName(f"video_{shortcut.id}")
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            handler = handlers[shortcut.id]
            action.triggered.connect(lambda _checked=False, run=handler: run())
            self.addAction(action)
            actions[shortcut.id] = action
        draw_tracks = actions["draw_tracks"]
        draw_tracks.setCheckable(True)
        draw_tracks.setChecked(True)
        draw_tracks.toggled.connect(self._tracks_box.setChecked)
        self._tracks_box.toggled.connect(draw_tracks.setChecked)
        return actions

    def _connect(self) -> None:
        self._canvas.annotations_changed.connect(self.annotations_changed)
        self._canvas.status_message.connect(self.status_message)
        self._canvas.error_occurred.connect(self.error_occurred)
        self._canvas.selection_changed.connect(self._on_selection_changed)
        self._timeline.frame_requested.connect(self.go_to_frame)
        self._timeline.track_selected.connect(self.select_track)
        self._play_button.clicked.connect(self.toggle_playback)
        self._frame_box.valueChanged.connect(self.go_to_frame)
        self._time_field.returnPressed.connect(self._go_to_typed_time)

    # -- the contract -------------------------------------------------------------------

    def show_video(self, project: Project, asset: Asset,
                   store: AnnotationStore | None = None) -> None:
        """Show a video asset from its first frame; errors appear in the view and as a signal.

        `store` lets the main window pass the store that drives its "saved" indicator.
        """
        self.pause()
        self._suggestions = None
        self._track_selection = []
        try:
            frames = video_frames(project, asset)
            frames.check_frame(0)
            store = store or AnnotationStore(project)
            stored = {annotation.id: annotation for annotation in store.list(asset.id)}
        except LabelerError as error:
            self._project, self._asset, self._frames = project, asset, None
            self._canvas.show_error(asset.id, self.tr("This video cannot be shown: %1")
                                    .replace("%1", str(error)))
            self._set_controls_enabled(False)
            self.error_occurred.emit(str(error))
            return

        self._project, self._asset, self._frames = project, asset, frames
        self._store, self._stored = store, stored
        self._canvas.set_ontology(project.ontology)
        self._canvas.set_store(store)
        self._frame_box.blockSignals(True)
        self._frame_box.setRange(0, frames.frame_count - 1)
        self._frame_box.blockSignals(False)
        self._set_controls_enabled(True)
        self._displayed = {}
        # A fresh start makes the canvas read the shapes again, also when the
        # same asset is shown a second time.
        self._canvas.clear()
        self._show_frame(0, notes=_notes_of(asset, frames))
        self._canvas.fit()

    def set_store(self, store: AnnotationStore | None) -> None:
        """Set where edits of the shown video are saved; None makes the view read-only.

        The undo history and the canvas's clipboard stay, because the store
        changes only between editable and frozen states of one project.
        """
        self._store = store
        self._canvas.set_store(store, keep_history=True)

    def is_read_only(self) -> bool:
        return self._store is None

    def set_window_keys(self, sequences: Iterable[QKeySequence]) -> None:
        """Name the main window's keys that video keys take over while the view has focus.

        A key bound both to a window action and to a video action would be
        ambiguous, and Qt would trigger neither. The view claims such keys in
        `event` (ShortcutOverride) and triggers its own action in
        `keyPressEvent`, so D steps a frame here and is "next asset" elsewhere.
        """
        self._window_keys = {sequence.toString() for sequence in sequences}

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride
                and self._claimed_action(event) is not None):  # type: ignore[arg-type]
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._claimed_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        action.trigger()

    def _claimed_action(self, event: QKeyEvent) -> QAction | None:
        """Return the video action for a key the main window binds too, else None."""
        key_text = QKeySequence(event.keyCombination()).toString()
        if key_text not in self._window_keys:
            return None
        for action in self._actions.values():
            if action.isEnabled() and any(sequence.toString() == key_text
                                          for sequence in action.shortcuts()):
                return action
        return None

    def clear(self) -> None:
        self.pause()
        self._project = self._asset = self._frames = None
        self._store, self._stored, self._displayed = None, {}, {}
        self._suggestions = None
        self._track_selection = []
        self._canvas.clear()
        self._timeline.set_model(TimelineModel())
        self._position.clear()
        self._set_controls_enabled(False)

    def undo_stack(self) -> QUndoStack:
        return self._canvas.undo_stack()

    def set_watermark(self, text: str | None) -> None:
        self._canvas.set_watermark(text)

    def set_content_hidden(self, hidden: bool) -> None:
        """Hide (idle lock) or show again the frame, shapes and timeline; playback stops."""
        if hidden:
            self.pause()
        self._canvas.set_content_hidden(hidden)
        self._timeline.setVisible(not hidden)
        self._set_controls_enabled(not hidden and self._frames is not None)

    def actions(self) -> list[QAction]:  # type: ignore[override]
        """Return the video actions, then the canvas actions, each with its shortcut."""
        return [*self._actions.values(), *self._canvas.actions()]

    def apply_shortcuts(self, overrides: dict[str, str]) -> None:
        """Bind the video keys and the canvas keys, moving canvas keys the video keys use.

        Raises:
            shortcuts.ShortcutError: an override is invalid or two canvas actions share a key.
        """
        video_ids = {shortcut.id for shortcut in VIDEO_SHORTCUTS}
        for shortcut in VIDEO_SHORTCUTS:
            text = overrides.get(shortcut.id, "; ".join(shortcut.keys))
            self._actions[shortcut.id].setShortcuts(list(shortcuts.parse_keys(text, shortcut.id)))
        canvas = {**CANVAS_OVERRIDES,
                  **{key: value for key, value in overrides.items() if key not in video_ids}}
        self._canvas.apply_shortcuts(canvas)

    def help_lines(self) -> list[str]:
        """Return "keys: description" for every video action, for the help dialog."""
        lines = []
        for shortcut in VIDEO_SHORTCUTS:
            keys = shortcuts.format_keys(tuple(self._actions[shortcut.id].shortcuts()),
                                         native=True)
            lines.append(f"{keys or '-'}: {shortcuts.translate(shortcut.description)}")
        return lines

    # -- for tests and the main window -----------------------------------------------

    def canvas(self) -> FrameCanvas:
        return self._canvas

    def timeline(self) -> TimelineWidget:
        return self._timeline

    def current_frame(self) -> int:
        return self._frame

    def frames(self) -> VideoFrames | None:
        return self._frames

    def stored_annotations(self) -> dict[str, Annotation]:
        return dict(self._stored)

    def displayed_annotations(self) -> dict[str, Annotation]:
        return dict(self._displayed)

    def selected_track_ids(self) -> list[str]:
        """Return the tracks selected on the timeline or canvas, the current one last."""
        return list(self._track_selection)

    def suggestions(self) -> list[Suggestion]:
        return list(self._suggestions[1]) if self._suggestions else []

    # -- frames -----------------------------------------------------------------------

    def go_to_frame(self, frame: int) -> None:
        """Show `frame`, clamped to the video's frames."""
        if self._frames is None:
            return
        frame = min(max(int(frame), 0), self._frames.frame_count - 1)
        if frame != self._frame or not self._displayed:
            self._show_frame(frame)

    def go_to_time(self, milliseconds: float) -> None:
        """Show the frame on screen at `milliseconds` after the first frame's timestamp."""
        if self._frames is None:
            return
        self.go_to_frame(self._frames.frame_at_time(self._frames.timestamps_ms[0] + milliseconds))

    def step(self, frames: int) -> None:
        self.pause()
        self.go_to_frame(self._frame + frames)

    def _show_frame(self, frame: int, *, notes: tuple[str, ...] | None = None) -> None:
        assert self._project is not None and self._asset is not None
        try:
            pixels = read_frame(self._project, self._asset, frame)
        except LabelerError as error:
            self.pause()
            self.error_occurred.emit(self.tr("Frame %1 cannot be shown: %2")
                                     .replace("%1", str(frame)).replace("%2", str(error)))
            return
        self._frame = frame
        display = self._display_for(frame)
        if notes is not None:
            self._canvas.show_image(self._asset.id, pixels, list(display.values()), notes=notes)
            self._displayed = display
        else:
            self._canvas.show_image(self._asset.id, pixels, [])
            self._sync_display(display)
        self._update_position()
        self._refresh_timeline()

    def _update_position(self) -> None:
        assert self._frames is not None
        self._frame_box.blockSignals(True)
        self._frame_box.setValue(self._frame)
        self._frame_box.blockSignals(False)
        time_ms = self._frames.timestamps_ms[self._frame] - self._frames.timestamps_ms[0]
        self._position.setText(self.tr("%1 of %2 frames · %3").replace(
            "%1", str(self._frame)).replace("%2", str(self._frames.frame_count)).replace(
            "%3", format_time(time_ms)))

    def _focus_frame_box(self) -> None:
        self._frame_box.setFocus()
        self._frame_box.selectAll()

    def _go_to_typed_time(self) -> None:
        try:
            milliseconds = parse_time(self._time_field.text())
        except ValueError as error:
            self.status_message.emit(str(error))
            return
        self.go_to_time(milliseconds)
        self._canvas.setFocus()

    # -- playback ---------------------------------------------------------------------

    def is_playing(self) -> bool:
        return self._play_origin is not None

    def toggle_playback(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Play from the shown frame at the video's own timing, dropping frames if late."""
        if self._frames is None or self._canvas.is_content_hidden():
            return
        if self._frame >= self._frames.frame_count - 1:
            self.go_to_frame(0)
        self._play_origin = (time.monotonic(), self._frames.timestamps_ms[self._frame])
        self._play_button.setText(self.tr("Pause"))
        self._schedule_tick()

    def pause(self) -> None:
        self._play_timer.stop()
        self._play_origin = None
        self._play_button.setText(self.tr("Play"))

    def _schedule_tick(self) -> None:
        assert self._frames is not None and self._play_origin is not None
        started, origin_ms = self._play_origin
        now_ms = origin_ms + (time.monotonic() - started) * 1000.0
        next_ms = self._frames.timestamps_ms[self._frame] + self._frames.frame_duration_ms(
            self._frame)
        self._play_timer.start(max(0, int(round(next_ms - now_ms))))

    def _on_play_tick(self) -> None:
        if self._frames is None or self._play_origin is None:
            return
        started, origin_ms = self._play_origin
        now_ms = origin_ms + (time.monotonic() - started) * 1000.0
        target = max(self._frames.frame_at_time(now_ms), self._frame + 1)
        last = self._frames.frame_count - 1
        self.go_to_frame(min(target, last))
        if self._frame >= last:
            self.pause()
            return
        self._schedule_tick()

    # -- what the canvas shows ----------------------------------------------------------

    def _display_for(self, frame: int) -> dict[str, Annotation]:
        """Return the shapes shown on `frame`, keyed by annotation id."""
        display: dict[str, Annotation] = {}
        for annotation in self._stored.values():
            if annotation.kind == TRACK_KIND:
                shown = track_of(annotation).shape_at(frame)
                if shown is None:
                    continue
                data = {**shown.geometry, "frame": frame,
                        "attributes": dict(annotation.data.get("attributes", {}))}
                display[annotation.id] = Annotation(
                    annotation.asset_id, annotation.data["shape"], annotation.label, data,
                    annotation.id)
            elif frame_of(annotation) in (None, frame):
                display[annotation.id] = annotation
        return display

    def _sync_display(self, display: dict[str, Annotation],
                      force: set[str] | frozenset[str] = frozenset()) -> None:
        assert self._asset is not None
        for annotation_id in set(self._displayed) | set(display) | set(force):
            state = display.get(annotation_id)
            if annotation_id in force or state != self._displayed.get(annotation_id):
                self._canvas.show_committed(self._asset.id, annotation_id, state)
        self._displayed = display

    def _refresh_timeline(self) -> None:
        assert self._frames is not None
        rows, shape_frames = [], set()
        for annotation in self._stored.values():
            if annotation.kind == TRACK_KIND:
                rows.append(self._track_row(annotation))
            elif (frame := frame_of(annotation)) is not None:
                shape_frames.add(frame)
        self._timeline.set_model(TimelineModel(
            self._frames.frame_count, self._frame, frozenset(shape_frames), rows,
            frozenset(self._track_selection)))

    def _track_row(self, annotation: Annotation) -> TrackRow:
        assert self._frames is not None
        track = track_of(annotation)
        spans = []
        keyframes = track.keyframes
        for index, keyframe in enumerate(keyframes):
            if keyframe.outside:
                continue
            end = (keyframes[index + 1].frame - 1 if index + 1 < len(keyframes)
                   else self._frames.frame_count - 1)
            spans.append((keyframe.frame, max(keyframe.frame, end)))
        suggested: tuple[int, ...] = ()
        if self._suggestions and self._suggestions[0] == annotation.id:
            suggested = tuple(s.frame for s in self._suggestions[1])
        return TrackRow(annotation.id, self._canvas.color_for(annotation.label), tuple(spans),
                        tuple(k.frame for k in keyframes), suggested)

    # -- edits from the canvas ---------------------------------------------------------------

    def _commit_display_changes(self, text: str, changes: list[Change]) -> bool:
        try:
            stored_changes = [self._to_stored(change) for change in changes]
        except ConfigError as error:
            self._sync_display(self._display_for(self._frame),
                               force={c.annotation_id for c in changes})
            self.error_occurred.emit(self.tr("The change was not saved: %1.")
                                     .replace("%1", str(error)))
            return False
        if not self._push(text, stored_changes):
            return False
        created = [c.annotation_id for c in stored_changes
                   if c.before is None and c.after is not None and c.after.kind == TRACK_KIND]
        if created:
            self._track_selection = [created[-1]]
            self._refresh_timeline()
        return True

    def _push(self, text: str, changes: list[StoredChange]) -> bool:
        if not changes:
            return False
        if self._store is None:
            self.status_message.emit(self.tr("This video is read-only here"))
            return False
        command = StoredEditCommand(text, changes, self._store, self)
        self._canvas.undo_stack().push(command)
        return not command.has_failed

    def _to_stored(self, change: Change) -> StoredChange:
        """Turn a change of a displayed shape into the change of its stored annotation."""
        before = self._stored.get(change.annotation_id)
        after = change.after
        if after is None:
            return StoredChange(change.annotation_id, before, None)
        if before is None:
            return StoredChange(change.annotation_id, None, self._new_stored(after))
        if before.kind != TRACK_KIND:
            data = dict(after.data)
            if frame_of(before) is not None:
                data["frame"] = frame_of(before)
            return StoredChange(change.annotation_id, before,
                                replace(before, kind=after.kind, label=after.label, data=data))
        return StoredChange(change.annotation_id, before, self._edited_track(before, after))

    def _new_stored(self, drawn: Annotation) -> Annotation:
        if drawn.kind == "classification":
            return drawn
        geometry = _geometry_of(drawn.data)
        attributes = dict(drawn.data.get("attributes", {}))
        if self._tracks_box.isChecked() and drawn.kind in TRACK_SHAPES and self._allows_track(
                drawn.label):
            track = Track(drawn.kind, (Keyframe(self._frame, geometry),), attributes)
            return Annotation(drawn.asset_id, TRACK_KIND, drawn.label, track.to_data(), drawn.id)
        return Annotation(drawn.asset_id, drawn.kind, drawn.label,
                          {**geometry, "attributes": attributes, "frame": self._frame}, drawn.id)

    def _allows_track(self, label: str | None) -> bool:
        assert self._project is not None
        try:
            return TRACK_KIND in self._project.ontology.label(label or "").shapes
        except ConfigError:
            return False

    def _edited_track(self, stored: Annotation, shown: Annotation) -> Annotation:
        track = track_of(stored)
        attributes = dict(shown.data.get("attributes", track.attributes))
        displayed = self._displayed.get(stored.id)
        geometry = _geometry_of(shown.data)
        if displayed is None or geometry != _geometry_of(displayed.data):
            current = track.shape_at(self._frame)
            occluded = current.occluded if current else False
            track = track.with_keyframe(Keyframe(self._frame, geometry, occluded=occluded))
        track = replace(track, attributes=attributes)
        if shown.label != stored.label and self._project is not None:
            check_track_label(self._project.ontology.label(shown.label or "").shapes, track,
                              shown.label or "")
        return replace(stored, label=shown.label, data=track.to_data())

    # -- what commands call (StoredEditHost) --------------------------------------------------

    def stored_committed(self, states: dict[str, Annotation | None]) -> None:
        """Record the committed annotations and show them on the current frame."""
        for annotation_id, state in states.items():
            if state is None:
                self._stored.pop(annotation_id, None)
            else:
                self._stored[annotation_id] = state
        if self._asset is None or self._frames is None:
            return
        self._sync_display(self._display_for(self._frame), force=set(states))
        self._refresh_timeline()
        self.annotations_changed.emit(self._asset.id)

    def stored_failed(self, error: Exception) -> None:
        self.error_occurred.emit(self.tr("The change was not saved: %1.")
                                 .replace("%1", str(error)))

    # -- track actions ---------------------------------------------------------------------------

    def _on_selection_changed(self, _count: int) -> None:
        """Follow the canvas: its selected tracks become the track selection."""
        selected = [item.annotation_id for item in self._canvas.selected_shapes()
                    if self._is_track(item.annotation_id)]
        if selected and selected != self._track_selection:
            self._track_selection = selected
            if self._frames is not None:
                self._refresh_timeline()

    def select_track(self, track_id: str, adding: bool = False) -> None:
        """Select a track (as a click on its timeline row does); `adding` keeps the others."""
        if not self._is_track(track_id):
            return
        kept = [t for t in self._track_selection if t != track_id] if adding else []
        self._track_selection = [*kept, track_id]
        items = [i for i in self._canvas.shape_items() if i.annotation_id in self._track_selection]
        self._canvas.select(items)
        self._track_selection = [*kept, track_id]
        if self._frames is not None:
            self._refresh_timeline()

    def _is_track(self, annotation_id: str) -> bool:
        stored = self._stored.get(annotation_id)
        return stored is not None and stored.kind == TRACK_KIND

    def _target_tracks(self) -> list[Annotation]:
        """Return the selected tracks, in the order they were selected."""
        return [self._stored[t] for t in self._track_selection if self._is_track(t)]

    def _set_controls_enabled(self, enabled: bool) -> None:
        for widget in (self._play_button, self._frame_box, self._time_field,
                       self._propagate_box):
            widget.setEnabled(enabled)
        for action in self._actions.values():
            action.setEnabled(enabled)


def _geometry_of(data: dict[str, Any] | Any) -> dict[str, Any]:
    return {key: value for key, value in dict(data).items() if key not in _NOT_GEOMETRY}


def _notes_of(asset: Asset, frames: VideoFrames) -> tuple[str, ...]:
    try:
        notes = tuple(str(note) for note in json.loads(asset.notes))
    except (ValueError, TypeError):
        notes = ()
    if not frames.is_finished:
        notes += ("frames are still being extracted; import the bucket again to finish",)
    return tuple(note for note in notes if not note.startswith("codec "))


__all__ = ["VideoAnnotationView", "parse_time", "format_time"]
