"""`network` and the workspace's endpoints: IT mode or sandbox, egress, address ranges, the
browser_authentication endpoint (per file here; per region and zone across the files)."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from platform_config.checks.issues import Issue
from platform_config.checks.registry import environment_check
from platform_config.model import (
    Network,
    PlatformConfig,
)
from vocabulary import azure


@environment_check
def network_is_consistent(config: PlatformConfig) -> list[Issue]:
    return network_issues(config.network)


def network_issues(net: Network) -> list[Issue]:
    issues: list[Issue] = []
    if net.import_route_table_associations and net.route_table_id is None:
        issues.append(
            Issue(
                "network.import_route_table_associations",
                True,
                "needs network.route_table_id: there is no association to import without a "
                "route table; remove it or set route_table_id",
            )
        )
    if net.sandbox:
        if net.vnet_id is not None:
            issues.append(
                Issue(
                    "network.vnet_id",
                    net.vnet_id,
                    "not allowed with sandbox: true "
                    "(sandbox creates its own VNet); remove it or set sandbox: false",
                )
            )
        if net.private_dns_zone_ids is not None:
            issues.append(
                Issue(
                    "network.private_dns_zone_ids",
                    "...",
                    "not allowed with sandbox: true "
                    "(sandbox creates its own zones); remove it or set sandbox: false",
                )
            )
    else:
        if net.vnet_id is None:
            issues.append(
                Issue(
                    "network.vnet_id",
                    None,
                    "required unless sandbox: true: the resource id "
                    "of IT's VNet, /subscriptions/<id>/resourceGroups/<rg>/providers/"
                    "Microsoft.Network/virtualNetworks/<name>",
                )
            )
        elif azure.parse_resource_id(net.vnet_id, "Microsoft.Network", "virtualNetworks") is None:
            issues.append(
                Issue(
                    "network.vnet_id",
                    net.vnet_id,
                    "must be a VNet resource id: "
                    "/subscriptions/<id>/resourceGroups/<rg>/providers/"
                    "Microsoft.Network/virtualNetworks/<name>",
                )
            )
        if not net.creates_nat_gateway and net.route_table_id is None:
            issues.append(
                Issue(
                    "network.route_table_id",
                    None,
                    "IT mode needs an egress path for the clusters (no public IPs, no default "
                    "outbound access): set network.route_table_id to IT's route table (UDR to "
                    "its firewall) or network.nat_gateway: true",
                )
            )
        if net.private_dns_zone_ids is None:
            issues.append(
                Issue(
                    "network.private_dns_zone_ids",
                    None,
                    "required unless sandbox: true: "
                    "ids of IT's zones for dfs, blob, vault and databricks",
                )
            )
        else:
            zones = {k: v for k, v in net.private_dns_zone_ids.model_dump().items() if v}
            subscriptions = {
                purpose: azure.require_resource_id(
                    zone_id, "Microsoft.Network", "privateDnsZones"
                ).subscription.lower()
                for purpose, zone_id in zones.items()
            }
            first = next(iter(subscriptions))
            for purpose, subscription in subscriptions.items():
                if subscription != subscriptions[first]:
                    issues.append(
                        Issue(
                            f"network.private_dns_zone_ids.{purpose}",
                            zones[purpose],
                            f"is in subscription {subscription}, {first}'s in "
                            f"{subscriptions[first]}; the zones are read through one provider "
                            "per subscription, so all four must be in the same one",
                        )
                    )

    if net.creates_nat_gateway and net.route_table_id is not None:
        issues.append(
            Issue(
                "network.route_table_id",
                net.route_table_id,
                "and a NAT gateway: choose one egress path (nat_gateway: false to route through "
                "IT's firewall)",
            )
        )
    issues += firewall_issues(net)
    spaces = {i: ipaddress.IPv4Network(s) for i, s in enumerate(net.address_space)}
    subnets = {name: ipaddress.IPv4Network(cidr) for name, cidr in net.subnets.model_dump().items()}
    if net.firewall is not None:
        subnets["firewall.subnet"] = ipaddress.IPv4Network(net.firewall.subnet)
        if net.firewall.management_subnet:
            subnets["firewall.management_subnet"] = ipaddress.IPv4Network(
                net.firewall.management_subnet
            )
    return issues + cidr_issues(spaces, subnets)


def firewall_issues(net: Network) -> list[Issue]:
    """The sandbox's own firewall, or IT's named by its private IP (docs/deployment.md)."""
    issues: list[Issue] = []
    firewall = net.firewall
    if firewall is not None:
        if not net.sandbox:
            issues.append(
                Issue(
                    "network.firewall",
                    "...",
                    "not allowed in IT mode: egress goes through IT's firewall "
                    "(network.route_table_id and network.it_firewall_private_ip)",
                )
            )
        if firewall.sku_tier == "Basic" and firewall.management_subnet is None:
            issues.append(
                Issue(
                    "network.firewall.management_subnet",
                    None,
                    "required with sku_tier: Basic (Azure gives a Basic firewall a management "
                    "subnet, AzureFirewallManagementSubnet, /26 or larger)",
                )
            )
        if firewall.sku_tier != "Basic" and firewall.management_subnet is not None:
            issues.append(
                Issue(
                    "network.firewall.management_subnet",
                    firewall.management_subnet,
                    f"only with sku_tier: Basic (this one is {firewall.sku_tier}); remove it",
                )
            )
    ip = net.it_firewall_private_ip
    if ip is not None and net.sandbox:
        issues.append(
            Issue(
                "network.it_firewall_private_ip",
                ip,
                "not allowed with sandbox: true (IT's firewall is IT mode's; the sandbox's own "
                "is network.firewall)",
            )
        )
    elif ip is not None and net.route_table_id is None:
        issues.append(
            Issue(
                "network.it_firewall_private_ip",
                ip,
                "needs network.route_table_id: the route table whose default route goes to it",
            )
        )
    if not net.sandbox and net.route_table_id is not None and ip is None:
        issues.append(
            Issue(
                "network.it_firewall_private_ip",
                None,
                "required with network.route_table_id: the private IP of IT's firewall, which "
                "the table's 0.0.0.0/0 route must reach (the plan checks it)",
            )
        )
    if ip is not None:
        own = [
            (name, cidr)
            for name, cidr in net.subnets.model_dump().items()
            if ipaddress.IPv4Address(ip) in ipaddress.IPv4Network(cidr)
        ]
        for name, cidr in own:
            issues.append(
                Issue(
                    "network.it_firewall_private_ip",
                    ip,
                    f"is inside the platform's own subnets.{name} {cidr}; IT's firewall is "
                    "outside them",
                )
            )
    return issues


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
                    Issue(
                        f"network.subnets.{name}",
                        str(subnet),
                        "must lie inside the VNet "
                        f"address space {', '.join(map(str, spaces.values()))}",
                    )
                )
    for (name_a, a), (name_b, b) in combinations(subnets.items(), 2):
        if a.overlaps(b):
            issues.append(
                Issue(
                    f"network.subnets.{name_b}",
                    str(b),
                    f"overlaps subnets.{name_a} {a}; "
                    "Databricks subnets may not be shared with anything else",
                )
            )
    return issues


@environment_check
def browser_authentication_issues(config: PlatformConfig) -> list[Issue]:
    """The rules one file can check; check_environments checks the region-wide one."""
    dbx = config.databricks
    issues: list[Issue] = []
    if config.network.sandbox and not dbx.browser_authentication_private_endpoint:
        issues.append(
            Issue(
                "databricks.browser_authentication_private_endpoint",
                False,
                "must be true "
                "in sandbox mode: the sandbox has its own privatelink.azuredatabricks.net "
                "zone, and browser sign-in needs the endpoint's record in it",
            )
        )
    if dbx.browser_authentication_provided_by_it:
        if config.network.sandbox:
            issues.append(
                Issue(
                    "databricks.browser_authentication_provided_by_it",
                    True,
                    "not allowed "
                    "with sandbox: true (the sandbox's zone is its own, IT's endpoint is not "
                    "in it)",
                )
            )
        if dbx.browser_authentication_private_endpoint:
            issues.append(
                Issue(
                    "databricks.browser_authentication_provided_by_it",
                    True,
                    "contradicts browser_authentication_private_endpoint: true; set one of them",
                )
            )
    return issues
