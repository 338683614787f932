"""The configuration checks' registry: one function per rule.

`@environment_check` registers a check of one parsed environment file, `@across` a check of
every file of config/ together (environment files and account scopes); the loader runs all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from platform_config.checks.issues import Issue
    from platform_config.model import AccountConfig, PlatformConfig

EnvironmentCheck = Callable[["PlatformConfig"], list["Issue"]]
AcrossCheck = Callable[
    [dict[str, "PlatformConfig"], dict[str, "AccountConfig"]], dict[str, list["Issue"]]
]

ENVIRONMENT_CHECKS: list[EnvironmentCheck] = []
ACROSS_CHECKS: list[AcrossCheck] = []


def environment_check(check: EnvironmentCheck) -> EnvironmentCheck:
    ENVIRONMENT_CHECKS.append(check)
    return check


def across(check: AcrossCheck) -> AcrossCheck:
    ACROSS_CHECKS.append(check)
    return check
