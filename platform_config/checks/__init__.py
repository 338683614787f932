"""Checks that relate several fields of a parsed configuration, one function per rule, one module
per section; every problem is reported, not the first.

- `check(config, file_stem)`: every `@environment_check` of one environment file;
- `check_across(environments, accounts)`: every `@across` check over all of config/;
- `check_parts(raw)`: the same checks on the parts of a file that does not parse.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from platform_config.checks.environment import environment_issues
from platform_config.checks.issues import Issue, child_path, field_path, template_marker_issues
from platform_config.checks.parts import check_parts
from platform_config.checks.registry import ACROSS_CHECKS, ENVIRONMENT_CHECKS

if TYPE_CHECKING:
    from platform_config.model import AccountConfig, PlatformConfig
    from platform_config.naming import Naming

SECTIONS: tuple[str, ...] = (
    "environment",
    "network",
    "unity_catalog",
    "workloads",
    "governance",
    "security",
    "across",
)
for _section in SECTIONS:
    importlib.import_module(f"platform_config.checks.{_section}")  # registers its checks


def check(config: PlatformConfig, *, file_stem: str | None = None) -> list[Issue]:
    """Every cross-field problem of a config that parsed."""
    issues = environment_issues(config.environment, file_stem)
    for environment_check in ENVIRONMENT_CHECKS:
        issues += environment_check(config)
    return issues


def check_across(
    environments: dict[str, PlatformConfig], accounts: dict[str, AccountConfig]
) -> dict[str, list[Issue]]:
    """Every problem across the files (file -> its issues)."""
    found: dict[str, list[Issue]] = {}
    for across_check in ACROSS_CHECKS:
        for file, issues in across_check(environments, accounts).items():
            found.setdefault(file, []).extend(issues)
    return {file: issues for file, issues in found.items() if issues}


def naming_for(config: PlatformConfig) -> Naming:
    return config.naming


__all__ = [
    "Issue",
    "check",
    "check_across",
    "check_parts",
    "child_path",
    "field_path",
    "naming_for",
    "template_marker_issues",
]
