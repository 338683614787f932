"""The file as a whole: its name, the names it derives, the subscription of what IT provides."""

from __future__ import annotations

from platform_config.checks.issues import Issue
from platform_config.checks.registry import environment_check
from platform_config.model import (
    PlatformConfig,
)
from platform_config.naming import Naming, NamingError, PlatformNames
from vocabulary import azure


@environment_check
def same_subscription_issues(config: PlatformConfig) -> list[Issue]:
    """IT's VNet and route table must be in the workspace's subscription ("Deploy Azure
    Databricks in your Azure virtual network (VNet injection)": the VNet must be in the same
    subscription as the workspace; a route table only serves subnets of its own subscription).
    IT's DNS zones may live elsewhere (a hub's)."""
    issues: list[Issue] = []
    net = config.network
    for path, value, namespace, kind in (
        ("network.vnet_id", net.vnet_id, "Microsoft.Network", "virtualNetworks"),
        ("network.route_table_id", net.route_table_id, "Microsoft.Network", "routeTables"),
    ):
        if value is None:
            continue
        parsed = azure.parse_resource_id(value, namespace, kind)
        if parsed is None:
            if kind == "routeTables":
                issues.append(
                    Issue(
                        path,
                        value,
                        "must be a route table resource id: /subscriptions/<id>/resourceGroups/"
                        "<rg>/providers/Microsoft.Network/routeTables/<name>",
                    )
                )
            continue
        if parsed.subscription.lower() != config.subscription_id.lower():
            issues.append(
                Issue(
                    path,
                    value,
                    f"is in subscription {parsed.subscription}; it must be in the workspace's "
                    f"subscription {config.subscription_id} (Databricks VNet injection needs the "
                    "VNet there, and a route table serves only its own subscription's subnets)",
                )
            )
    return issues


@environment_check
def derived_names_are_valid(config: PlatformConfig) -> list[Issue]:
    return name_issues(config.prefix, config.environment, config.name_suffix)


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


def name_issues(prefix: str, environment: str, suffix: str) -> list[Issue]:
    """Every name the platform derives must pass Azure's rules for its resource type."""
    try:
        PlatformNames.derive(Naming(prefix=prefix, environment=environment, suffix=suffix))
    except NamingError as err:
        return [Issue("prefix", prefix, str(err))]
    return []
