"""Checks across files: the environments' and the account scopes' (config/accounts/)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from platform_config.checks.issues import Issue
from platform_config.checks.registry import across
from platform_config.model import (
    AccountConfig,
    AzurermState,
    PlatformConfig,
)
from vocabulary import azure, egress


@across
def state_storage_issues(
    environments: dict[str, PlatformConfig], accounts: dict[str, AccountConfig]
) -> dict[str, list[Issue]]:
    """Files whose state is the same storage account give it the same subscription (its
    `state.subscription_id`, else the file's own): the backend reads the account in the
    subscription it is given."""
    seen: dict[tuple[str, str], list[tuple[str, str]]] = {}
    scopes: list[tuple[str, object, str]] = [
        *((file, c.state, c.subscription_id) for file, c in environments.items()),
        *((file, a.state, a.subscription_id) for file, a in accounts.items()),
    ]
    for file, state, own_subscription in scopes:
        if isinstance(state, AzurermState):
            key = (state.resource_group.lower(), state.storage_account)
            subscription = (state.subscription_id or own_subscription).lower()
            seen.setdefault(key, []).append((file, subscription))
    issues: dict[str, list[Issue]] = {}
    for (_, account), users in seen.items():
        if len({subscription for _, subscription in users}) < 2:
            continue
        for file, subscription in users:
            others = ", ".join(
                f"{Path(f).name} ({s})" for f, s in users if f != file and s != subscription
            )
            issues.setdefault(file, []).append(
                Issue(
                    "state.subscription_id",
                    subscription,
                    f"the state storage account {account} is in one subscription, and "
                    f"{others} give(s) another; set state.subscription_id to the account's "
                    "subscription in each file (default: the file's own subscription_id)",
                )
            )
    return issues


Files = dict[str, PlatformConfig]
Accounts = dict[str, AccountConfig]


@across
def account_objects_have_one_owner(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """An account object (group or service principal) is declared in exactly one file: the one
    state that owns it."""
    issues: dict[str, list[Issue]] = {}
    owners: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def own(account_id: object, name: str, file: str, path: str) -> None:
        owners.setdefault((str(account_id), name), []).append((file, path))

    for file, config in environments.items():
        uc = config.unity_catalog
        account_id = config.databricks.account_id
        for i, group in enumerate(uc.groups):
            own(account_id, group.name, file, f"unity_catalog.groups[{i}].name")
        for i, principal in enumerate(uc.service_principals):
            own(account_id, principal.name, file, f"unity_catalog.service_principals[{i}].name")
    for file, account in accounts.items():
        for i, account_group in enumerate(account.groups):
            own(account.account_id, account_group.name, file, f"groups[{i}].name")
        for i, account_principal in enumerate(account.service_principals):
            own(account.account_id, account_principal.name, file, f"service_principals[{i}].name")
    for (_, name), declared in owners.items():
        if len(declared) < 2:
            continue
        deployers = {
            file
            for file, _ in declared
            if file in environments and environments[file].unity_catalog.deployer == name
        }
        for file, path in declared:
            others = ", ".join(f for f, _ in declared if f != file) or "this file"
            advice = (
                "each environment has its own deployer (unity_catalog.deployer): give this "
                "environment its own service principal, under another name"
                if deployers
                else "declare it once in config/accounts/<account>.yaml and refer to it by "
                "name from each environment (unity_catalog.account_groups)"
            )
            issues.setdefault(file, []).append(
                Issue(
                    path,
                    name,
                    f"is also declared in {others}: an account object has one owner (one "
                    f"state); {advice}",
                )
            )
    return issues


@across
def account_groups_are_the_account_scope_s(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """An environment's account_groups name groups of its account's file."""
    shared = {(a.account_id, g.name) for a in accounts.values() for g in a.groups}
    issues: dict[str, list[Issue]] = {}
    for file, config in environments.items():
        for index, assignment in enumerate(config.unity_catalog.account_groups):
            if (str(config.databricks.account_id), assignment.name) not in shared:
                known = sorted(n for (acc, n) in shared if acc == config.databricks.account_id)
                issues.setdefault(file, []).append(
                    Issue(
                        f"unity_catalog.account_groups[{index}].name",
                        assignment.name,
                        "not a group of this account's scope (config/accounts/); declared "
                        f"there: {', '.join(known) or '(none)'}",
                    )
                )
    return issues


@across
def network_connectivity_config_in_the_region(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """databricks.network_connectivity_config names one of the account scope's, in the
    environment's region."""
    issues: dict[str, list[Issue]] = {}
    for file, config in environments.items():
        ncc = config.databricks.network_connectivity_config
        if ncc is None:
            continue
        regions = {
            n.name: n.region
            for a in accounts.values()
            if a.account_id == str(config.databricks.account_id)
            for n in a.network_connectivity_configs
        }
        if regions.get(ncc) != config.location:
            offered = ", ".join(f"{n} ({r})" for n, r in sorted(regions.items()))
            issues.setdefault(file, []).append(
                Issue(
                    "databricks.network_connectivity_config",
                    ncc,
                    "not a network connectivity configuration of this account's scope in "
                    f"{config.location}; declared there: {offered or '(none)'}",
                )
            )
    return issues


@across
def no_environment_is_named_like_an_account(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """Their stacks would share a prefix."""
    names = {a.account for a in accounts.values()}
    return {
        file: [Issue("environment", config.environment, "is the name of an account scope")]
        for file, config in environments.items()
        if config.environment in names
    }


@across
def one_browser_authentication_endpoint_per_zone(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """Exactly one browser_authentication endpoint per region and Databricks DNS zone, unless
    the environments there say IT provides it."""
    issues: dict[str, list[Issue]] = {}
    groups: dict[tuple[str, str], list[tuple[str, PlatformConfig]]] = {}
    for file, config in environments.items():
        zones = config.network.private_dns_zone_ids
        if zones is not None:
            key = (config.location, zones.databricks.lower())
            groups.setdefault(key, []).append((file, config))
    for (location, zone), members in groups.items():
        zone_name = azure.resource_name(zone)
        creators = [f for f, c in members if c.databricks.browser_authentication_private_endpoint]
        by_it = [f for f, c in members if c.databricks.browser_authentication_provided_by_it]
        envs = ", ".join(c.environment for _, c in members)
        if by_it:
            for file, _ in members:
                if file not in by_it and file not in creators:
                    issues.setdefault(file, []).append(
                        Issue(
                            "databricks.browser_authentication_provided_by_it",
                            False,
                            f"another environment in {location} with zone {zone_name} ({envs}) "
                            "says IT provides the browser_authentication endpoint; say so here too",
                        )
                    )
            for file in creators:
                issues.setdefault(file, []).append(
                    Issue(
                        "databricks.browser_authentication_private_endpoint",
                        True,
                        f"IT provides the browser_authentication endpoint in {location} for "
                        f"zone {zone_name} (environments {envs}); a second one breaks sign-in: "
                        "set it to false",
                    )
                )
        elif not creators:
            for file, _ in members:
                issues.setdefault(file, []).append(
                    Issue(
                        "databricks.browser_authentication_private_endpoint",
                        False,
                        f"no environment in {location} with zone {zone_name} ({envs}) creates "
                        "the browser_authentication endpoint, so browser sign-in would fail: "
                        "set it to true in exactly one of them, or set "
                        "browser_authentication_provided_by_it: true if IT runs it",
                    )
                )
        elif len(creators) > 1:
            for file in creators[1:]:
                issues.setdefault(file, []).append(
                    Issue(
                        "databricks.browser_authentication_private_endpoint",
                        True,
                        f"{environments[creators[0]].environment} already creates the "
                        f"browser_authentication endpoint in {location} for zone {zone_name}; "
                        "Azure allows one per region and zone: set it to false here",
                    )
                )
    return issues


@across
def one_authoring_factory(environments: Files, accounts: Accounts) -> dict[str, list[Issue]]:
    """One factory (dev's) authors adf/ through Git; the others deploy it from the code."""
    issues: dict[str, list[Issue]] = {}
    authoring = [c.environment for c in environments.values() if c.ingestion.git is not None]
    for file, config in environments.items():
        if config.ingestion.git is not None and len(authoring) > 1:
            issues.setdefault(file, []).append(
                Issue(
                    "ingestion.git",
                    "...",
                    f"Git integration in {', '.join(authoring)}: one "
                    "factory (dev's) authors adf/; the others deploy it from the code",
                )
            )
    return issues


@across
def no_overlap_in_a_shared_vnet(environments: Files, accounts: Accounts) -> dict[str, list[Issue]]:
    """Environments in the same IT VNet must not overlap."""
    issues: dict[str, list[Issue]] = {}
    by_vnet: dict[str, list[tuple[str, PlatformConfig]]] = {}
    for file, config in environments.items():
        if config.network.vnet_id is not None:
            by_vnet.setdefault(config.network.vnet_id.lower(), []).append((file, config))
    for members in by_vnet.values():
        # Sorted by start address, a range overlaps an earlier one exactly when it starts before
        # the furthest end seen so far: one pass, not every pair of environments.
        ranges = sorted(
            (ipaddress.IPv4Network(cidr), file, config.environment, name)
            for file, config in members
            for name, cidr in config.network.subnets.model_dump().items()
        )
        widest: tuple[ipaddress.IPv4Network, str, str] | None = None
        for network, file, environment, name in ranges:
            if widest is not None and network.network_address <= widest[0].broadcast_address:
                other, other_env, other_name = widest
                if other_env != environment:  # within one file, network_issues reports it
                    issues.setdefault(file, []).append(
                        Issue(
                            f"network.subnets.{name}",
                            str(network),
                            f"overlaps {other_env}'s subnets.{other_name} {other} in the "
                            "same VNet; environments sharing IT's VNet need their own ranges",
                        )
                    )
            if widest is None or network.broadcast_address > widest[0].broadcast_address:
                widest = (network, environment, name)
    return issues


@across
def environments_keep_their_own(environments: Files, accounts: Accounts) -> dict[str, list[Issue]]:
    """What one environment owns is not another's: its admin group (in its Databricks account),
    its catalog (in its region's metastore), its resource group (in its subscription, unless
    every file using it sets `shares_resource_group`) and its deployer service principal (whose
    state grants are its own environment's). A file copied from another and renamed trips
    these first; each issue names the field to change."""
    claims: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}

    def claim(key: tuple[str, ...], file: str, path: str, value: str) -> None:
        claims.setdefault(key, []).append((file, path, value))

    shared_groups: set[tuple[str, str]] = set()
    for file, config in environments.items():
        uc, account = config.unity_catalog, str(config.databricks.account_id)
        claim(
            ("admin_group", account, config.admin_group_name),
            file,
            "unity_catalog.admin_group",
            config.admin_group_name,
        )
        claim(
            ("catalog", account, config.location, config.catalog_name),
            file,
            "unity_catalog.catalog",
            config.catalog_name,
        )
        group = (config.subscription_id.lower(), config.resource_group.lower())
        claim(("resource_group", *group), file, "resource_group", config.resource_group)
        if config.shares_resource_group:
            shared_groups.add(group)
        deployer = next((p for p in uc.service_principals if p.name == uc.deployer), None)
        if deployer is not None:
            claim(
                ("deployer", str(deployer.application_id).lower()),
                file,
                "unity_catalog.deployer",
                f"{deployer.name} ({deployer.application_id})",
            )
    nouns = {
        "admin_group": "admin group",
        "catalog": "catalog in the same metastore",
        "resource_group": "resource group",
        "deployer": "deployer",
    }
    advice = {
        "admin_group": "each environment's admin group owns that environment's catalog "
        "objects; rename it (or remove the line for <prefix>-<environment>-platform-admins)",
        "catalog": "catalogs of one region and account share a metastore, and two "
        "environments would manage one catalog; rename it (or remove the line for "
        "<prefix>_<environment>)",
        "resource_group": "every resource is created in it; give this environment its own, or "
        "set shares_resource_group: true in each file that uses it",
        "deployer": "a deployer may write its own environment's state only (docs/deployment.md, "
        '"State: one environment\'s blobs"); give this environment its own service principal',
    }
    issues: dict[str, list[Issue]] = {}
    for key, found in claims.items():
        if len({file for file, _, _ in found}) < 2:
            continue
        if (
            key[0] == "resource_group"
            and key[1:] in shared_groups
            and all(environments[file].shares_resource_group for file, _, _ in found)
        ):
            continue
        for file, path, value in found:
            others = ", ".join(Path(f).name for f, _, _ in found if f != file)
            issues.setdefault(file, []).append(
                Issue(path, value, f"is also {others}'s {nouns[key[0]]}: {advice[key[0]]}")
            )
    return issues


@across
def network_policy_serves_the_environment(
    environments: Files, accounts: Accounts
) -> dict[str, list[Issue]]:
    """databricks.network_policy names one of the account scope's network policies, and that
    policy allows what the environment's serverless compute needs: its package index and
    network.allowed_fqdns (the classic allow list's own part), and its lake."""
    issues: dict[str, list[Issue]] = {}
    for file, config in environments.items():
        name = config.databricks.network_policy
        if name is None:
            continue
        policies = {
            p.name: (a, p)
            for a in accounts.values()
            if a.account_id == str(config.databricks.account_id)
            for p in a.network_policies
        }
        found = policies.get(name)
        if found is None:
            issues.setdefault(file, []).append(
                Issue(
                    "databricks.network_policy",
                    name,
                    "not a network policy of this account's scope; declared there: "
                    f"{', '.join(sorted(policies)) or '(none)'}",
                )
            )
            continue
        account, policy = found
        where = f"config/accounts/{account.account}.yaml, network_policies {name}"
        hosts = egress.internet_destinations(config.egress_allow_list)
        missing = [h for h in hosts if h not in policy.allowed_fqdns]
        if missing:
            issues.setdefault(file, []).append(
                Issue(
                    "databricks.network_policy",
                    name,
                    f"does not allow {', '.join(missing)} (this environment's package index "
                    f"and network.allowed_fqdns): add them to allowed_fqdns in {where}",
                )
            )
        lake = config.naming.storage_account("lake")
        if lake not in policy.allowed_storage_accounts:
            issues.setdefault(file, []).append(
                Issue(
                    "databricks.network_policy",
                    name,
                    f"does not allow this environment's lake {lake}: add it to "
                    f"allowed_storage_accounts in {where}",
                )
            )
    return issues
