"""Import existing span annotations: doccano JSONL, presidio-research JSON, CoNLL/IOB.

Every record names a document by its text, not by a file name, so a record is
matched to the project's text assets by content:

- doccano and presidio records carry the full text; it must equal an asset's
  decoded original text exactly (compared by SHA-256 of its UTF-8 form).
- CoNLL/IOB files carry only tokens. A document (the whole file, or the part
  between two "-DOCSTART-" lines) matches the asset whose text, without white
  space, equals its tokens joined. The tokens are then aligned to that text to
  find the code-point offsets.

With `asset_id` given, every record goes to that asset and a text that differs
is reported. Source labels become project labels through `mapping`; a label the
mapping lacks is used as it is when the ontology has it. Nothing is dropped
silently: unknown labels are counted per label, and every record or span that
could not be imported is listed with its line number in the result. Spans go
through `TextAnnotations`, so bounds and the ontology's overlap rules hold for
imported spans too, and an import run twice adds nothing the second time.

Error messages name lines, offsets and labels, never document text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final, Iterator, Literal, Mapping, Sequence

from labeler.core.errors import ConfigError, MediaError
from labeler.core.media.text import decode_text
from labeler.core.text_annotations import (
    RELATION,
    SPAN,
    TextAnnotationError,
    TextAnnotations,
)

logger = logging.getLogger(__name__)

NerFormat = Literal["doccano", "presidio", "conll"]
FORMATS: Final = ("doccano", "presidio", "conll")
_TAG: Final = re.compile(r"^([BIESLU])-(.+)$")


class SpanFileError(MediaError):
    """A span file is not in the shape its format requires."""


@dataclass(frozen=True)
class LineError:
    """A record, span or relation that was not imported, and why."""

    line: int
    message: str


@dataclass
class NerImportResult:
    """Counts and errors of one import; `is_complete` is False when anything was left out."""

    format: str
    records: int = 0
    spans_added: int = 0
    relations_added: int = 0
    duplicates: int = 0
    unknown_labels: Counter[str] = field(default_factory=Counter)
    ignored_labels: Counter[str] = field(default_factory=Counter)
    errors: list[LineError] = field(default_factory=list)
    unmatched_lines: list[int] = field(default_factory=list)
    matches: list[tuple[int, int]] = field(default_factory=list)
    """(line of the record, asset id) for every record matched to a document."""

    @property
    def is_complete(self) -> bool:
        return not (self.errors or self.unknown_labels or self.unmatched_lines)

    def summary(self) -> str:
        parts = [f"{self.records} records", f"{len(self.matches)} matched",
                 f"{self.spans_added} spans and {self.relations_added} relations added",
                 f"{self.duplicates} already present"]
        if self.unmatched_lines:
            parts.append(f"{len(self.unmatched_lines)} records match no document")
        if self.unknown_labels:
            unknown = ", ".join(f"{name} ({count})"
                                for name, count in sorted(self.unknown_labels.items()))
            parts.append(f"unknown labels: {unknown}")
        if self.ignored_labels:
            parts.append(f"{sum(self.ignored_labels.values())} spans of ignored labels")
        if self.errors:
            parts.append(f"{len(self.errors)} errors")
        return "; ".join(parts)


@dataclass
class _Span:
    line: int
    start: Any
    end: Any
    label: str
    source_id: Any = None


@dataclass
class _Record:
    """One document of the input, before it is matched to an asset."""

    line: int
    text: str | None = None
    tokens: list[tuple[int, str]] = field(default_factory=list)
    token_spans: list[tuple[int, int, int, str]] = field(default_factory=list)
    """CoNLL chunks: (line, first token, end token exclusive, label)."""
    spans: list[_Span] = field(default_factory=list)
    relations: list[tuple[int, Any, Any, str]] = field(default_factory=list)


# -- parsing -----------------------------------------------------------------------


def _parse_doccano(text: str, result: NerImportResult, text_key: str,
                   label_key: str) -> Iterator[_Record]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            result.errors.append(LineError(number, f"invalid JSON: {error.msg}"))
            continue
        if not isinstance(item, dict):
            result.errors.append(LineError(number, "expected a JSON object"))
            continue
        document = item.get(text_key)
        if not isinstance(document, str):
            result.errors.append(LineError(number, f"the record has no {text_key!r} text"))
            continue
        record = _Record(number, text=document)
        if "entities" in item:
            _read_doccano_relations(item, record, result)
        else:
            _read_doccano_labels(item.get(label_key, []), record, result, label_key)
        yield record


def _read_doccano_labels(labels: Any, record: _Record, result: NerImportResult,
                         label_key: str) -> None:
    if not isinstance(labels, list):
        result.errors.append(LineError(record.line, f"{label_key!r} must be a list"))
        return
    for entry in labels:
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str):
            record.spans.append(_Span(record.line, entry[0], entry[1], entry[2]))
        elif isinstance(entry, dict) and isinstance(entry.get("label"), str):
            record.spans.append(_Span(record.line, entry.get("start_offset"),
                                      entry.get("end_offset"), entry["label"]))
        else:
            result.errors.append(LineError(
                record.line, "a label entry is neither [start, end, label] nor "
                "{start_offset, end_offset, label}"))


def _read_doccano_relations(item: Mapping[str, Any], record: _Record,
                            result: NerImportResult) -> None:
    for entity in item.get("entities", []):
        if not isinstance(entity, dict) or not isinstance(entity.get("label"), str):
            result.errors.append(LineError(record.line, "an entity has no label"))
            continue
        record.spans.append(_Span(record.line, entity.get("start_offset"),
                                  entity.get("end_offset"), entity["label"], entity.get("id")))
    for relation in item.get("relations", []):
        if not isinstance(relation, dict) or not isinstance(relation.get("type"), str):
            result.errors.append(LineError(record.line, "a relation has no type"))
            continue
        record.relations.append((record.line, relation.get("from_id"), relation.get("to_id"),
                                 relation["type"]))


def _line_of(text: str, offset: int, cache: list[int]) -> int:
    """Return the 1-based line of a character offset; `cache` stores line starts."""
    if not cache:
        cache.append(0)
        cache.extend(match.end() for match in re.finditer("\n", text))
    low, high = 0, len(cache)
    while low < high:
        middle = (low + high) // 2
        if cache[middle] <= offset:
            low = middle + 1
        else:
            high = middle
    return low


def _iterate_json_array(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, element) for each element of a top-level JSON array."""
    decoder = json.JSONDecoder()
    line_starts: list[int] = []
    position = len(text) - len(text.lstrip())
    if not text.startswith("[", position):
        raise SpanFileError("a presidio-research file must be a JSON list of records")
    position += 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            raise SpanFileError("the JSON list is not closed with ']'")
        if text[position] == "]":
            return
        try:
            element, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise SpanFileError(
                f"line {_line_of(text, error.pos, line_starts)}: invalid JSON: {error.msg}"
            ) from None
        yield _line_of(text, position, line_starts), element
        position = end


def _parse_presidio(text: str, result: NerImportResult) -> Iterator[_Record]:
    for number, item in _iterate_json_array(text):
        if not isinstance(item, dict) or not isinstance(item.get("full_text"), str):
            result.errors.append(LineError(number, "the record has no 'full_text' text"))
            continue
        record = _Record(number, text=item["full_text"])
        for span in item.get("spans") or []:
            if not isinstance(span, dict) or not isinstance(span.get("entity_type"), str):
                result.errors.append(LineError(number, "a span has no 'entity_type'"))
                continue
            start, end = span.get("start_position"), span.get("end_position")
            value = span.get("entity_value")
            if (value is not None and _is_offset(start) and _is_offset(end)
                    and record.text[start:end] != value):
                result.errors.append(LineError(
                    number, f"{span['entity_type']} span {start}-{end}: 'entity_value' "
                    "differs from the text at those offsets; the span was not imported"))
                continue
            record.spans.append(_Span(number, start, end, span["entity_type"]))
        yield record


def _parse_conll(text: str, result: NerImportResult) -> Iterator[_Record]:
    record = _Record(1)
    open_chunk: list[Any] | None = None  # [line, first token, label]

    def close() -> None:
        nonlocal open_chunk
        if open_chunk is not None:
            line, first, label = open_chunk
            record.token_spans.append((line, first, len(record.tokens), label))
            open_chunk = None

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            close()
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        if columns[0] == "-DOCSTART-":
            close()
            if record.tokens:
                yield record
            record = _Record(number + 1)
            continue
        if len(columns) < 2:
            result.errors.append(LineError(number, "expected a token and a tag"))
            continue
        token, tag = columns[0], columns[-1].strip()
        if not record.tokens:
            record.line = number
        match = _TAG.match(tag)
        if tag == "O" or match is None:
            close()
            record.tokens.append((number, token))
            if tag != "O":
                result.errors.append(LineError(
                    number, f"tag {tag!r} is not O or B-, I-, E-, S-, L-, U- and a label"))
            continue
        prefix, label = match.groups()
        continues = prefix in "IEL" and open_chunk is not None and open_chunk[2] == label
        if not continues:
            close()
            open_chunk = [number, len(record.tokens), label]
        record.tokens.append((number, token))
        if prefix in "ESLU":
            close()
    close()
    if record.tokens:
        yield record


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- matching -------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _without_space(text: str) -> str:
    return "".join(text.split())


class _Documents:
    """The project's text assets by content hash, read once on first use."""

    def __init__(self, service: TextAnnotations) -> None:
        self._service = service
        self._by_text: dict[str, list[int]] | None = None
        self._by_tokens: dict[str, list[int]] = {}
        self._texts: dict[int, str] = {}

    def text(self, asset_id: int) -> str:
        if asset_id not in self._texts:
            project = self._service.project
            data = project.read_content(project.asset(asset_id))
            self._texts = {asset_id: decode_text(data)[0]}  # keep one text in memory
        return self._texts[asset_id]

    def _index(self) -> None:
        if self._by_text is not None:
            return
        self._by_text = {}
        for asset in self._service.project.list_assets(kind="text"):
            if asset.presence == "missing":
                continue
            text = self.text(asset.id)
            self._by_text.setdefault(_digest(text), []).append(asset.id)
            self._by_tokens.setdefault(_digest(_without_space(text)), []).append(asset.id)

    def by_text(self, text: str) -> list[int]:
        self._index()
        assert self._by_text is not None
        return self._by_text.get(_digest(text), [])

    def by_tokens(self, tokens: Sequence[str]) -> list[int]:
        self._index()
        return self._by_tokens.get(_digest(_without_space("".join(tokens))), [])


def _first_difference(left: str, right: str) -> int:
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            return index
    return min(len(left), len(right))


def _align(tokens: Sequence[tuple[int, str]], text: str) -> list[int] | LineError:
    """Return each token's start offset in `text`, or the first token that does not fit."""
    starts = []
    position = 0
    for line, token in tokens:
        while position < len(text) and text[position].isspace():
            position += 1
        if not text.startswith(token, position):
            return LineError(line, f"the token does not match the document at offset {position}")
        starts.append(position)
        position += len(token)
    if text[position:].strip():
        return LineError(tokens[-1][0], "the document has more text after the last token")
    return starts


# -- the import ------------------------------------------------------------------------


class _Importer:
    def __init__(self, service: TextAnnotations, result: NerImportResult,
                 mapping: Mapping[str, str | None]) -> None:
        self.service = service
        self.result = result
        self.mapping = mapping
        self.documents = _Documents(service)
        self._check_mapping()

    def _check_mapping(self) -> None:
        ontology = self.service.ontology
        names = {label.name for label in ontology.labels}
        for source, target in self.mapping.items():
            if target is not None and target not in names:
                raise ConfigError(
                    f"the label mapping sends {source!r} to {target!r}, which is not a label "
                    "of the project's ontology")

    def resolve(self, source: str, kind: str) -> str | None:
        """Return the project label for a source label, counting what is left out."""
        target = self.mapping.get(source, source)
        if target is None:
            self.result.ignored_labels[source] += 1
            return None
        labels = {label.name: label for label in self.service.ontology.labels}
        if target not in labels or kind not in labels[target].shapes:
            self.result.unknown_labels[source] += 1
            return None
        return target

    def add(self, record: _Record, asset_id: int | None) -> None:
        self.result.records += 1
        targets = self._targets(record, asset_id)
        for target in targets:
            self.result.matches.append((record.line, target))
            self._add_to(record, target)

    def _targets(self, record: _Record, asset_id: int | None) -> list[int]:
        if asset_id is not None:
            if record.text is not None:
                expected = self.documents.text(asset_id)
                if record.text != expected:
                    self.result.errors.append(LineError(
                        record.line,
                        f"the record's text differs from asset {asset_id}'s text "
                        f"({len(record.text)} and {len(expected)} characters, first "
                        f"difference at offset {_first_difference(record.text, expected)})"))
                    return []
            return [asset_id]
        if record.text is not None:
            found = self.documents.by_text(record.text)
        else:
            found = self.documents.by_tokens([token for _, token in record.tokens])
        if not found:
            self.result.unmatched_lines.append(record.line)
        return found

    def _add_to(self, record: _Record, asset_id: int) -> None:
        spans = record.spans
        if record.text is None:
            aligned = _align(record.tokens, self.documents.text(asset_id))
            if isinstance(aligned, LineError):
                self.result.errors.append(aligned)
                return
            spans = [_Span(line, aligned[first], aligned[end - 1] + len(record.tokens[end - 1][1]),
                           label) for line, first, end, label in record.token_spans]
        ids = {}
        for span in spans:
            stored_id = self._add_span(span, asset_id)
            if stored_id is not None and span.source_id is not None:
                ids[span.source_id] = stored_id
        for line, from_id, to_id, label in record.relations:
            self._add_relation(line, ids.get(from_id), ids.get(to_id), label, asset_id)

    def _add_span(self, span: _Span, asset_id: int) -> str | None:
        label = self.resolve(span.label, SPAN)
        if label is None:
            return None
        if not (_is_offset(span.start) and _is_offset(span.end)):
            self.result.errors.append(LineError(
                span.line, f"{span.label} span offsets must be integers"))
            return None
        existing = self.service.find_span(asset_id, span.start, span.end, label) if (
            0 <= span.start < span.end <= self.service.text_length(asset_id)) else None
        if existing is not None:
            self.result.duplicates += 1
            return existing.id
        try:
            stored = self.service.add_span(asset_id, span.start, span.end, label)
        except TextAnnotationError as error:
            self.result.errors.append(LineError(span.line, str(error)))
            return None
        self.result.spans_added += 1
        return stored.id

    def _add_relation(self, line: int, from_id: str | None, to_id: str | None, source: str,
                      asset_id: int) -> None:
        label = self.resolve(source, RELATION)
        if label is None:
            return
        if from_id is None or to_id is None:
            self.result.errors.append(LineError(
                line, f"{source} relation: an end is not an imported span"))
            return
        try:
            self.service.add_relation(asset_id, from_id, to_id, label)
        except TextAnnotationError as error:
            if "already exists" in str(error):
                self.result.duplicates += 1
                return
            self.result.errors.append(LineError(line, str(error)))
            return
        self.result.relations_added += 1


def import_spans(service: TextAnnotations, data: bytes, format: NerFormat,
                 mapping: Mapping[str, str | None] | None = None, *,
                 asset_id: int | None = None, text_key: str = "text",
                 label_key: str = "label") -> NerImportResult:
    """Import span annotations from a file's bytes into the project's text assets.

    Args:
        service: commits the spans; its project's text assets are the targets.
        data: the file's content; it is decoded like a text asset (BOM, UTF-8, ...).
        format: "doccano" (JSONL, plain or relation form), "presidio" or "conll".
        mapping: source label -> project label, or None to leave a label out
            on purpose (counted in `ignored_labels`).
        asset_id: send every record to this asset instead of matching by text.
        text_key, label_key: doccano field names, for exports with custom columns.

    Raises:
        ConfigError: the mapping names a label that the ontology lacks, or the
            format is unknown.
        SpanFileError: a presidio file is not a JSON list.
    """
    if format not in FORMATS:
        raise ConfigError(f"unknown span format {format!r}; use one of {', '.join(FORMATS)}")
    text = decode_text(data)[0]
    result = NerImportResult(format)
    importer = _Importer(service, result, mapping or {})
    if format == "doccano":
        records: Iterator[_Record] = _parse_doccano(text, result, text_key, label_key)
    elif format == "presidio":
        records = _parse_presidio(text, result)
    else:
        records = _parse_conll(text, result)
    for record in records:
        importer.add(record, asset_id)
    logger.info("span import (%s): %s", format, result.summary())
    return result


# -- export to the same shapes ------------------------------------------------------------
# The exporters write the stored spans in the shapes above, so that an import
# can be checked by a round trip.


def _reverse(mapping: Mapping[str, str | None] | None) -> dict[str, str]:
    reverse: dict[str, str] = {}
    for source, target in (mapping or {}).items():
        if target is not None:
            reverse.setdefault(target, source)
    return reverse


def export_presidio(service: TextAnnotations, asset_ids: Sequence[int],
                    mapping: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Return presidio-research records ({"full_text", "spans"}) for the assets."""
    reverse = _reverse(mapping)
    documents = _Documents(service)
    records = []
    for asset_id in asset_ids:
        text = documents.text(asset_id)
        spans = [{"entity_type": reverse.get(span.label or "", span.label),
                  "entity_value": text[span.data["start"]:span.data["end"]],
                  "start_position": span.data["start"], "end_position": span.data["end"]}
                 for span in service.spans(asset_id)]
        records.append({"full_text": text, "spans": spans})
    return records


def export_doccano(service: TextAnnotations, asset_ids: Sequence[int],
                   mapping: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Return doccano records: {"text", "label"}, or the entities/relations form."""
    reverse = _reverse(mapping)
    documents = _Documents(service)
    records: list[dict[str, Any]] = []
    for asset_id in asset_ids:
        text = documents.text(asset_id)
        spans = service.spans(asset_id)
        relations = service.relations(asset_id)
        if not relations:
            records.append({"text": text, "label": [
                [s.data["start"], s.data["end"], reverse.get(s.label or "", s.label)]
                for s in spans]})
            continue
        numbers = {span.id: number for number, span in enumerate(spans)}
        records.append({
            "text": text,
            "entities": [{"id": numbers[s.id], "start_offset": s.data["start"],
                          "end_offset": s.data["end"],
                          "label": reverse.get(s.label or "", s.label)} for s in spans],
            "relations": [{"from_id": numbers[r.data["from"]], "to_id": numbers[r.data["to"]],
                           "type": reverse.get(r.label or "", r.label)} for r in relations],
        })
    return records
