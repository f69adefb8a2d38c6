"""Field policy: for each metadata field and role, visible, masked or hidden.

A value is stored encrypted under the key of a *field class*. A class is the
set of roles allowed to read one form of a value, named after those roles
(`roles:admin+reviewer`). The full value goes under the class of the roles
that see it visible, the masked form under the class of the roles that see it
masked, and a role that sees it hidden receives neither key. Deriving classes
from role sets means a role can never hold a key that opens a form of a value
it should not see, whatever the policy file says.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Iterable, Mapping

from labeler.core.errors import ConfigError


class Visibility(StrEnum):
    VISIBLE = "visible"
    MASKED = "masked"
    HIDDEN = "hidden"


class MaskRule(StrEnum):
    LAST4 = "last4"
    INITIALS = "initials"
    YEAR = "year"
    PLACEHOLDER = "placeholder"


DEFAULT_PLACEHOLDER: Final = "[redacted]"


@dataclass(frozen=True)
class FieldRule:
    pattern: str
    visibility: Mapping[str, Visibility]
    mask: MaskRule = MaskRule.PLACEHOLDER
    placeholder: str = DEFAULT_PLACEHOLDER

    def roles_with(self, level: Visibility) -> frozenset[str]:
        return frozenset(role for role, value in self.visibility.items() if value == level)

    def to_json(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "visibility": dict(sorted(self.visibility.items())),
            "mask": str(self.mask),
            "placeholder": self.placeholder,
        }


def class_for_roles(roles: Iterable[str]) -> str:
    return "roles:" + "+".join(sorted(roles))


def roles_of_class(class_id: str) -> frozenset[str]:
    return frozenset(class_id.removeprefix("roles:").split("+"))


# Namespaces of fields read from inside a file; sidecar and CSV values live
# outside it, so hiding them does not require hiding the file.
EMBEDDED_NAMESPACES: Final = ("exif.", "dicom.")


@dataclass(frozen=True)
class FieldPolicy:
    """The rules of one project; the first matching pattern wins, then the default.

    `originals` names the roles that may open original files, whose embedded
    metadata (EXIF, DICOM tags) is not filtered; None means the roles that see
    every embedded field in full.
    """

    rules: tuple[FieldRule, ...]
    default: FieldRule
    originals: frozenset[str] | None = None

    def rule_for(self, field_name: str) -> FieldRule:
        """Return the rule of a field: exact name, then a parent name, then a glob, then the default.

        A rule for "sidecar.patient" also covers nested values such as
        "sidecar.patient.first", so nesting a value cannot move it out of its rule.
        """
        for rule in self.rules:
            if rule.pattern == field_name:
                return rule
        parts = field_name.split(".")
        for end in range(len(parts) - 1, 1, -1):
            parent = ".".join(parts[:end])
            for rule in self.rules:
                if rule.pattern == parent:
                    return rule
        for rule in self.rules:
            if fnmatch.fnmatchcase(field_name, rule.pattern):
                return rule
        return self.default

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.default.visibility)

    def original_roles(self) -> frozenset[str]:
        """Return the roles cleared to open original files with their embedded metadata."""
        if self.originals is not None:
            return self.originals
        cleared = set(self.default.roles_with(Visibility.VISIBLE))
        for rule in self.rules:
            if _may_match_embedded(rule.pattern):
                cleared &= rule.roles_with(Visibility.VISIBLE)
        return frozenset(cleared)

    @property
    def needs_display_copies(self) -> bool:
        """Whether some role must get files with their embedded metadata removed."""
        return self.original_roles() != self.roles

    def original_class(self) -> str:
        return class_for_roles(self.original_roles() or {"admin"})

    def classes(self) -> set[str]:
        """Return every class a value or an original file can be stored under by this policy."""
        found: set[str] = set()
        for rule in (*self.rules, self.default):
            for level in (Visibility.VISIBLE, Visibility.MASKED):
                roles = rule.roles_with(level)
                if roles:
                    found.add(class_for_roles(roles))
        if self.needs_display_copies:
            found.add(self.original_class())
        return found

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rules": [rule.to_json() for rule in self.rules],
            "default": self.default.to_json(),
        }
        if self.originals is not None:
            data["originals"] = sorted(self.originals)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldPolicy:
        originals = data.get("originals")
        return cls(
            tuple(_rule_from_json(rule) for rule in data["rules"]),
            _rule_from_json(data["default"]),
            None if originals is None else frozenset(originals),
        )


def _may_match_embedded(pattern: str) -> bool:
    """Return whether a rule's pattern can match an EXIF or DICOM field name."""
    if pattern.startswith(EMBEDDED_NAMESPACES):
        return True
    prefix = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
    return "*" in pattern and any(ns.startswith(prefix) for ns in EMBEDDED_NAMESPACES)


def _rule_from_json(data: Mapping[str, Any]) -> FieldRule:
    return FieldRule(
        data["pattern"],
        {role: Visibility(value) for role, value in data["visibility"].items()},
        MaskRule(data.get("mask", "placeholder")),
        data.get("placeholder", DEFAULT_PLACEHOLDER),
    )


def _parse_rule(pattern: str, table: Mapping[str, Any], roles: Iterable[str],
                source: str) -> FieldRule:
    visibility: dict[str, Visibility] = {}
    for role in roles:
        value = table.get(role, "hidden")
        try:
            visibility[role] = Visibility(value)
        except ValueError as error:
            raise ConfigError(
                f"{source}: field {pattern!r} gives role {role!r} the value {value!r}; "
                "use visible, masked or hidden"
            ) from error
    unknown = set(table) - set(roles) - {"mask", "placeholder"}
    if unknown:
        raise ConfigError(
            f"{source}: field {pattern!r} names unknown roles or keys {sorted(unknown)}"
        )
    mask_name = table.get("mask", "placeholder")
    try:
        mask = MaskRule(mask_name)
    except ValueError as error:
        raise ConfigError(
            f"{source}: field {pattern!r} has mask {mask_name!r}; "
            "use last4, initials, year or placeholder"
        ) from error
    return FieldRule(pattern, visibility, mask, str(table.get("placeholder", DEFAULT_PLACEHOLDER)))


def parse_field_policy(data: Mapping[str, Any], roles: Iterable[str],
                       source: str = "policy") -> FieldPolicy:
    """Build a policy from the TOML structure (`[default]` and `[fields."name"]`)."""
    roles = list(roles)
    default_table = data.get("default", {"admin": "visible"})
    default = _parse_rule("*", default_table, roles, source)
    fields = data.get("fields", {})
    if not isinstance(fields, Mapping):
        raise ConfigError(f"{source}: [fields] must be a table of field names")
    rules = tuple(
        _parse_rule(name, table, roles, source) for name, table in fields.items()
    )
    unknown_sections = set(data) - {"default", "fields", "originals"}
    if unknown_sections:
        raise ConfigError(f"{source}: unknown sections {sorted(unknown_sections)}")
    return FieldPolicy(rules, default, _parse_originals(data.get("originals"), roles, source))


def _parse_originals(table: Any, roles: list[str], source: str) -> frozenset[str] | None:
    if table is None:
        return None
    chosen = table.get("roles") if isinstance(table, Mapping) else None
    if not isinstance(chosen, list) or not all(isinstance(r, str) for r in chosen):
        raise ConfigError(f'{source}: [originals] needs roles = ["role", ...]')
    unknown = set(chosen) - set(roles)
    if unknown:
        raise ConfigError(f"{source}: [originals] names unknown roles {sorted(unknown)}")
    return frozenset(chosen)


def load_field_policy(path: Path, roles: Iterable[str]) -> FieldPolicy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the policy file {str(path)!r}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the policy file {str(path)!r} is not valid TOML: {error}") from error
    return parse_field_policy(data, roles, source=path.name)


def mask_value(value: str, rule: MaskRule, placeholder: str = DEFAULT_PLACEHOLDER) -> str:
    """Compute the masked form of a value, as stored for roles that see it masked.

    An empty value stays empty: a placeholder would suggest there is something hidden.
    """
    if not value.strip():
        return value
    if rule is MaskRule.LAST4:
        kept = value[-4:] if len(value) > 4 else ""
        return "*" * max(len(value) - len(kept), 4) + kept
    if rule is MaskRule.INITIALS:
        words = [word for word in re.split(r"[\s^,]+", value) if word]
        return " ".join(word[0].upper() + "." for word in words) or placeholder
    if rule is MaskRule.YEAR:
        match = re.search(r"(?<!\d)(1[89]\d\d|20\d\d)", value)
        return match.group(1) if match else placeholder
    return placeholder
