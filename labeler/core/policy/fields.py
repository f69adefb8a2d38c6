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


@dataclass(frozen=True)
class FieldPolicy:
    """The rules of one project; the first matching pattern wins, then the default."""

    rules: tuple[FieldRule, ...]
    default: FieldRule

    def rule_for(self, field_name: str) -> FieldRule:
        for rule in self.rules:
            if rule.pattern == field_name:
                return rule
        for rule in self.rules:
            if fnmatch.fnmatchcase(field_name, rule.pattern):
                return rule
        return self.default

    def classes(self) -> set[str]:
        """Every class a value can be stored under by this policy."""
        found: set[str] = set()
        for rule in (*self.rules, self.default):
            for level in (Visibility.VISIBLE, Visibility.MASKED):
                roles = rule.roles_with(level)
                if roles:
                    found.add(class_for_roles(roles))
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": [rule.to_json() for rule in self.rules],
            "default": self.default.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldPolicy:
        return cls(
            tuple(_rule_from_json(rule) for rule in data["rules"]),
            _rule_from_json(data["default"]),
        )


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
    unknown_sections = set(data) - {"default", "fields"}
    if unknown_sections:
        raise ConfigError(f"{source}: unknown sections {sorted(unknown_sections)}")
    return FieldPolicy(rules, default)


def load_field_policy(path: Path, roles: Iterable[str]) -> FieldPolicy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the policy file {str(path)!r}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the policy file {str(path)!r} is not valid TOML: {error}") from error
    return parse_field_policy(data, roles, source=path.name)


def mask_value(value: str, rule: MaskRule, placeholder: str = DEFAULT_PLACEHOLDER) -> str:
    """Compute the masked form of a value, as stored for roles that see it masked."""
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
