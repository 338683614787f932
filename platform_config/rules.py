"""Rules that relate several fields of a parsed config; each problem is reported, not the first."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from pydantic import TypeAdapter, ValidationError

from platform_config import azure_rules
from platform_config.model import (
    Cidr,
    EnvironmentName,
    NameSuffix,
    Network,
    PlatformConfig,
    Prefix,
    Subnets,
)
from platform_config.names import PlatformNames
from platform_config.naming import Naming, NamingError


@dataclass(frozen=True)
class Issue:
    """One problem in a config file: where, what was found, what is allowed."""

    path: str
    value: Any
    message: str


def naming_for(config: PlatformConfig) -> Naming:
    return Naming(prefix=config.prefix, environment=config.environment, suffix=config.name_suffix)


def check(config: PlatformConfig, *, file_stem: str | None = None) -> list[Issue]:
    """Every cross-field problem of a config that parsed."""
    issues = environment_issues(config.environment, file_stem)
    issues += network_issues(config.network)
    issues += name_issues(config.prefix, config.environment, config.name_suffix)
    return issues


def check_parts(raw: dict[str, Any], *, file_stem: str | None = None) -> list[Issue]:
    """The same rules on the parts of a config that parse on their own.

    Used when the file as a whole does not parse, so that one run reports every problem.
    """
    issues: list[Issue] = []
    environment = _parsed(EnvironmentName, raw.get("environment"))
    if environment is not None:
        issues += environment_issues(environment, file_stem)
    network = _parsed(Network, raw.get("network"))
    if network is not None:
        issues += network_issues(network)
    elif isinstance(raw.get("network"), dict):
        issues += cidr_issues(*_cidrs_that_parse(raw["network"]))
    prefix = _parsed(Prefix, raw.get("prefix"))
    suffix = _parsed(NameSuffix, raw.get("name_suffix", ""))
    if None not in (environment, prefix, suffix):
        issues += name_issues(prefix, environment, suffix)
    return issues


def _cidrs_that_parse(
    network: dict[str, Any],
) -> tuple[dict[int, ipaddress.IPv4Network], dict[str, ipaddress.IPv4Network]]:
    spaces = network.get("address_space")
    subnets = network.get("subnets")
    parsed_spaces = {
        i: ipaddress.IPv4Network(value)
        for i, value in enumerate(spaces if isinstance(spaces, list) else [])
        if _parsed(Cidr, value) is not None
    }
    subnets = subnets if isinstance(subnets, dict) else {}
    parsed_subnets = {
        name: ipaddress.IPv4Network(subnets[name])
        for name in Subnets.model_fields  # the model's order, as when the file parses
        if _parsed(Cidr, subnets.get(name)) is not None
    }
    return parsed_spaces, parsed_subnets


def _parsed(annotation: Any, value: Any) -> Any:
    try:
        return TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return None


def environment_issues(environment: str, file_stem: str | None) -> list[Issue]:
    if file_stem is None or environment == file_stem:
        return []
    return [
        Issue(
            "environment",
            environment,
            f"must equal the file name {file_stem!r} so that stack ids "
            f"('{file_stem}-platform', ...) match the file that defines them",
        )
    ]


def network_issues(net: Network) -> list[Issue]:
    issues: list[Issue] = []
    if net.sandbox:
        if net.vnet_id is not None:
            issues.append(
                Issue("network.vnet_id", net.vnet_id, "not allowed with sandbox: true "
                      "(sandbox creates its own VNet); remove it or set sandbox: false")
            )
        if net.private_dns_zone_ids is not None:
            issues.append(
                Issue("network.private_dns_zone_ids", "...", "not allowed with sandbox: true "
                      "(sandbox creates its own zones); remove it or set sandbox: false")
            )
    else:
        if net.vnet_id is None:
            issues.append(
                Issue("network.vnet_id", None, "required unless sandbox: true: the resource id "
                      "of IT's VNet, /subscriptions/<id>/resourceGroups/<rg>/providers/"
                      "Microsoft.Network/virtualNetworks/<name>")
            )
        elif azure_rules.parse_resource_id(net.vnet_id, "Microsoft.Network", "virtualNetworks") is None:
            issues.append(
                Issue("network.vnet_id", net.vnet_id, "must be a VNet resource id: "
                      "/subscriptions/<id>/resourceGroups/<rg>/providers/"
                      "Microsoft.Network/virtualNetworks/<name>")
            )
        if net.private_dns_zone_ids is None:
            issues.append(
                Issue("network.private_dns_zone_ids", None, "required unless sandbox: true: "
                      "ids of IT's zones for dfs, blob, vault and databricks")
            )

    spaces = {i: ipaddress.IPv4Network(s) for i, s in enumerate(net.address_space)}
    subnets = {
        name: ipaddress.IPv4Network(cidr) for name, cidr in net.subnets.model_dump().items()
    }
    return issues + cidr_issues(spaces, subnets)


def cidr_issues(
    spaces: dict[int, ipaddress.IPv4Network], subnets: dict[str, ipaddress.IPv4Network]
) -> list[Issue]:
    """Address spaces must not overlap; subnets must lie inside one and not overlap each other."""
    issues: list[Issue] = []
    for (i, a), (j, b) in combinations(spaces.items(), 2):
        if a.overlaps(b):
            issues.append(
                Issue(f"network.address_space[{j}]", str(b), f"overlaps address_space[{i}] {a}")
            )
    if spaces:
        for name, subnet in subnets.items():
            if not any(subnet.subnet_of(space) for space in spaces.values()):
                issues.append(
                    Issue(f"network.subnets.{name}", str(subnet), "must lie inside the VNet "
                          f"address space {', '.join(map(str, spaces.values()))}")
                )
    for (name_a, a), (name_b, b) in combinations(subnets.items(), 2):
        if a.overlaps(b):
            issues.append(
                Issue(f"network.subnets.{name_b}", str(b), f"overlaps subnets.{name_a} {a}; "
                      "Databricks subnets may not be shared with anything else")
            )
    return issues


def name_issues(prefix: str, environment: str, suffix: str) -> list[Issue]:
    """Every name the platform derives must pass Azure's rules for its resource type."""
    try:
        PlatformNames.derive(Naming(prefix=prefix, environment=environment, suffix=suffix))
    except NamingError as err:
        return [Issue("prefix", prefix, str(err))]
    return []
