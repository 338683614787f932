"""Shared by the sections: the frozen base model, the validators and the annotated types that say in
words what is allowed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from vocabulary import azure, databricks

# Tags the platform sets on every resource; a user tag of the same name (Azure compares tag
# names case-insensitively) is a configuration error, not silently replaced.
PLATFORM_TAG_NAMES: tuple[str, ...] = ("environment", "managed-by", "stack")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pattern(regex: str, allowed: str) -> AfterValidator:
    """A validator that says in words what is allowed (pydantic's own message shows the regex)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {allowed}")
        return value

    return AfterValidator(check)


def _cidr(value: str) -> str:
    azure.network(value)
    return value


def _prefix_between(what: str, low: int, high: int, why: str = "") -> AfterValidator:
    """One rule for every network size: a strict CIDR whose prefix is /low to /high."""

    def check(value: str) -> str:
        prefix = azure.network(value).prefixlen
        if not low <= prefix <= high:
            size = f"/{high} or larger" if low <= 0 else f"between /{low} and /{high}"
            raise ValueError(f"{what} must be {size}{why}; got /{prefix}")
        return value

    return AfterValidator(check)


def _non_empty(value: tuple[str, ...]) -> tuple[str, ...]:
    # An AfterValidator, so that a list whose only item is invalid gets one error, not two.
    if not value:
        raise ValueError("must list at least one CIDR")
    return value


def _private_dns_zone_id(value: str) -> str:
    if azure.parse_resource_id(value, "Microsoft.Network", "privateDnsZones") is None:
        raise ValueError(
            "must be a private DNS zone resource id: /subscriptions/<id>/resourceGroups/<rg>"
            "/providers/Microsoft.Network/privateDnsZones/<zone>"
        )
    return value


def _uuid(value: str) -> str:
    if not azure.is_guid(value):
        raise ValueError("must be a GUID in lowercase, e.g. 00000000-0000-0000-0000-000000000000")
    return value


def _rule(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """A field validator from one of the rules modules' `*_problem` functions."""

    def check(value: str) -> str:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


Guid = Annotated[str, AfterValidator(_uuid)]
WorkspaceId = Annotated[
    str,
    _pattern(r"[1-9][0-9]{5,18}", "a workspace id: the digits of adb-<id>.<n>.azuredatabricks.net"),
]
UcName = Annotated[str, _rule(databricks.uc_name_problem)]


def _region_problem(value: str) -> str | None:
    if value not in azure.AZURE_LOCATIONS:
        return (
            "not a known Azure region name; use the programmatic name from "
            "`az account list-locations`, e.g. westeurope, northeurope, eastus2"
        )
    return None


AzureRegion = Annotated[str, _rule(_region_problem)]
PrincipalName = Annotated[str, _rule(databricks.principal_name_problem)]

EnvironmentName = Annotated[
    str, _pattern(r"[a-z][a-z0-9]{1,7}", "2-8 lowercase letters or digits, starting with a letter")
]
Prefix = Annotated[
    str, _pattern(r"[a-z][a-z0-9]{1,9}", "2-10 lowercase letters or digits, starting with a letter")
]
NameSuffix = Annotated[str, _pattern(r"[a-z0-9]{0,4}", "0-4 lowercase letters or digits")]
ResourceGroupName = Annotated[
    str,
    _pattern(
        r"[-\w.()]{0,89}[-\w()]",
        "1-90 letters, digits, underscores, hyphens, periods and parentheses, "
        "not ending in a period",
    ),
]
Cidr = Annotated[str, AfterValidator(_cidr)]
DatabricksSubnet = Annotated[
    str,
    _prefix_between(
        "Databricks subnets",
        0,
        azure.DATABRICKS_SUBNET_MAX_PREFIX,
        " (Microsoft's VNet-injection requirement)",
    ),
]
PrivateEndpointSubnet = Annotated[
    str,
    _prefix_between("the private-endpoint subnet", 0, azure.PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX),
]
VnetSpace = Annotated[
    str,
    _prefix_between(
        "a VNet for Databricks VNet injection",
        azure.VNET_PREFIX_MIN,
        azure.VNET_PREFIX_MAX,
    ),
]
PrivateDnsZoneId = Annotated[str, AfterValidator(_private_dns_zone_id)]


QuartzCron = Annotated[str, _rule(databricks.quartz_cron_problem)]


def _time_zone(value: str) -> str:
    # The Jobs API takes Java time zone ids; the IANA names (Europe/Zurich, UTC) are those.
    if value not in _known_time_zones():
        raise ValueError("not an IANA time zone id such as UTC or Europe/Zurich")
    return value


def _known_time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError("not an e-mail address such as team@example.com")
    return value


def _https_url(value: str) -> str:
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s]+", value):
        raise ValueError(
            "must be an https:// URL with a path, e.g. https://github.com/org/repo or "
            "https://pkgs.example.com/pypi/simple/"
        )
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone)]
Email = Annotated[str, AfterValidator(_email)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
SecretScopeName = Annotated[str, _rule(databricks.secret_scope_name_problem)]
WorkspaceFolder = Annotated[str, _rule(databricks.workspace_folder_problem)]
SparkVersion = Annotated[
    str,
    _pattern(
        r"\d+\.\d+\.x(-[a-z0-9-]+)?-scala\d+\.\d+",
        "a Databricks Runtime key such as 15.4.x-scala2.12 (14.3 LTS or newer for the notebooks)",
    ),
]
NodeType = Annotated[
    str, _pattern(r"Standard_[A-Za-z0-9_]+", "an Azure VM size such as Standard_D4ds_v5")
]
