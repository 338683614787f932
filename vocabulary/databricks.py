"""Databricks' own rules and vocabularies (Unity Catalog, workspaces, jobs), checked offline.

Like `vocabulary.azure`, a leaf module: the config model builds its Literals and validators from
it and the constructs check their props against it.

Sources: Databricks documentation "Unity Catalog privileges and securable objects", "Names"
(identifier rules), the account API's workspace permission assignment, Quartz cron syntax as the
Jobs API takes it.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

# Unity Catalog names the platform creates: lowercase, so that unquoted SQL finds them as written
# (Unity Catalog stores names in lowercase) and `lakehouse.tables.identifier` accepts them.
_UC_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,254}$")
UC_NAME_RULE = "1-255 lowercase letters, digits and underscores, not starting with a digit"

SecurableType = Literal["catalog", "schema", "external_location", "storage_credential"]
# Privileges each securable type takes (Unity Catalog privilege model 1.0).
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "catalog": (
        "ALL_PRIVILEGES",
        "APPLY_TAG",
        "BROWSE",
        "CREATE_FUNCTION",
        "CREATE_MATERIALIZED_VIEW",
        "CREATE_MODEL",
        "CREATE_SCHEMA",
        "CREATE_TABLE",
        "CREATE_VOLUME",
        "EXECUTE",
        "MANAGE",
        "MODIFY",
        "READ_VOLUME",
        "REFRESH",
        "SELECT",
        "USE_CATALOG",
        "USE_SCHEMA",
        "WRITE_VOLUME",
    ),
    "schema": (
        "ALL_PRIVILEGES",
        "APPLY_TAG",
        "CREATE_FUNCTION",
        "CREATE_MATERIALIZED_VIEW",
        "CREATE_MODEL",
        "CREATE_TABLE",
        "CREATE_VOLUME",
        "EXECUTE",
        "MANAGE",
        "MODIFY",
        "READ_VOLUME",
        "REFRESH",
        "SELECT",
        "USE_SCHEMA",
        "WRITE_VOLUME",
    ),
    "external_location": (
        "ALL_PRIVILEGES",
        "BROWSE",
        "CREATE_EXTERNAL_TABLE",
        "CREATE_EXTERNAL_VOLUME",
        "CREATE_MANAGED_STORAGE",
        "MANAGE",
        "READ_FILES",
        "WRITE_FILES",
    ),
    "storage_credential": (
        "ALL_PRIVILEGES",
        "CREATE_EXTERNAL_LOCATION",
        "CREATE_EXTERNAL_TABLE",
        "MANAGE",
        "READ_FILES",
        "WRITE_FILES",
    ),
}
assert tuple(PRIVILEGES) == get_args(SecurableType)

WorkspacePermission = Literal["USER", "ADMIN"]
WORKSPACE_PERMISSIONS: tuple[str, ...] = get_args(WorkspacePermission)
"""A principal's permission on a workspace (the account API's workspace assignment)."""

# Unity Catalog securables bound to workspaces ("Limit catalog access to specific workspaces").
ISOLATED = "ISOLATION_MODE_ISOLATED"
"""isolation_mode of an external location or storage credential that only its bound workspaces
may use."""
CATALOG_ISOLATED = "ISOLATED"
"""A catalog's isolation_mode for the same (databricks_catalog takes the short form)."""
BINDING_READ_WRITE, BINDING_READ_ONLY = "BINDING_TYPE_READ_WRITE", "BINDING_TYPE_READ_ONLY"

EXACT_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+-]*$")
"""A job library requirement pinned to one version (`dbt-databricks==1.11.4`)."""


def principal_key(name: str) -> str:
    """A key for a principal's display name, safe in construct ids and output names. Construct
    ids make Terraform addresses: a principal's key must never change."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower())


# Workspace object permissions ("Access control lists", Azure Databricks documentation): the
# levels each kind of object the workloads stack creates takes. IS_OWNER stays with the deployer.
WorkspaceObjectType = Literal["cluster_policy", "cluster", "sql_warehouse", "job"]
PERMISSION_LEVELS: dict[str, tuple[str, ...]] = {
    "cluster_policy": ("CAN_USE",),
    "cluster": ("CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"),
    "sql_warehouse": ("CAN_USE", "CAN_MONITOR", "CAN_MANAGE"),
    "job": ("CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE"),
}
assert tuple(PERMISSION_LEVELS) == get_args(WorkspaceObjectType)
# Workspace entitlements of a group ("Manage entitlements"; databricks_entitlements).
Entitlement = Literal[
    "workspace_access",
    "databricks_sql_access",
    "allow_cluster_create",
    "allow_instance_pool_create",
]
ENTITLEMENTS: tuple[str, ...] = get_args(Entitlement)
# The built-in policy that lets every user create a single-node compute of their own.
PERSONAL_COMPUTE_POLICY = "Personal Compute"
MetastoreMode = Literal["region", "id", "create"]

# Principal display names: anything printable up to 255 characters, no leading/trailing blank.
_PRINCIPAL_NAME = re.compile(r"^\S(?:[^\x00-\x1f]{0,253}\S)?$")

# Quartz cron as the Jobs API takes it: seconds minutes hours day-of-month month day-of-week
# [year]; one of day-of-month and day-of-week is "?".
_QUARTZ_FIELD = r"[0-9A-Za-z*?/,\-#LW]+"
_QUARTZ = re.compile(rf"^{_QUARTZ_FIELD}(\s+{_QUARTZ_FIELD}){{5,6}}$")


def uc_name_problem(value: str) -> str | None:
    if not _UC_NAME.match(value):
        return f"must be {UC_NAME_RULE}"
    return None


def principal_name_problem(value: str) -> str | None:
    if not _PRINCIPAL_NAME.match(value):
        return "must be 1-255 printable characters without leading or trailing blanks"
    return None


def privilege_problems(securable: str, privileges: tuple[str, ...] | list[str]) -> list[str]:
    allowed = PRIVILEGES[securable]
    unknown = [p for p in privileges if p not in allowed]
    if unknown:
        return [
            f"{', '.join(unknown)} not a {securable.replace('_', ' ')} privilege; "
            f"allowed: {', '.join(allowed)}"
        ]
    if not privileges:
        return ["lists no privilege; leave the principal out instead"]
    return []


# Quartz cron fields: (name, lowest, highest, names allowed for values, extra characters).
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_QUARTZ_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("seconds", 0, 59, ()),
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2099, ()),
)


def _quartz_value(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text.isdigit():
        return low <= int(text) <= high
    return text.upper() in names


def _quartz_field_problem(index: int, text: str) -> str | None:
    name, low, high, names = _QUARTZ_FIELDS[index]
    where = f"{name} (field {index + 1}) {text!r}"
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else f"{where}: '?' only in days"
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and 1 <= int(step) <= high):
            return f"{where}: step {step!r} must be 1-{high}"
        if base == "*":
            continue
        if name == "day-of-month" and (base in ("L", "LW") or base.endswith("W")):
            base = base.rstrip("W") or "1"
            if base == "L":
                continue
        if name == "day-of-week" and ("#" in base or base.endswith("L")):
            day, _, nth = base.rstrip("L").partition("#")
            if not _quartz_value(day, low, high, names) or (nth and nth not in "12345"):
                return f"{where}: expected a day 1-7 or SUN-SAT, with #1-#5 or L"
            continue
        first, _, last = base.partition("-")
        if not _quartz_value(first, low, high, names) or (
            last and not _quartz_value(last, low, high, names)
        ):
            allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
            return f"{where}: values must be {allowed}"
    return None


def quartz_cron_problem(value: str) -> str | None:
    """Why `value` is not a Quartz cron expression the Jobs API takes, or None."""
    fields = value.split()
    if not _QUARTZ.match(value.strip()):
        return (
            "must be a Quartz cron expression: seconds minutes hours day-of-month month "
            "day-of-week [year], e.g. '0 0 6 * * ?' (06:00 every day)"
        )
    day_of_month, day_of_week = fields[3], fields[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "exactly one of day-of-month (4th field) and day-of-week (6th field) must be '?'"
    for index, text in enumerate(fields):
        problem = _quartz_field_problem(index, text)
        if problem:
            return problem
    return None


# Secret scope names ("Secret scopes"): alphanumerics, dashes, underscores, @ and periods, at
# most 128 characters.
_SECRET_SCOPE = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")


def secret_scope_name_problem(value: str) -> str | None:
    if not _SECRET_SCOPE.match(value):
        return "must be 1-128 letters, digits, dashes, underscores, @ and periods"
    return None


_UNNORMALIZED_SEGMENT = re.compile(r"//|/\.{1,2}(/|$)")


def workspace_folder_problem(value: str) -> str | None:
    """An absolute, normalized workspace path below the root, e.g. /Shared/mdp/dev."""
    if not value.startswith("/") or value == "/" or value.endswith("/"):
        return "must be an absolute workspace path below /, without a trailing /"
    if _UNNORMALIZED_SEGMENT.search(value):
        return "must be normalized: no empty, '.' or '..' segments"
    return None
