"""How a problem in a config file is reported: its field path, the value, what is allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vocabulary import azure


@dataclass(frozen=True)
class Issue:
    """One problem in a config file: where, what was found, what is allowed."""

    path: str
    value: Any
    message: str


FIND_AZURE_DATABRICKS = (
    "find it with `az ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --query id -o tsv`"
)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def field_path(parts: Iterable[Any]) -> str:
    """How every problem names a field: `a.b[0].c`; list items by index; a key that is not a
    plain name quoted as typed (`tags['cost center']`)."""
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{str(part)!r}]"
    return out or "(top level)"


def child_path(path: str, key: Any) -> str:
    """The field `key` (a name the user wrote) under the field `path`, named as field_path does."""
    tail = field_path([key])
    return f"{path}{tail}" if tail.startswith("[") else f"{path}.{tail}"


def template_marker_issues(raw: Any, parts: tuple[Any, ...] = ()) -> list[Issue]:
    """Every string (key or value) in the raw file that holds a Terraform template marker.

    Values reach the Terraform JSON as they are, and Terraform evaluates `${...}` and `%{...}`
    in any string: a tag such as "${data.azurerm_client_config.current.client_id}" would read a
    data source into the plan. Such strings are rejected, never escaped: a name or tag that
    needs one is almost certainly a mistake.
    """
    issues: list[Issue] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(key, str) and azure.template_marker(key):
                issues.append(_marker_issue(field_path((*parts, key)), key))
            issues += template_marker_issues(value, (*parts, key))
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            issues += template_marker_issues(value, (*parts, index))
    elif isinstance(raw, str) and azure.template_marker(raw):
        issues.append(_marker_issue(field_path(parts), raw))
    return issues


def _marker_issue(path: str, value: str) -> Issue:
    marker = azure.template_marker(value)
    return Issue(
        path,
        value,
        f"contains the Terraform template marker {marker!r}; configuration values reach "
        "Terraform literally and may not hold expressions (remove it)",
    )
