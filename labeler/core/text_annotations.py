"""Text annotations: spans, relations, document classification and comments.

Offsets count Unicode code points of the decoded original text (see
`labeler.core.media.text.decode_text`), end exclusive. They never refer to a
displayed variant, a normalised form or UTF-16 units, so CRLF counts as two
code points and an emoji outside the Basic Multilingual Plane as one.

Importing this module registers four annotation kinds with the store:

- "span": a labelled range, data {"start", "end", "attributes"}.
- "relation": a labelled, directed link between two spans of one document,
  data {"from": span id, "to": span id, "attributes"}.
- "text_classification": document-level values, data {"values"}; unlabelled.
- "comment": free text, optionally anchored to a range, data {"text"} plus
  optional "start" and "end"; unlabelled.

The store's validators cannot know a document's length, so `TextAnnotations`
checks bounds, overlaps and relation ends against the document before it saves.
"""

from __future__ import annotations

import bisect
import functools
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Final, Iterable, Mapping

from labeler.core.annotations import (
    UNLABELLED_KINDS,
    Annotation,
    AnnotationStore,
    register_kind,
)
from labeler.core.errors import ConfigError, NotFoundError
from labeler.core.media.text import FALLBACK_ENCODINGS, decode_text
from labeler.core.model.ontology import Attribute, Ontology
from labeler.core.project import Asset, Project

logger = logging.getLogger(__name__)

SPAN: Final = "span"
RELATION: Final = "relation"
TEXT_CLASSIFICATION: Final = "text_classification"
COMMENT: Final = "comment"
TEXT_KINDS: Final = frozenset({SPAN, RELATION, TEXT_CLASSIFICATION, COMMENT})
MAX_COMMENT_LENGTH: Final = 10_000


class TextAnnotationError(ConfigError):
    """A text annotation breaks a rule: bounds, overlap, relation ends or label."""


# -- kinds ---------------------------------------------------------------------


def _offset(data: Mapping[str, Any], name: str, kind: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"a {kind} needs an integer {name!r} offset, got {value!r}")
    if value < 0:
        raise ConfigError(f"a {kind} {name!r} offset must not be negative, got {value}")
    return value


def _attributes(data: Mapping[str, Any], kind: str) -> dict[str, Any]:
    attributes = data.get("attributes", {})
    if not isinstance(attributes, Mapping):
        raise ConfigError(f"a {kind}'s attributes must be a table, got {type(attributes).__name__}")
    return dict(attributes)


def _validate_span(data: Mapping[str, Any]) -> dict[str, Any]:
    start = _offset(data, "start", SPAN)
    end = _offset(data, "end", SPAN)
    if start >= end:
        raise ConfigError(f"a span needs start < end, got {start} and {end}")
    return {"start": start, "end": end, "attributes": _attributes(data, SPAN)}


def _validate_relation(data: Mapping[str, Any]) -> dict[str, Any]:
    ends = {}
    for name in ("from", "to"):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"a relation needs a span id in {name!r}, got {value!r}")
        ends[name] = value
    if ends["from"] == ends["to"]:
        raise ConfigError("a relation must link two different spans")
    return {**ends, "attributes": _attributes(data, RELATION)}


def _validate_text_classification(data: Mapping[str, Any]) -> dict[str, Any]:
    values = data.get("values")
    if not isinstance(values, Mapping):
        raise ConfigError("a text classification needs a table of values")
    return {"values": dict(values)}


def _validate_comment(data: Mapping[str, Any]) -> dict[str, Any]:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("a comment needs non-empty text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ConfigError(
            f"a comment may have at most {MAX_COMMENT_LENGTH} characters, got {len(text)}")
    result: dict[str, Any] = {"text": text}
    if "start" in data or "end" in data:
        start = _offset(data, "start", COMMENT)
        end = _offset(data, "end", COMMENT)
        if start >= end:
            raise ConfigError(f"an anchored comment needs start < end, got {start} and {end}")
        result.update(start=start, end=end)
    return result


register_kind(SPAN, _validate_span)
register_kind(RELATION, _validate_relation)
register_kind(TEXT_CLASSIFICATION, _validate_text_classification)
register_kind(COMMENT, _validate_comment)
UNLABELLED_KINDS.update({TEXT_CLASSIFICATION, COMMENT})


# -- grapheme clusters -----------------------------------------------------------
# An implementation of the extended grapheme cluster rules of Unicode Standard
# Annex #29 over Python's `unicodedata` (the `regex` module, whose \X does this,
# is not a dependency). Property values are derived from general categories plus
# the short lists below. NOTE: it omits rule GB9c (Indic conjunct clusters,
# Unicode 15.1), and Extended_Pictographic is approximated by the emoji ranges
# below, so a rare pictograph outside them after a ZWJ starts a new cluster.

_CR, _LF, _CONTROL, _EXTEND, _ZWJ, _RI, _PREPEND, _SPACING_MARK = range(8)
_L, _V, _T, _LV, _LVT, _OTHER = range(8, 14)

_PREPEND_CHARS: Final = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e"
    "\U000110bd\U000110cd")
_PICTOGRAPHIC_RANGES: Final = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA),
    (0x231A, 0x231B), (0x2328, 0x2328), (0x2388, 0x2388), (0x23CF, 0x23CF),
    (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x27BF),
    (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297),
    (0x3299, 0x3299), (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F),
    (0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A),
    (0x1F1AD, 0x1F1E5), (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F),
    (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D),
    (0x1F546, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF),
    (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F),
    (0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)
_PICTOGRAPHIC_STARTS: Final = tuple(start for start, _ in _PICTOGRAPHIC_RANGES)


def _is_pictographic(char: str) -> bool:
    code = ord(char)
    index = bisect.bisect_right(_PICTOGRAPHIC_STARTS, code) - 1
    return index >= 0 and code <= _PICTOGRAPHIC_RANGES[index][1]


@functools.lru_cache(maxsize=8192)
def _break_property(char: str) -> int:
    code = ord(char)
    if char == "\r":
        return _CR
    if char == "\n":
        return _LF
    if char == "\u200d":
        return _ZWJ
    if 0x1F1E6 <= code <= 0x1F1FF:
        return _RI
    if char in _PREPEND_CHARS:
        return _PREPEND
    if (char == "\u200c" or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
            or code in (0xFF9E, 0xFF9F)):
        return _EXTEND
    if 0xAC00 <= code <= 0xD7A3:
        return _LV if (code - 0xAC00) % 28 == 0 else _LVT
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return _L
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return _V
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return _T
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return _EXTEND
    if category == "Mc" or char in "\u0e33\u0eb3":
        return _SPACING_MARK
    if category in ("Cc", "Zl", "Zp", "Cf"):
        return _CONTROL
    return _OTHER


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Tell whether a grapheme cluster boundary lies before `text[index]`."""
    if index <= 0 or index >= len(text):
        return True
    before = _break_property(text[index - 1])
    after = _break_property(text[index])
    if before == _CR and after == _LF:
        return False
    if before in (_CR, _LF, _CONTROL) or after in (_CR, _LF, _CONTROL):
        return True
    if before == _L and after in (_L, _V, _LV, _LVT):
        return False
    if before in (_LV, _V) and after in (_V, _T):
        return False
    if before in (_LVT, _T) and after == _T:
        return False
    if after in (_EXTEND, _ZWJ, _SPACING_MARK) or before == _PREPEND:
        return False
    if before == _ZWJ and _is_pictographic(text[index]):
        position = index - 2
        while position >= 0 and _break_property(text[position]) == _EXTEND:
            position -= 1
        return not (position >= 0 and _is_pictographic(text[position]))
    if before == _RI and after == _RI:
        count = 0
        position = index - 1
        while position >= 0 and _break_property(text[position]) == _RI:
            count += 1
            position -= 1
        return count % 2 == 0
    return True


def grapheme_start(text: str, index: int) -> int:
    """Return the start of the grapheme cluster that contains `text[index]`."""
    index = max(0, min(index, len(text)))
    while not is_grapheme_boundary(text, index):
        index -= 1
    return index


def grapheme_end(text: str, index: int) -> int:
    """Return the first cluster boundary at or after `index`."""
    index = max(0, min(index, len(text)))
    while not is_grapheme_boundary(text, index):
        index += 1
    return index


def grapheme_boundaries(text: str) -> list[int]:
    """Return every cluster boundary of `text`, 0 and len(text) included."""
    return [index for index in range(len(text) + 1) if is_grapheme_boundary(text, index)]


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a range so that it splits no grapheme cluster."""
    return grapheme_start(text, start), grapheme_end(text, end)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_\u200c\u200d" or unicodedata.category(char)[0] == "M"


def _is_word_at(text: str, index: int) -> bool:
    """Tell whether text[index] belongs to a word; apostrophes inside a word do."""
    char = text[index]
    if _is_word_char(char):
        return True
    return (char in "'\u2019" and 0 < index < len(text) - 1
            and _is_word_char(text[index - 1]) and _is_word_char(text[index + 1]))


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim white space from a range's edges, then widen it to whole words.

    The result never splits a grapheme cluster. A range that holds only white
    space is returned unchanged apart from the cluster widening.
    """
    start, end = snap_to_graphemes(text, start, end)
    trimmed_start, trimmed_end = start, end
    while trimmed_start < trimmed_end and text[trimmed_start].isspace():
        trimmed_start += 1
    while trimmed_end > trimmed_start and text[trimmed_end - 1].isspace():
        trimmed_end -= 1
    if trimmed_start == trimmed_end:
        return start, end
    start, end = trimmed_start, trimmed_end
    if _is_word_at(text, start):
        while start > 0 and _is_word_at(text, start - 1):
            start -= 1
    if _is_word_at(text, end - 1):
        while end < len(text) and _is_word_at(text, end):
            end += 1
    return snap_to_graphemes(text, start, end)


# -- span index --------------------------------------------------------------------

LONG_SPAN: Final = 4096
"""Spans longer than this many code points live in a small list scanned in full,
so that a range query over the sorted short spans only looks this far back."""

SpanKey = tuple[int, int, str]


class SpanIndex:
    """Spans of one document by position: overlap queries and ordered navigation.

    Short spans sit in a list sorted by (start, end, id), so a query for the
    range [a, b) bisects to start >= a - LONG_SPAN and reads forward to b.
    """

    def __init__(self, spans: Iterable[SpanKey] = ()) -> None:
        """Index `spans`, given as (start, end, id) keys with unique ids."""
        keys = list(spans)
        self._long = [key for key in keys if key[1] - key[0] > LONG_SPAN]
        self._short = keys
        if self._long:
            self._short = [key for key in keys if key[1] - key[0] <= LONG_SPAN]
        self._short.sort()
        self._long.sort()
        # The table by id is built on the first lookup by id, because a view
        # that opens a document with 100,000 spans reads only ranges before
        # its first paint.
        self._bounds_by_id: dict[str, tuple[int, int]] | None = None

    @property
    def _bounds(self) -> dict[str, tuple[int, int]]:
        if self._bounds_by_id is None:
            self._bounds_by_id = {span_id: (start, end)
                                  for keys in (self._short, self._long)
                                  for start, end, span_id in keys}
        return self._bounds_by_id

    def __len__(self) -> int:
        return len(self._short) + len(self._long)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._bounds

    def bounds(self, span_id: str) -> tuple[int, int]:
        return self._bounds[span_id]

    def add(self, span_id: str, start: int, end: int) -> None:
        if span_id in self._bounds:
            self.remove(span_id)
        self._bounds[span_id] = (start, end)
        target = self._long if end - start > LONG_SPAN else self._short
        bisect.insort(target, (start, end, span_id))

    def remove(self, span_id: str) -> None:
        start, end = self._bounds.pop(span_id)
        target = self._long if end - start > LONG_SPAN else self._short
        index = bisect.bisect_left(target, (start, end, span_id))
        del target[index]

    def overlapping(self, start: int, end: int) -> list[SpanKey]:
        """Return the spans that share at least one code point with [start, end)."""
        found = [key for key in self._long if key[0] < end and key[1] > start]
        index = bisect.bisect_left(self._short, (start - LONG_SPAN,))
        short = self._short
        while index < len(short) and short[index][0] < end:
            if short[index][1] > start:
                found.append(short[index])
            index += 1
        found.sort()
        return found

    def containing(self, offset: int) -> list[SpanKey]:
        """Return the spans with start <= offset < end by start, longer first at one start."""
        return sorted(self.overlapping(offset, offset + 1), key=lambda k: (k[0], -k[1], k[2]))

    def following(self, key: SpanKey | tuple[int]) -> SpanKey | None:
        """Return the first span after `key` in (start, end, id) order."""
        candidates = []
        for keys in (self._short, self._long):
            index = bisect.bisect_right(keys, key)
            if index < len(keys):
                candidates.append(keys[index])
        return min(candidates) if candidates else None

    def preceding(self, key: SpanKey | tuple[int]) -> SpanKey | None:
        """Return the last span before `key` in (start, end, id) order."""
        candidates = []
        for keys in (self._short, self._long):
            index = bisect.bisect_left(keys, key)
            if index > 0:
                candidates.append(keys[index - 1])
        return max(candidates) if candidates else None

    def keys(self) -> list[SpanKey]:
        """Return every span in (start, end, id) order."""
        return sorted(self._short + self._long) if self._long else list(self._short)


# -- documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class TextDocument:
    """A text asset as decoded for display, with the facts a view states."""

    asset_id: int
    text: str
    codec: str
    variant: str

    @property
    def is_encoding_guessed(self) -> bool:
        return self.codec in FALLBACK_ENCODINGS


def text_for_user(project: Project, asset: Asset) -> tuple[str, str, str]:
    """Return the text variant the signed-in user may see, its codec and variant name.

    Span offsets always refer to the original text.
    TODO: redacted variants do not exist yet, so every role gets "original";
    when they arrive, this picks the variant by `project.role`.
    """
    text, codec = decode_text(project.read_content(asset))
    return text, codec, "original"


# -- the service ----------------------------------------------------------------------


@dataclass
class _AssetState:
    """In-memory tables and span index of one document the service has loaded."""

    length: int
    index: SpanIndex
    spans: dict[str, Annotation] = field(default_factory=dict)
    relations: dict[str, Annotation] = field(default_factory=dict)
    others: dict[str, Annotation] = field(default_factory=dict)


def overlap_labels(ontology: Ontology) -> frozenset[str]:
    """Return the labels whose spans may overlap or nest, from `[text] allow_overlap`.

    Raises:
        ConfigError: the table is malformed or names a label the ontology lacks.
    """
    table = ontology.extras.get("text", {})
    if not isinstance(table, Mapping):
        raise ConfigError("the ontology's [text] entry must be a table")
    names = table.get("allow_overlap", [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError("[text] allow_overlap must be a list of label names")
    known = {label.name for label in ontology.labels}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigError(f"[text] allow_overlap names labels not in the ontology: {unknown}")
    return frozenset(names)


def span_labels(ontology: Ontology) -> list[str]:
    return [label.name for label in ontology.labels if SPAN in label.shapes]


def relation_labels(ontology: Ontology) -> list[str]:
    return [label.name for label in ontology.labels if RELATION in label.shapes]


def check_attribute_values(values: Mapping[str, Any], definitions: Iterable[Attribute],
                           where: str) -> None:
    """Check values against attribute definitions: known names and matching types.

    Raises:
        TextAnnotationError: a name is unknown or a value has the wrong type.
    """
    by_name = {attribute.name: attribute for attribute in definitions}
    for name, value in values.items():
        attribute = by_name.get(name)
        if attribute is None:
            raise TextAnnotationError(f"{where} has no attribute {name!r}")
        if value is None:
            continue
        expected = {"bool": (bool,), "text": (str,), "choice": (str,),
                    "number": (int, float)}[attribute.type]
        is_bool_as_number = attribute.type == "number" and isinstance(value, bool)
        if not isinstance(value, expected) or is_bool_as_number:
            raise TextAnnotationError(
                f"{where} attribute {name!r} must be {attribute.type}, "
                f"got {type(value).__name__}")
        if attribute.type == "choice" and value not in attribute.choices:
            raise TextAnnotationError(
                f"{where} attribute {name!r} must be one of {list(attribute.choices)}")


class TextAnnotations:
    """Adds, changes and removes the text annotations of a project's documents.

    Every method that changes something commits through `AnnotationStore`
    before it returns, and only then updates the in-memory index, so callers
    may show an edit as saved once a call returns. The index of a document is
    built from the store on first use and assumes this service is the only
    writer of that document while it is open.
    """

    def __init__(self, project: Project, store: AnnotationStore | None = None) -> None:
        self.project = project
        self.store = store or AnnotationStore(project)
        self._states: dict[int, _AssetState] = {}
        self._overlap = overlap_labels(project.ontology)

    @property
    def ontology(self) -> Ontology:
        return self.project.ontology

    def can_overlap(self, label: str) -> bool:
        return label in self._overlap

    # -- reading ---------------------------------------------------------------

    def document(self, asset_id: int) -> TextDocument:
        """Decode a text asset for this user and remember its length for bound checks."""
        asset = self.project.asset(asset_id)
        if asset.kind != "text":
            raise TextAnnotationError(f"asset {asset_id} is a {asset.kind} asset, not text")
        text, codec, variant = text_for_user(self.project, asset)
        original_length = len(text) if variant == "original" else None
        self._load(asset_id, original_length)
        return TextDocument(asset_id, text, codec, variant)

    def _load(self, asset_id: int, length: int | None = None) -> _AssetState:
        state = self._states.get(asset_id)
        if state is not None:
            return state
        if length is None:
            asset = self.project.asset(asset_id)
            length = len(decode_text(self.project.read_content(asset))[0])
        annotations = [a for a in self.store.list(asset_id) if a.kind in TEXT_KINDS]
        spans = {a.id: a for a in annotations if a.kind == SPAN}
        state = _AssetState(
            length=length,
            index=SpanIndex((a.data["start"], a.data["end"], a.id) for a in spans.values()),
            spans=spans,
            relations={a.id: a for a in annotations if a.kind == RELATION},
            others={a.id: a for a in annotations if a.kind not in (SPAN, RELATION)},
        )
        self._states[asset_id] = state
        return state

    def forget(self, asset_id: int) -> None:
        """Drop a document's in-memory index, for example when the view closes it."""
        self._states.pop(asset_id, None)

    def list(self, asset_id: int) -> list[Annotation]:
        state = self._load(asset_id)
        return [*state.spans.values(), *state.relations.values(), *state.others.values()]

    def spans(self, asset_id: int) -> list[Annotation]:
        state = self._load(asset_id)
        return [state.spans[key[2]] for key in state.index.keys()]

    def relations(self, asset_id: int) -> list[Annotation]:
        return list(self._load(asset_id).relations.values())

    def comments(self, asset_id: int) -> list[Annotation]:
        return [a for a in self._load(asset_id).others.values() if a.kind == COMMENT]

    def classification(self, asset_id: int) -> Annotation | None:
        for annotation in self._load(asset_id).others.values():
            if annotation.kind == TEXT_CLASSIFICATION:
                return annotation
        return None

    def find(self, asset_id: int, annotation_id: str) -> Annotation:
        state = self._load(asset_id)
        for table in (state.spans, state.relations, state.others):
            if annotation_id in table:
                return table[annotation_id]
        raise NotFoundError(f"asset {asset_id} has no text annotation {annotation_id}")

    def find_span(self, asset_id: int, start: int, end: int, label: str) -> Annotation | None:
        """Return the span of `label` with exactly these bounds, if there is one."""
        state = self._load(asset_id)
        for other_start, other_end, span_id in state.index.overlapping(start, end):
            span = state.spans[span_id]
            if (other_start, other_end, span.label) == (start, end, label):
                return span
        return None

    def contains(self, asset_id: int, annotation_id: str) -> bool:
        state = self._load(asset_id)
        return any(annotation_id in table
                   for table in (state.spans, state.relations, state.others))

    def text_length(self, asset_id: int) -> int:
        return self._load(asset_id).length

    # -- checks ----------------------------------------------------------------

    def check_span(self, asset_id: int, start: int, end: int, label: str,
                   attributes: Mapping[str, Any] | None = None, *,
                   ignore_id: str | None = None) -> None:
        """Check a span against the document and the ontology without saving it.

        Raises:
            TextAnnotationError: out of bounds, empty, a duplicate, an overlap
                the ontology does not allow, or a label without "span".
        """
        state = self._load(asset_id)
        if not 0 <= start < end <= state.length:
            raise TextAnnotationError(
                f"span {start}-{end} is outside the document of asset {asset_id}, "
                f"which has {state.length} characters; offsets need 0 <= start < end <= "
                f"{state.length}")
        definition = self.ontology.label(label)
        if SPAN not in definition.shapes:
            raise TextAnnotationError(f"label {label!r} does not allow spans")
        check_attribute_values(attributes or {}, definition.attributes, f"label {label!r}")
        for other_start, other_end, other_id in state.index.overlapping(start, end):
            if other_id == ignore_id:
                continue
            other_label = state.spans[other_id].label or ""
            if (other_start, other_end, other_label) == (start, end, label):
                raise TextAnnotationError(
                    f"a {label} span {start}-{end} already exists on asset {asset_id}")
            if not (self.can_overlap(label) and self.can_overlap(other_label)):
                raise TextAnnotationError(
                    f"span {start}-{end} ({label}) overlaps span {other_start}-{other_end} "
                    f"({other_label}); the ontology lets spans overlap only when both labels "
                    "are in [text] allow_overlap")

    # -- spans -----------------------------------------------------------------

    def add_span(self, asset_id: int, start: int, end: int, label: str,
                 attributes: Mapping[str, Any] | None = None, *,
                 annotation_id: str | None = None) -> Annotation:
        """Check and commit a new span; return it as stored."""
        self.check_span(asset_id, start, end, label, attributes)
        data = {"start": start, "end": end, "attributes": dict(attributes or {})}
        annotation = Annotation(asset_id, SPAN, label, data)
        if annotation_id is not None:
            annotation = Annotation(asset_id, SPAN, label, data, annotation_id)
        return self._commit(annotation)

    def update_span(self, span_id: str, asset_id: int, *, start: int | None = None,
                    end: int | None = None, label: str | None = None,
                    attributes: Mapping[str, Any] | None = None) -> Annotation:
        """Change a span's bounds, label or attributes; return it as stored."""
        state = self._load(asset_id)
        current = state.spans.get(span_id)
        if current is None:
            raise NotFoundError(f"asset {asset_id} has no span {span_id}")
        new_start = current.data["start"] if start is None else start
        new_end = current.data["end"] if end is None else end
        new_label = (current.label or "") if label is None else label
        new_attributes = dict(current.data.get("attributes", {}) if attributes is None
                              else attributes)
        self.check_span(asset_id, new_start, new_end, new_label, new_attributes,
                        ignore_id=span_id)
        data = {"start": new_start, "end": new_end, "attributes": new_attributes}
        return self._commit(Annotation(asset_id, SPAN, new_label, data, span_id,
                                       current.created_by, current.created_at))

    # -- relations ----------------------------------------------------------------

    def add_relation(self, asset_id: int, from_id: str, to_id: str, label: str,
                     attributes: Mapping[str, Any] | None = None, *,
                     annotation_id: str | None = None) -> Annotation:
        """Check and commit a directed relation from one span to another."""
        state = self._load(asset_id)
        for name, span_id in (("from", from_id), ("to", to_id)):
            if span_id not in state.spans:
                raise TextAnnotationError(
                    f"the relation's {name!r} end {span_id} is not a span of asset {asset_id}")
        if from_id == to_id:
            raise TextAnnotationError("a relation must link two different spans")
        definition = self.ontology.label(label)
        if RELATION not in definition.shapes:
            raise TextAnnotationError(f"label {label!r} does not allow relations")
        check_attribute_values(attributes or {}, definition.attributes, f"label {label!r}")
        for existing in state.relations.values():
            same = (existing.data["from"], existing.data["to"], existing.label)
            if same == (from_id, to_id, label):
                raise TextAnnotationError(f"this {label} relation already exists")
        data = {"from": from_id, "to": to_id, "attributes": dict(attributes or {})}
        annotation = Annotation(asset_id, RELATION, label, data)
        if annotation_id is not None:
            annotation = Annotation(asset_id, RELATION, label, data, annotation_id)
        return self._commit(annotation)

    # -- document level -------------------------------------------------------------

    def set_classification(self, asset_id: int, values: Mapping[str, Any]) -> Annotation:
        """Store the document-level values, replacing the previous ones."""
        check_attribute_values(values, self.ontology.classifications, "the document")
        self._load(asset_id)
        current = self.classification(asset_id)
        data = {"values": dict(values)}
        if current is None:
            return self._commit(Annotation(asset_id, TEXT_CLASSIFICATION, None, data))
        return self._commit(Annotation(asset_id, TEXT_CLASSIFICATION, None, data, current.id,
                                       current.created_by, current.created_at))

    def add_comment(self, asset_id: int, text: str, *, start: int | None = None,
                    end: int | None = None) -> Annotation:
        """Commit a comment on the document, or on [start, end) when both are given."""
        state = self._load(asset_id)
        data: dict[str, Any] = {"text": text}
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start < end <= state.length:
                raise TextAnnotationError(
                    f"comment range {start}-{end} is outside the document of asset "
                    f"{asset_id} ({state.length} characters)")
            data.update(start=start, end=end)
        return self._commit(Annotation(asset_id, COMMENT, None, data))

    # -- removal and restore -----------------------------------------------------------

    def delete(self, asset_id: int, annotation_id: str) -> list[Annotation]:
        """Delete an annotation; deleting a span deletes its relations too.

        Returns:
            Everything deleted, the named annotation first, so that `restore`
            can bring it all back.
        """
        annotation = self.find(asset_id, annotation_id)
        state = self._states[asset_id]
        removed = [annotation]
        if annotation.kind == SPAN:
            removed += [relation for relation in state.relations.values()
                        if annotation_id in (relation.data["from"], relation.data["to"])]
        # Relations go first, so that no stored relation points at a deleted span.
        for item in reversed(removed):
            self.store.delete(item.id)
            self._forget_annotation(state, item)
        return removed

    def restore(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Save deleted annotations again with their ids, spans before relations."""
        ordered = sorted(annotations, key=lambda a: a.kind == RELATION)
        restored = []
        for annotation in ordered:
            if annotation.kind == SPAN:
                self.check_span(annotation.asset_id, annotation.data["start"],
                                annotation.data["end"], annotation.label or "",
                                annotation.data.get("attributes"), ignore_id=annotation.id)
            elif annotation.kind == RELATION:
                state = self._load(annotation.asset_id)
                for end in (annotation.data["from"], annotation.data["to"]):
                    if end not in state.spans:
                        raise TextAnnotationError(
                            f"cannot restore relation {annotation.id}: span {end} is gone")
            restored.append(self._commit(annotation))
        return restored

    def put(self, annotation: Annotation) -> Annotation:
        """Store an earlier version of an annotation again (undo of an update)."""
        if annotation.kind == SPAN:
            self.check_span(annotation.asset_id, annotation.data["start"],
                            annotation.data["end"], annotation.label or "",
                            annotation.data.get("attributes"), ignore_id=annotation.id)
        return self._commit(annotation)

    # -- bookkeeping ---------------------------------------------------------------

    def _commit(self, annotation: Annotation) -> Annotation:
        state = self._load(annotation.asset_id)
        stored = self.store.save(annotation)
        if stored.kind == SPAN:
            state.spans[stored.id] = stored
            state.index.add(stored.id, stored.data["start"], stored.data["end"])
        elif stored.kind == RELATION:
            state.relations[stored.id] = stored
        else:
            state.others[stored.id] = stored
        logger.debug("stored %s %s on asset %d", stored.kind, stored.id, stored.asset_id)
        return stored

    @staticmethod
    def _forget_annotation(state: _AssetState, annotation: Annotation) -> None:
        if annotation.kind == SPAN:
            state.spans.pop(annotation.id, None)
            if annotation.id in state.index:
                state.index.remove(annotation.id)
        elif annotation.kind == RELATION:
            state.relations.pop(annotation.id, None)
        else:
            state.others.pop(annotation.id, None)
