"""Track and shape edits of the video view that act on the selection, not on a drag.

Keyframe, outside and occluded toggles, split, merge, propagation and
tracker suggestions. Each edit builds the stored annotations before and after
and pushes them as one undo step through `_push`; `VideoAnnotationView`
supplies the state these methods read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from labeler.core.annotations import Annotation
from labeler.core.errors import ConfigError
from labeler.core.project import Asset, Project
from labeler.core.video.index import VideoFrames
from labeler.core.video.tracker import Suggestion, suggest_keyframes
from labeler.core.video.tracks import (
    TRACK_KIND,
    Keyframe,
    Track,
    frame_of,
    merge_tracks,
    propagate_shape,
)
from labeler.gui.video.frame_canvas import StoredChange

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QSpinBox

    from labeler.gui.video.frame_canvas import FrameCanvas
    from labeler.gui.workers import TaskRunner


def track_of(annotation: Annotation) -> Track:
    return Track.from_data(annotation.data)


class TrackEditsMixin:
    """Selection-based track edits; mixed into `VideoAnnotationView`."""

    if TYPE_CHECKING:
        _stored: dict[str, Annotation]
        _frame: int
        _frames: VideoFrames | None
        _project: Project | None
        _asset: Asset | None
        _canvas: FrameCanvas
        _runner: TaskRunner
        _propagate_box: QSpinBox
        _suggestions: tuple[str, list[Suggestion]] | None
        _track_selection: list[str]
        status_message: SignalInstance
        error_occurred: SignalInstance

        def tr(self, text: str) -> str: ...
        def go_to_frame(self, frame: int) -> None: ...
        def _push(self, text: str, changes: list[StoredChange]) -> bool: ...
        def _target_tracks(self) -> list[Annotation]: ...
        def _refresh_timeline(self) -> None: ...

    def _edit_tracks(self, text: str, edit: Callable[[Track], Track]) -> bool:
        targets = self._target_tracks()
        if not targets:
            self.status_message.emit(self.tr("Select a track first"))
            return False
        try:
            changes = [StoredChange(a.id, a, replace(a, data=edit(track_of(a)).to_data()))
                       for a in targets]
        except ConfigError as error:
            self.status_message.emit(str(error))
            return False
        return self._push(text, changes)

    def toggle_keyframe(self) -> bool:
        frame = self._frame

        def edit(track: Track) -> Track:
            if track.keyframe_at(frame) is not None:
                return track.without_keyframe(frame)
            shown = track.shape_at(frame)
            if shown is None:
                raise ConfigError(f"the track is not shown on frame {frame}")
            return track.with_keyframe(Keyframe(frame, shown.geometry, occluded=shown.occluded))

        return self._edit_tracks(self.tr("Toggle keyframe"), edit)

    def toggle_outside(self) -> bool:
        frame = self._frame

        def edit(track: Track) -> Track:
            shown = track.shape_at(frame)
            if shown is not None:
                return track.with_keyframe(Keyframe(frame, shown.geometry, outside=True))
            earlier = [k for k in track.keyframes if k.frame <= frame]
            if not earlier:
                raise ConfigError(f"the track starts after frame {frame}")
            return track.with_keyframe(Keyframe(frame, earlier[-1].geometry))

        return self._edit_tracks(self.tr("Toggle outside"), edit)

    def toggle_occluded(self) -> bool:
        frame = self._frame

        def edit(track: Track) -> Track:
            shown = track.shape_at(frame)
            if shown is None:
                raise ConfigError(f"the track is not shown on frame {frame}")
            return track.with_keyframe(Keyframe(frame, shown.geometry,
                                                occluded=not shown.occluded))

        return self._edit_tracks(self.tr("Toggle occluded"), edit)

    def go_to_keyframe(self, direction: int) -> None:
        targets = self._target_tracks() or [a for a in self._stored.values()
                                            if a.kind == TRACK_KIND]
        frames = sorted({k.frame for a in targets for k in track_of(a).keyframes})
        if direction > 0:
            later = [frame for frame in frames if frame > self._frame]
            if later:
                self.go_to_frame(later[0])
        else:
            earlier = [frame for frame in frames if frame < self._frame]
            if earlier:
                self.go_to_frame(earlier[-1])

    def split_track(self) -> bool:
        targets = self._target_tracks()
        if len(targets) != 1:
            self.status_message.emit(self.tr("Select one track to split"))
            return False
        stored = targets[0]
        try:
            first, second = track_of(stored).split(self._frame)
        except ConfigError as error:
            self.status_message.emit(str(error))
            return False
        created = Annotation(stored.asset_id, TRACK_KIND, stored.label, second.to_data())
        return self._push(self.tr("Split track"), [
            StoredChange(stored.id, stored, replace(stored, data=first.to_data())),
            StoredChange(created.id, None, created)])

    def merge_selected_tracks(self) -> bool:
        targets = [a for a in self._target_tracks()]
        if len(targets) < 2:
            self.status_message.emit(self.tr("Select two or more tracks to merge"))
            return False
        if len({a.label for a in targets}) != 1:
            self.status_message.emit(self.tr("Only tracks with the same label can be merged"))
            return False
        targets.sort(key=lambda a: track_of(a).first_frame)
        try:
            merged = track_of(targets[0])
            for other in targets[1:]:
                merged = merge_tracks(merged, track_of(other))
        except ConfigError as error:
            self.status_message.emit(str(error))
            return False
        keep = targets[0]
        changes = [StoredChange(keep.id, keep, replace(keep, data=merged.to_data()))]
        changes += [StoredChange(a.id, a, None) for a in targets[1:]]
        self._track_selection = [keep.id]
        return self._push(self.tr("Merge tracks"), changes)

    def propagate_selection(self) -> bool:
        if self._frames is None:
            return False
        shapes = [self._stored[item.annotation_id] for item in self._canvas.selected_shapes()
                  if item.annotation_id in self._stored
                  and frame_of(self._stored[item.annotation_id]) is not None]
        if not shapes:
            self.status_message.emit(self.tr("Select shapes drawn on this frame to propagate"))
            return False
        copies = [copy for shape in shapes for copy in propagate_shape(
            shape, self._propagate_box.value(), self._frames.frame_count)]
        if not copies:
            self.status_message.emit(self.tr("This is the last frame; nothing to propagate to"))
            return False
        return self._push(self.tr("Propagate shapes"),
                          [StoredChange(copy.id, None, copy) for copy in copies])

    def suggest_keyframes(self) -> None:
        """Ask the tracker to follow the selected track over the next frames."""
        targets = self._target_tracks()
        if len(targets) != 1 or self._project is None or self._asset is None:
            self.status_message.emit(self.tr("Select one track for the tracker to follow"))
            return
        stored, project, asset = targets[0], self._project, self._asset
        track, frame, count = track_of(stored), self._frame, self._propagate_box.value()
        self.status_message.emit(self.tr("The tracker is following the track…"))
        self._runner.submit(lambda: suggest_keyframes(project, asset, track, frame, count),
                            on_result=lambda found: self._show_suggestions(stored.id, found),
                            on_error=self._suggestions_failed)

    def _show_suggestions(self, track_id: str, found: list[Suggestion]) -> None:
        if track_id not in self._stored:
            return
        self._suggestions = (track_id, list(found))
        self.status_message.emit(self.tr("%1 keyframes suggested; accept them with "
                                         "Ctrl+Shift+T, then correct any").replace(
            "%1", str(len(found))))
        if self._frames is not None:
            self._refresh_timeline()

    def _suggestions_failed(self, error: BaseException) -> None:
        self.error_occurred.emit(self.tr("The tracker failed: %1").replace("%1", str(error)))

    def accept_suggestions(self) -> bool:
        """Add every suggested keyframe to its track as one undo step."""
        if not self._suggestions or self._suggestions[0] not in self._stored:
            self.status_message.emit(self.tr("There are no suggestions to accept"))
            return False
        track_id, found = self._suggestions
        stored = self._stored[track_id]
        track = track_of(stored)
        for suggestion in found:
            track = track.with_keyframe(Keyframe(suggestion.frame, suggestion.geometry))
        self._suggestions = None
        return self._push(self.tr("Accept suggested keyframes"),
                          [StoredChange(track_id, stored, replace(stored, data=track.to_data()))])

    def discard_suggestions(self) -> None:
        self._suggestions = None
        if self._frames is not None:
            self._refresh_timeline()
