"""Project ontology: labels, the shapes each label allows, and attributes."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Mapping

from labeler.core.errors import ConfigError

SHAPES: Final = frozenset(
    {"bbox", "rotated_bbox", "polygon", "polyline", "points", "mask",
     "span", "relation", "track"}
)
ATTRIBUTE_TYPES: Final = frozenset({"bool", "choice", "text", "number"})
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    choices: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Label:
    name: str
    key: str | None
    color: str
    shapes: tuple[str, ...]
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Ontology:
    labels: tuple[Label, ...]
    classifications: tuple[Attribute, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)

    def label(self, name: str) -> Label:
        for label in self.labels:
            if label.name == name:
                return label
        raise ConfigError(f"label {name!r} is not in the project's ontology")

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": [
                {
                    "name": label.name,
                    "key": label.key,
                    "color": label.color,
                    "shapes": list(label.shapes),
                    "attributes": [_attribute_json(a) for a in label.attributes],
                }
                for label in self.labels
            ],
            "classifications": [_attribute_json(a) for a in self.classifications],
            **dict(self.extras),
        }


def _attribute_json(attribute: Attribute) -> dict[str, Any]:
    return {
        "name": attribute.name,
        "type": attribute.type,
        "choices": list(attribute.choices),
        "default": attribute.default,
    }


_PALETTE: Final = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
                   "#46f0f0", "#f032e6", "#bcf60c", "#008080", "#9a6324")


def _parse_attribute(data: Mapping[str, Any], where: str) -> Attribute:
    name = data.get("name")
    kind = data.get("type", "text")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: an attribute has no name")
    if kind not in ATTRIBUTE_TYPES:
        raise ConfigError(
            f"{where}: attribute {name!r} has type {kind!r}; use one of "
            f"{', '.join(sorted(ATTRIBUTE_TYPES))}"
        )
    choices = tuple(str(choice) for choice in data.get("choices", ()))
    if kind == "choice" and not choices:
        raise ConfigError(f"{where}: choice attribute {name!r} lists no choices")
    return Attribute(name, kind, choices, data.get("default"))


def _parse_label(data: Mapping[str, Any], index: int, source: str) -> Label:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{source}: label number {index + 1} has no name")
    where = f"{source}: label {name!r}"
    key = data.get("key")
    if key is not None and (not isinstance(key, str) or len(key) != 1):
        raise ConfigError(f"{where}: key must be one character, got {key!r}")
    color = data.get("color", _PALETTE[index % len(_PALETTE)])
    if not isinstance(color, str) or not _COLOUR.match(color):
        raise ConfigError(f"{where}: color must look like #rrggbb, got {color!r}")
    shapes = tuple(data.get("shapes", ("bbox", "polygon")))
    unknown = set(shapes) - SHAPES
    if unknown:
        raise ConfigError(f"{where}: unknown shapes {sorted(unknown)}")
    attributes = tuple(_parse_attribute(a, where) for a in data.get("attributes", ()))
    return Label(name, key, color, shapes, attributes)


def parse_ontology(data: Mapping[str, Any], source: str = "ontology") -> Ontology:
    labels = tuple(_parse_label(item, i, source) for i, item in enumerate(data.get("labels", ())))
    if not labels:
        raise ConfigError(f"{source}: the ontology defines no labels")
    names = [label.name for label in labels]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: label names repeat: {sorted(names)}")
    keys = [label.key for label in labels if label.key]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{source}: two labels share a key: {sorted(keys)}")
    classifications = tuple(
        _parse_attribute(item, f"{source}: classification") for item in data.get("classifications", ())
    )
    extras = {k: v for k, v in data.items() if k not in ("labels", "classifications")}
    return Ontology(labels, classifications, extras)


def ontology_from_json(data: Mapping[str, Any]) -> Ontology:
    return parse_ontology(data, "stored ontology")


def load_ontology(path: Path) -> Ontology:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the ontology file {str(path)!r}: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the ontology file {str(path)!r} is not valid TOML: {error}") from error
    return parse_ontology(data, source=path.name)
