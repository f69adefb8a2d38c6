"""Exact mapping between Qt document positions and code-point offsets.

Span offsets count code points of the original decoded text. A QTextDocument
counts UTF-16 code units, and `QTextCursor.insertText` (which `setPlainText`
uses) turns each "\\r\\n", lone "\\r", "\\n" and U+2029 into one block
separator, and U+FDD0 and U+FDD1 into frame markers. So the view hands Qt
`PositionMap.display_text`, which is the original with the two frame markers
replaced, and keeps this map between the two. Line breaks stay as they are,
because Qt already reads CRLF and a lone CR as one separator (checked against
PySide6 6.11 by tests/gui/text/test_position_map.py), and a copy of a 5 MB
text costs time and memory.

The map stores only the offsets where the width changes: each character
outside the Basic Multilingual Plane and the LF of each CRLF. A lookup is a
binary search in those sorted arrays, so plain text needs almost no memory.

This module imports no Qt, so it can be tested on its own; the GUI tests check
the map against a real QPlainTextEdit.
"""

from __future__ import annotations

import bisect
from array import array
from typing import Final

import numpy as np
import numpy.typing as npt

# U+FDD0 and U+FDD1 are noncharacters that Qt reads as frame start and end.
_FRAME_MARKERS: Final = str.maketrans({"\ufdd0": "\ufffd", "\ufdd1": "\ufffd"})
# Code points per numpy pass, which bounds the temporary UTF-32 copy to 4 MiB.
_SCAN_CHUNK: Final = 1 << 20
_CR: Final = 0x0D
_LF: Final = 0x0A
_BMP_MAX: Final = 0xFFFF


def _scan(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return the sorted offsets of astral code points and of the LF of each CRLF."""
    astral_parts = [np.empty(0, dtype=np.int64)]
    dropped_parts = [np.empty(0, dtype=np.int64)]
    for start in range(0, len(text), _SCAN_CHUNK):
        # One code point of overlap finds a CRLF split between two chunks. A
        # lone surrogate passes through as one BMP unit, as Qt counts it.
        piece = text[start:start + _SCAN_CHUNK + 1]
        encoded = piece.encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(encoded, dtype=np.uint32)
        astral = np.flatnonzero(codes[:_SCAN_CHUNK] > _BMP_MAX)
        carriage_returns = np.flatnonzero(codes[:-1] == _CR)
        crlf = carriage_returns[codes[carriage_returns + 1] == _LF]
        astral_parts.append(astral + start)
        dropped_parts.append(crlf + start + 1)
    return np.concatenate(astral_parts), np.concatenate(dropped_parts)


def _int_array(values: npt.NDArray[np.int64]) -> array[int]:
    """Copy `values` into an `array`, which `bisect` searches twice as fast as numpy."""
    result = array("q")
    result.frombytes(values.astype(np.int64).tobytes())
    return result


class PositionMap:
    """Qt position (UTF-16 unit of `display_text`) <-> code point of the original.

    Characters outside the Basic Multilingual Plane take two Qt positions and
    the LF of each CRLF takes none; every other code point takes one.
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        astral, dropped = _scan(text)
        self._astral = _int_array(astral)
        self._dropped = _int_array(dropped)
        if "\ufdd0" in text or "\ufdd1" in text:
            text = text.translate(_FRAME_MARKERS)
        self.display_text = text
        self._build_inverse(astral, dropped)

    def _build_inverse(self, astral: npt.NDArray[np.int64],
                       dropped: npt.NDArray[np.int64]) -> None:
        """Record, for each astral or dropped code point, where it starts in Qt units."""
        offsets = np.concatenate([astral, dropped])
        weights = np.concatenate([np.ones(len(astral), dtype=np.int64),
                                  np.full(len(dropped), -1, dtype=np.int64)])
        if len(dropped):
            # Two sorted runs, which the stable sort (timsort) merges in linear time.
            order = np.argsort(offsets, kind="stable")
            offsets = offsets[order]
            weights = weights[order]
        deltas_after = np.cumsum(weights)
        self._event_offsets = _int_array(offsets)
        self._deltas_after = _int_array(deltas_after)
        self._event_widths = _int_array(1 + weights)
        self._event_positions = _int_array(offsets + deltas_after - weights)
        total_delta = int(deltas_after[-1]) if len(deltas_after) else 0
        self.qt_length = self.length + total_delta

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
