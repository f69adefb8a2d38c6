"""Keyboard shortcuts of the video view, and the canvas keys they displace.

Frame navigation accepts the keys of both tools annotators come from:
- CVAT (its `cvat-ui` key map): F next frame, D previous frame, V forward
  10 frames, C back 10 frames, Space play and pause, R and E next and
  previous keyframe, Q occluded, M merge, Alt+M split, Ctrl+B propagate.
- Label Studio's video player: Right and Left arrows step one frame; with
  Alt they step ten frames.

Our own choices: Shift+K adds or removes a keyframe, Shift+O toggles
outside (CVAT's O draws rotated boxes here), Ctrl+T requests tracker
suggestions, Ctrl+Shift+T accepts them, Ctrl+G jumps to the frame box.

Four canvas keys collide with these, so the video view moves them (see
CANVAS_OVERRIDES): fit only on Ctrl+0 (F is next frame), the select tool on
S (V is +10 frames), and nudging on Ctrl+arrows (arrows step frames).
The main window's D and A (next and previous asset) collide with CVAT's D.
The video view claims such keys while it has focus
(`VideoAnnotationView.set_window_keys`), so outside it they still change the asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP


@dataclass(frozen=True)
class VideoShortcut:
    id: str
    keys: tuple[str, ...]
    description: str


VIDEO_SHORTCUTS: Final[tuple[VideoShortcut, ...]] = (
    VideoShortcut("next_frame", ("F", "Right"), QT_TRANSLATE_NOOP("video", "Next frame")),
    VideoShortcut("previous_frame", ("D", "Left"),
                  QT_TRANSLATE_NOOP("video", "Previous frame")),
    VideoShortcut("forward_10", ("V", "Alt+Right"),
                  QT_TRANSLATE_NOOP("video", "Forward 10 frames")),
    VideoShortcut("back_10", ("C", "Alt+Left"), QT_TRANSLATE_NOOP("video", "Back 10 frames")),
    VideoShortcut("play_pause", ("Space",), QT_TRANSLATE_NOOP("video", "Play or pause")),
    VideoShortcut("next_keyframe", ("R",),
                  QT_TRANSLATE_NOOP("video", "Next keyframe of the selected track")),
    VideoShortcut("previous_keyframe", ("E",),
                  QT_TRANSLATE_NOOP("video", "Previous keyframe of the selected track")),
    VideoShortcut("go_to_frame", ("Ctrl+G",),
                  QT_TRANSLATE_NOOP("video", "Jump to a frame or a time")),
    VideoShortcut("toggle_keyframe", ("Shift+K",),
                  QT_TRANSLATE_NOOP("video", "Add or remove a keyframe on this frame")),
    VideoShortcut("toggle_outside", ("Shift+O",),
                  QT_TRANSLATE_NOOP("video", "Mark the track outside from this frame, or back")),
    VideoShortcut("toggle_occluded", ("Q",),
                  QT_TRANSLATE_NOOP("video", "Mark the track occluded from this frame, or not")),
    VideoShortcut("split_track", ("Alt+M",),
                  QT_TRANSLATE_NOOP("video", "Split the selected track at this frame")),
    VideoShortcut("merge_tracks", ("M",),
                  QT_TRANSLATE_NOOP("video", "Merge the selected tracks")),
    VideoShortcut("propagate", ("Ctrl+B",),
                  QT_TRANSLATE_NOOP("video", "Copy the selected shapes to the next frames")),
    VideoShortcut("suggest", ("Ctrl+T",),
                  QT_TRANSLATE_NOOP("video", "Suggest keyframes with the tracker")),
    VideoShortcut("accept_suggestions", ("Ctrl+Shift+T",),
                  QT_TRANSLATE_NOOP("video", "Accept the suggested keyframes")),
    VideoShortcut("draw_tracks", (),
                  QT_TRANSLATE_NOOP("video", "New shapes start tracks (else one frame only)")),
)

CANVAS_OVERRIDES: Final = {
    "fit": "Ctrl+0",
    "tool_select": "S",
    "nudge_left": "Ctrl+Left",
    "nudge_right": "Ctrl+Right",
    "nudge_up": "Ctrl+Up",
    "nudge_down": "Ctrl+Down",
}
