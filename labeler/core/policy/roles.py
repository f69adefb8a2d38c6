"""Built-in roles and the permissions each one grants."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Mapping


class Permission(StrEnum):
    VIEW = "view"
    ANNOTATE = "annotate"
    REVIEW = "review"
    IMPORT = "import"
    EXPORT = "export"
    MANAGE = "manage"  # users, teams, projects, buckets and policies
    READ_AUDIT = "read_audit"


BUILT_IN_ROLES: Final[Mapping[str, frozenset[Permission]]] = {
    "annotator": frozenset({Permission.VIEW, Permission.ANNOTATE}),
    "reviewer": frozenset({Permission.VIEW, Permission.ANNOTATE, Permission.REVIEW}),
    "admin": frozenset(Permission),
}


def role_definitions_json() -> dict[str, list[str]]:
    return {name: sorted(perms) for name, perms in BUILT_IN_ROLES.items()}
