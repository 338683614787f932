"""Rules that relate several fields of a parsed config; each problem is reported, not the first."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from platform_config import azure_rules
from platform_config.model import PlatformConfig
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
    issues: list[Issue] = []
    if file_stem is not None and config.environment != file_stem:
        issues.append(
            Issue(
                "environment",
                config.environment,
                f"must equal the file name {file_stem!r} so that stack ids "
                f"('{file_stem}-platform', ...) match the file that defines them",
            )
        )
    issues += _network_issues(config)
    issues += _name_issues(config)
    return issues


def _network_issues(config: PlatformConfig) -> list[Issue]:
    net = config.network
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

    spaces = [ipaddress.IPv4Network(s) for s in net.address_space]
    for (i, a), (j, b) in combinations(enumerate(spaces), 2):
        if a.overlaps(b):
            issues.append(
                Issue(f"network.address_space[{j}]", str(b), f"overlaps address_space[{i}] {a}")
            )
    subnets = {
        name: ipaddress.IPv4Network(cidr) for name, cidr in net.subnets.model_dump().items()
    }
    for name, subnet in subnets.items():
        if not any(subnet.subnet_of(space) for space in spaces):
            issues.append(
                Issue(f"network.subnets.{name}", str(subnet), "must lie inside the VNet address "
                      f"space {', '.join(map(str, spaces))}")
            )
    for (name_a, a), (name_b, b) in combinations(subnets.items(), 2):
        if a.overlaps(b):
            issues.append(
                Issue(f"network.subnets.{name_b}", str(b), f"overlaps subnets.{name_a} {a}; "
                      "Databricks subnets may not be shared with anything else")
            )
    return issues


def _name_issues(config: PlatformConfig) -> list[Issue]:
    """Every name the platform derives must pass Azure's rules for its resource type."""
    try:
        PlatformNames.derive(naming_for(config))
    except NamingError as err:
        return [Issue("prefix", config.prefix, str(err))]
    return []
