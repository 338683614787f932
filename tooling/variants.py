"""Every environment with every option on: what the rules and the rights table read.

    python -m tooling.variants <outdir>          (make docs)

A shipped environment leaves options off (governance, a secret scope, customer-managed keys...),
so the deployment rules would never see the resources those options add, and a table derived
from the shipped stacks alone would grow a row the day a new environment turns one on. Each
variant is the environment's own configuration with every option switched on that its network
mode and sources allow, validated again like a config file. The rights table in
docs/deployment.md is derived from these variants (and the account scopes): per kind of stack
and network mode, whichever environments exist.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from platform_config import PlatformConfig, checks
from platform_config.model import AccountConfig
from vocabulary import azure

AZURE_DATABRICKS_PLACEHOLDER = "00000000-0000-0000-0000-0000000000f1"
"""The AzureDatabricks application's object id where a config has none: its value is per
tenant and the variants only need one to synthesize the grants that use it."""
SECRET_WRITERS_PLACEHOLDER = "00000000-0000-0000-0000-0000000000f2"
"""The group that writes secrets where a config names none (a secret scope requires one)."""


ALERTS_EMAIL_PLACEHOLDER = "alerts@example.com"
ALERTS_WEBHOOK_PLACEHOLDER = "alerts-webhook"
"""Where a config has no alerts: an address and a webhook secret's name for the variant."""


class VariantError(ValueError):
    """An environment whose every-option variant is not a valid configuration."""


def _ncc(config: PlatformConfig, accounts: Sequence[AccountConfig]) -> str | None:
    """The network connectivity configuration an account scope declares for the region."""
    names = [
        ncc.name
        for account in accounts
        for ncc in account.network_connectivity_configs
        if ncc.region == config.location
    ]
    return config.databricks.network_connectivity_config or (names[0] if names else None)


def _free_26(config: PlatformConfig) -> str:
    taken = [ipaddress.IPv4Network(c) for c in config.network.subnets.model_dump().values()]
    for space in config.networks:
        for candidate in space.subnets(new_prefix=max(space.prefixlen, 26)):
            if not any(candidate.overlaps(t) for t in taken):
                return str(candidate)
    raise VariantError(f"{config.environment}: no free /26 for a firewall subnet")


def every_option_on(
    config: PlatformConfig, accounts: Sequence[AccountConfig] = ()
) -> PlatformConfig:
    """config with register_resource_providers, governance, a Key-Vault-backed secret scope,
    the workspace storage firewall where its endpoints are the first step,
    the interactive cluster, a serverless SQL warehouse on the region's network connectivity
    configuration (where an account scope declares one), customer-managed keys (Data
    Factory's too where there is a factory), alerts with a webhook and a budget, and, in
    sandbox mode, the firewall switched on;
    validated as a config file is."""
    raw: dict[str, Any] = config.model_dump(mode="json", exclude_unset=True, by_alias=True)
    raw["register_resource_providers"] = True
    raw["governance"] = {**raw.get("governance", {}), "enabled": True}
    workloads = raw.setdefault("workloads", {})
    scope = workloads.get("secret_scope", {})
    workloads["secret_scope"] = {**scope, "enabled": True}
    workloads["cluster"] = {**workloads.get("cluster", {}), "enabled": True}
    if not config.secrets.writers:
        raw["secrets"] = {**raw.get("secrets", {}), "writers": [SECRET_WRITERS_PLACEHOLDER]}
    databricks = raw.setdefault("databricks", {})
    if databricks.get("private_workspace_storage") == "endpoints":
        databricks["private_workspace_storage"] = True  # the second of its two deploys
    if config.azure_databricks_object_id is None:
        databricks["azure_databricks_object_id"] = AZURE_DATABRICKS_PLACEHOLDER
    ncc = _ncc(config, accounts)
    if ncc:
        databricks["network_connectivity_config"] = ncc
        warehouse = workloads.get("sql_warehouse", {})
        workloads["sql_warehouse"] = {**warehouse, "type": "serverless"}
    encryption = raw.setdefault("encryption", {})
    keys = encryption.get("customer_managed_keys", {})
    encryption["customer_managed_keys"] = {
        **keys,
        "enabled": True,
        "data_factory": config.ingestion.source is not None,
    }
    alerts = raw.get("alerts") or {"emails": [ALERTS_EMAIL_PLACEHOLDER]}
    raw["alerts"] = {
        **alerts,
        "webhook_secret": alerts.get("webhook_secret") or ALERTS_WEBHOOK_PLACEHOLDER,
        "budget": alerts.get("budget") or {"amount": 100, "start_date": "2027-01-01"},
    }
    network = raw.setdefault("network", {})
    if (
        config.network.sandbox
        and config.network.firewall is None
        and not config.network.nat_gateway
    ):
        # The sandbox's own firewall, in the first /26 its subnets leave free.
        network["firewall"] = {"sku_tier": "Standard", "subnet": _free_26(config)}
    zones = raw.get("network", {}).get("private_dns_zone_ids")
    if zones:
        # IT's governance zones, beside its storage zones (a variant only reads their ids).
        dfs = azure.require_resource_id(zones["dfs"], "Microsoft.Network", "privateDnsZones")
        for field, zone in azure.GOVERNANCE_DNS_ZONES.items():
            zones.setdefault(field, dataclasses.replace(dfs, name=zone).id)
    variant = PlatformConfig.model_validate(raw)
    issues = checks.check(variant)
    if issues:
        listed = "; ".join(map(str, issues))
        raise VariantError(f"{config.environment} with every option on: {listed}")
    return variant


def synthesize(
    configs: Sequence[PlatformConfig],
    outdir: Path,
    accounts: Sequence[AccountConfig] = (),
) -> Mapping[str, tuple[str, ...]]:
    """The variants of configs and the account scopes, synthesized into outdir in one app:
    scope -> its stack ids in build order."""
    from cdktf import App

    from datafactory import artifacts as adf_artifacts
    from stacks import build_environment
    from stacks.account import AccountStack

    adf = adf_artifacts.load()
    app = App(outdir=str(outdir))
    order: dict[str, tuple[str, ...]] = {}
    for account in accounts:
        stack = AccountStack(app, account=account)
        order[account.account] = (stack.node.id,)
    for config in configs:
        built = build_environment(app, every_option_on(config, accounts), adf=adf)
        order[config.environment] = tuple(s.node.id for s in built.in_order())
    app.synth()
    return order


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tooling.variants <outdir>", file=sys.stderr)
        return 2
    import os

    from components import provider_loading
    from platform_config import ConfigError, load_environments
    from platform_config.loader import load_accounts

    config_dir = Path(os.environ.get("MDP_CONFIG_DIR") or "config")
    try:
        configs, accounts = load_environments(config_dir), load_accounts(config_dir)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    provider_loading.install()
    synthesize(configs, Path(argv[0]), accounts)
    print(f"every option on: {', '.join(c.environment for c in configs)} -> {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
