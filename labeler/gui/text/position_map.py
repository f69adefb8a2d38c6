"""Exact mapping between Qt document positions and code-point offsets.

Span offsets count code points of the original decoded text. A QTextDocument
counts UTF-16 code units, and `QTextCursor.insertText` (which `setPlainText`
uses) turns each "\\r\\n", lone "\\r", "\\n" and U+2029 into one block
separator, and U+FDD0 and U+FDD1 into frame markers. So the view never hands
the original to Qt: it gives `PositionMap.display_text`, in which every line
break is one "\\n", and keeps this map between the two.

This module imports no Qt, so it can be tested on its own; the GUI tests check
the map against a real QPlainTextEdit.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Final

_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
# U+FDD0 and U+FDD1 are noncharacters that Qt reads as frame start and end.
_FRAME_MARKERS: Final = str.maketrans({"\ufdd0": "\ufffd", "\ufdd1": "\ufffd"})


class PositionMap:
    """Qt position (UTF-16 unit of `display_text`) <-> code point of the original.

    Characters outside the Basic Multilingual Plane take two Qt positions and
    the LF of each CRLF takes none; every other code point takes one.
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral = [match.start() for match in _ASTRAL.finditer(text)]
        # The LF of a CRLF pair is the code point that Qt's block separator drops.
        self._dropped = [match.start() + 1 for match in re.finditer("\r\n", text)]
        display = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\ufdd0" in display or "\ufdd1" in display:
            display = display.translate(_FRAME_MARKERS)
        self.display_text = display
        self._build_inverse()

    def _build_inverse(self) -> None:
        """Record, for each astral or dropped code point, where it starts in Qt units."""
        weights = dict.fromkeys(self._astral, 1)
        weights.update(dict.fromkeys(self._dropped, -1))
        offsets = sorted(weights) if self._dropped else self._astral
        deltas_after = list(itertools.accumulate(weights[offset] for offset in offsets))
        self._event_offsets = offsets
        self._deltas_after = deltas_after
        self._event_widths = [1 + weights[offset] for offset in offsets]
        self._event_positions = [offset + delta - weights[offset]
                                 for offset, delta in zip(offsets, deltas_after)]
        self.qt_length = self.length + (deltas_after[-1] if deltas_after else 0)

    def to_qt(self, offset: int) -> int:
        """Return the Qt position of a code-point offset (0 <= offset <= length)."""
        if not 0 <= offset <= self.length:
            raise ValueError(f"offset {offset} is outside 0..{self.length}")
        return (offset + bisect.bisect_left(self._astral, offset)
                - bisect.bisect_left(self._dropped, offset))

    def to_offset(self, position: int, *, round_up: bool = False) -> int:
        """Return the code-point offset of a Qt position.

        A position inside a surrogate pair maps to the start of its character,
        or with `round_up` to its end (for the end of a selection). The
        position of a CRLF's block separator maps to the CR, the position after
        it to after the LF.
        """
        if not 0 <= position <= self.qt_length:
            raise ValueError(f"Qt position {position} is outside 0..{self.qt_length}")
        index = bisect.bisect_right(self._event_positions, position) - 1
        if index < 0:
            return position
        event_start = self._event_positions[index]
        if position < event_start + self._event_widths[index]:
            is_inside = round_up and position > event_start
            return self._event_offsets[index] + (1 if is_inside else 0)
        return position - self._deltas_after[index]
