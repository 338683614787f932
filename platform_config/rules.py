"""Rules that relate several fields of a parsed config; each problem is reported, not the first."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from platform_config.model import (
    AccountConfig,
    AzurermState,
    Cidr,
    EnvironmentName,
    NameSuffix,
    Network,
    PlatformConfig,
    Prefix,
    Subnets,
)
from platform_config.naming import Naming, NamingError, PlatformNames
from vocabulary import azure, databricks


@dataclass(frozen=True)
class Issue:
    """One problem in a config file: where, what was found, what is allowed."""

    path: str
    value: Any
    message: str


def naming_for(config: PlatformConfig) -> Naming:
    return config.naming


def check(config: PlatformConfig, *, file_stem: str | None = None) -> list[Issue]:
    """Every cross-field problem of a config that parsed."""
    issues = environment_issues(config.environment, file_stem)
    issues += network_issues(config.network)
    issues += same_subscription_issues(config)
    issues += name_issues(config.prefix, config.environment, config.name_suffix)
    issues += browser_authentication_issues(config)
    issues += unity_catalog_issues(config)
    issues += workloads_issues(config)
    issues += governance_issues(config)
    issues += azure_databricks_application_issues(config)
    issues += customer_managed_key_issues(config)
    return issues


_FIND_AZURE_DATABRICKS = (
    "find it with `az ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --query id -o tsv`"
)


def azure_databricks_application_issues(config: PlatformConfig) -> list[Issue]:
    """The application's object id has one home; the former one is read, not both at once."""
    new = config.databricks.azure_databricks_object_id
    former = config.workloads.secret_scope.azure_databricks_object_id
    if new is not None and former is not None:
        return [
            Issue(
                "workloads.secret_scope.azure_databricks_object_id",
                former,
                "moved to databricks.azure_databricks_object_id, which is set too; remove this one",
            )
        ]
    return []


def customer_managed_key_issues(config: PlatformConfig) -> list[Issue]:
    """What customer-managed keys need besides their own fields (docs/security.md)."""
    cmk = config.encryption.customer_managed_keys
    where = "encryption.customer_managed_keys"
    if not cmk.enabled:
        if cmk.data_factory:
            return [Issue(f"{where}.data_factory", True, "needs enabled: true")]
        return []
    issues: list[Issue] = []
    if config.azure_databricks_object_id is None:
        issues.append(
            Issue(
                "databricks.azure_databricks_object_id",
                None,
                f"required with {where}.enabled: the AzureDatabricks application wraps the "
                f"workspace's managed services key; {_FIND_AZURE_DATABRICKS}",
            )
        )
    if cmk.expire_after_days is not None and cmk.expire_after_days < cmk.rotate_after_days + 28:
        issues.append(
            Issue(
                f"{where}.expire_after_days",
                cmk.expire_after_days,
                f"must be at least rotate_after_days + 28 ({cmk.rotate_after_days + 28}): a "
                "version would expire before the next one exists",
            )
        )
    if cmk.data_factory and config.ingestion.source is None:
        issues.append(
            Issue(
                f"{where}.data_factory",
                True,
                "needs ingestion.source: without a source there is no Data Factory",
            )
        )
    return issues


def governance_issues(config: PlatformConfig) -> list[Issue]:
    """In IT mode, governance needs IT's zones for Purview's endpoints."""
    zones = config.network.private_dns_zone_ids
    if not config.governance.enabled or config.network.sandbox or zones is None:
        return []
    return [
        Issue(
            f"network.private_dns_zone_ids.{purpose}",
            None,
            "required with governance: "
            f"the id of IT's {zone} zone (Purview's private endpoints register in it)",
        )
        for purpose, zone in azure.GOVERNANCE_DNS_ZONES.items()
        if getattr(zones, purpose) is None
    ]


def workloads_issues(config: PlatformConfig) -> list[Issue]:
    """Sizing, the IP allow list, the secret scope's readers and the job's principal."""
    work = config.workloads
    issues: list[Issue] = []
    policy, cluster, job = work.cluster_policy, work.cluster, work.job
    if cluster.min_workers > cluster.max_workers:
        issues.append(
            Issue(
                "workloads.cluster.min_workers",
                cluster.min_workers,
                f"must be at most max_workers ({cluster.max_workers})",
            )
        )
    for path, value, allowed in (
        ("workloads.cluster.node_type", cluster.node_type, policy.node_types),
        ("workloads.cluster.spark_version", cluster.spark_version, policy.spark_versions),
        ("workloads.job.node_type", job.node_type, policy.node_types),
        ("workloads.job.spark_version", job.spark_version, policy.spark_versions),
    ):
        if value not in allowed:
            issues.append(
                Issue(
                    path,
                    value,
                    "not allowed by the cluster policy; allowed: "
                    f"{', '.join(allowed)} (workloads.cluster_policy)",
                )
            )
    for path, count in (
        ("workloads.cluster.max_workers", cluster.max_workers),
        ("workloads.job.num_workers", job.num_workers),
    ):
        if count > policy.max_workers:
            issues.append(
                Issue(path, count, f"above the cluster policy's max_workers ({policy.max_workers})")
            )
    if cluster.autotermination_minutes > policy.max_autotermination_minutes:
        issues.append(
            Issue(
                "workloads.cluster.autotermination_minutes",
                cluster.autotermination_minutes,
                "above the cluster policy's "
                f"max_autotermination_minutes ({policy.max_autotermination_minutes})",
            )
        )
    public = config.databricks.public_network_access
    ip = work.ip_access
    if public and not ip.allow and not ip.waive_allow_list:
        issues.append(
            Issue(
                "workloads.ip_access.allow",
                [],
                "required with "
                "databricks.public_network_access: true: the CIDRs allowed to reach "
                "the workspace (or waive_allow_list: true to accept any address)",
            )
        )
    if not public and ip.allow:
        issues.append(
            Issue(
                "workloads.ip_access.allow",
                list(ip.allow),
                "only with databricks.public_network_access: true (the workspace is private)",
            )
        )
    sp_names = {p.name for p in config.unity_catalog.service_principals}
    principals = sp_names | set(config.group_names)
    for index, reader in enumerate(work.secret_scope.readers):
        if reader not in principals:
            issues.append(
                Issue(
                    f"workloads.secret_scope.readers[{index}]",
                    reader,
                    f"not a principal of this config; allowed: {', '.join(sorted(principals))}",
                )
            )
    levels = work.permissions.model_dump()
    for kind, allowed in databricks.PERMISSION_LEVELS.items():
        for principal, level in levels[kind].items():
            path = child_path(f"workloads.permissions.{kind}", principal)
            if principal not in principals:
                issues.append(
                    Issue(
                        path,
                        level,
                        f"{principal!r} is not a principal of this config; allowed: "
                        f"{', '.join(sorted(principals))}",
                    )
                )
            elif level not in allowed:
                issues.append(
                    Issue(path, level, f"not a {kind} permission; allowed: {', '.join(allowed)}")
                )
    if levels["cluster"] and not work.cluster.enabled:
        issues.append(
            Issue(
                "workloads.permissions.cluster",
                levels["cluster"],
                "only with workloads.cluster.enabled: true (there is no shared cluster)",
            )
        )
    groups = set(config.group_names)
    for path, names in (
        ("workloads.entitlements", list(work.entitlements)),
        ("workloads.personal_compute", list(work.personal_compute)),
    ):
        for name in names:
            if name not in groups:
                issues.append(
                    Issue(
                        child_path(path, name) if path.endswith("entitlements") else path,
                        name,
                        f"not a group of unity_catalog; allowed: {', '.join(sorted(groups))}",
                    )
                )
    if job.run_as is not None and job.run_as not in sp_names:
        issues.append(
            Issue(
                "workloads.job.run_as",
                job.run_as,
                "not a service principal of "
                f"unity_catalog; allowed: {', '.join(sorted(sp_names)) or '(none)'}",
            )
        )
    if (job.trigger == "schedule") != (job.schedule is not None):
        issues.append(
            Issue(
                "workloads.job.schedule",
                job.schedule,
                "required with trigger: schedule, and only then",
            )
        )
    if work.secret_scope.enabled and config.azure_databricks_object_id is None:
        issues.append(
            Issue(
                "databricks.azure_databricks_object_id",
                None,
                "required with workloads.secret_scope.enabled: the AzureDatabricks application "
                f"reads the vault for the scope; {_FIND_AZURE_DATABRICKS}",
            )
        )
    needs_writers = [
        path
        for path, on in (
            ("ingestion.source", config.ingestion.source is not None),
            ("workloads.secret_scope.enabled", work.secret_scope.enabled),
        )
        if on
    ]
    if needs_writers and not config.secrets.writers:
        issues.append(
            Issue(
                "secrets.writers",
                [],
                f"required with {' and '.join(needs_writers)}: nobody could write the secrets "
                "they read (the deployer has no data-plane role); give the object id of the "
                "group that writes them",
            )
        )
    if (
        work.sql_warehouse.type == "serverless"
        and not config.databricks.network_connectivity_config
    ):
        issues.append(
            Issue(
                "databricks.network_connectivity_config",
                None,
                "required with workloads.sql_warehouse.type: serverless: serverless compute "
                "reaches the private lake only through a network connectivity configuration's "
                "private endpoints (name one of config/accounts/<account>.yaml)",
            )
        )
    if config.ingestion.source is not None and job.trigger != "none":
        issues.append(
            Issue(
                "workloads.job.trigger",
                job.trigger,
                "must be none when ingestion.source is set: the copy pipeline starts the job "
                "with the date it copied, and a trigger of its own would run it again for a "
                "date with no new data (schedule the copy with ingestion.schedule instead)",
            )
        )
    if work.dbt.source == "git" and not work.dbt.git_url:
        issues.append(Issue("workloads.dbt.git_url", None, "required with source: git"))
    return issues


def unity_catalog_issues(config: PlatformConfig) -> list[Issue]:
    """Account id, metastore mode, principals and grants of the unity-catalog stack."""
    from platform_config.data_contract import LAKE_CONTAINERS, layers

    uc = config.unity_catalog
    issues: list[Issue] = []
    if config.databricks.account_id is None:
        issues.append(
            Issue(
                "databricks.account_id",
                None,
                "required: the Databricks account id (Account "
                "console, user menu), for the account-level groups, principals and metastore",
            )
        )
    store = uc.metastore
    if store.mode == "id" and store.id is None:
        issues.append(Issue("unity_catalog.metastore.id", None, "required with mode: id"))
    if store.mode != "id" and store.id is not None:
        issues.append(Issue("unity_catalog.metastore.id", store.id, "only with mode: id"))
    if store.mode == "create":
        issues.append(
            Issue(
                "unity_catalog.metastore.mode",
                "create",
                "a metastore is an account object every workspace of the region shares: declare "
                "it in config/accounts/<account>.yaml (metastores) and use mode: region here "
                "(moving one this environment created: docs/deployment.md)",
            )
        )
    declared = [(f"unity_catalog.groups[{i}].name", g.name) for i, g in enumerate(uc.groups)]
    declared += [
        (f"unity_catalog.account_groups[{i}].name", g.name) for i, g in enumerate(uc.account_groups)
    ]
    declared += [
        (f"unity_catalog.service_principals[{i}].name", p.name)
        for i, p in enumerate(uc.service_principals)
    ]
    names = [name for _, name in declared]
    counts = Counter(names)
    for path, name in declared:
        if counts[name] > 1 or name == config.admin_group_name:
            issues.append(Issue(path, name, "names a principal twice (or the admin group)"))
    schema_counts = Counter(uc.schemas.model_dump().values())
    for layer, name in uc.schemas.model_dump().items():
        if schema_counts[name] > 1:
            issues.append(Issue(f"unity_catalog.schemas.{layer}", name, "is used by two layers"))
    known = set(names) | {config.admin_group_name}
    grants = uc.grants

    def check(path: str, securable: str, by_principal: dict[str, tuple[str, ...]]) -> None:
        for principal, privileges in by_principal.items():
            if principal not in known:
                issues.append(
                    Issue(
                        child_path(path, principal),
                        principal,
                        f"not a principal of this config; allowed: {', '.join(sorted(known))}",
                    )
                )
            for problem in databricks.privilege_problems(securable, privileges):
                issues.append(Issue(child_path(path, principal), list(privileges), problem))

    check("unity_catalog.grants.catalog", "catalog", grants.catalog)
    for layer, by_principal in grants.schemas.items():
        if layer not in layers.LAYERS:
            issues.append(
                Issue(
                    child_path("unity_catalog.grants.schemas", layer),
                    layer,
                    f"not a layer; allowed: {', '.join(layers.LAYERS)}",
                )
            )
        check(child_path("unity_catalog.grants.schemas", layer), "schema", by_principal)
    for container, by_principal in grants.external_locations.items():
        if container not in LAKE_CONTAINERS:
            issues.append(
                Issue(
                    child_path("unity_catalog.grants.external_locations", container),
                    container,
                    f"not a lake container; allowed: {', '.join(LAKE_CONTAINERS)}",
                )
            )
        check(
            child_path("unity_catalog.grants.external_locations", container),
            "external_location",
            by_principal,
        )
    return issues


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def field_path(parts: Iterable[Any]) -> str:
    """How every problem names a field: `a.b[0].c`; list items by index; a key that is not a
    plain name quoted as typed (`tags['cost center']`)."""
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{str(part)!r}]"
    return out or "(top level)"


def child_path(path: str, key: Any) -> str:
    """The field `key` (a name the user wrote) under the field `path`, named as field_path does."""
    tail = field_path([key])
    return f"{path}{tail}" if tail.startswith("[") else f"{path}.{tail}"


def template_marker_issues(raw: Any, parts: tuple[Any, ...] = ()) -> list[Issue]:
    """Every string (key or value) in the raw file that holds a Terraform template marker.

    Values reach the Terraform JSON as they are, and Terraform evaluates `${...}` and `%{...}`
    in any string: a tag such as "${data.azurerm_client_config.current.client_id}" would read a
    data source into the plan. Such strings are rejected, never escaped: a name or tag that
    needs one is almost certainly a mistake.
    """
    issues: list[Issue] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(key, str) and azure.template_marker(key):
                issues.append(_marker_issue(field_path((*parts, key)), key))
            issues += template_marker_issues(value, (*parts, key))
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            issues += template_marker_issues(value, (*parts, index))
    elif isinstance(raw, str) and azure.template_marker(raw):
        issues.append(_marker_issue(field_path(parts), raw))
    return issues


def _marker_issue(path: str, value: str) -> Issue:
    marker = azure.template_marker(value)
    return Issue(
        path,
        value,
        f"contains the Terraform template marker {marker!r}; configuration values reach "
        "Terraform literally and may not hold expressions (remove it)",
    )


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


def account_object_issues(
    environments: dict[str, PlatformConfig], accounts: dict[str, AccountConfig]
) -> dict[str, list[Issue]]:
    """Rules across the environment files and the account files (config/accounts/): an account
    object (group or service principal) is declared in exactly one file, the one state that
    owns it; an environment's account_groups name groups of its account's file; no environment
    is named like an account scope (their stacks would share a prefix)."""
    issues: dict[str, list[Issue]] = {file: [] for file in (*environments, *accounts)}
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
        for file, path in declared:
            others = ", ".join(f for f, _ in declared if f != file) or "this file"
            issues[file].append(
                Issue(
                    path,
                    name,
                    f"is also declared in {others}: an account object has one owner (one "
                    "state); declare it once in config/accounts/<account>.yaml and refer to it "
                    "by name from each environment (unity_catalog.account_groups)",
                )
            )
    shared = {(a.account_id, g.name): file for file, a in accounts.items() for g in a.groups}
    names = {a.account for a in accounts.values()}
    for file, config in environments.items():
        for index, assignment in enumerate(config.unity_catalog.account_groups):
            if (str(config.databricks.account_id), assignment.name) not in shared:
                known = sorted(n for (acc, n) in shared if acc == config.databricks.account_id)
                issues[file].append(
                    Issue(
                        f"unity_catalog.account_groups[{index}].name",
                        assignment.name,
                        "not a group of this account's scope (config/accounts/); declared "
                        f"there: {', '.join(known) or '(none)'}",
                    )
                )
        ncc = config.databricks.network_connectivity_config
        if ncc is not None:
            regions = {
                n.name: n.region
                for a in accounts.values()
                if a.account_id == str(config.databricks.account_id)
                for n in a.network_connectivity_configs
            }
            if regions.get(ncc) != config.location:
                offered = ", ".join(f"{n} ({r})" for n, r in sorted(regions.items()))
                issues[file].append(
                    Issue(
                        "databricks.network_connectivity_config",
                        ncc,
                        "not a network connectivity configuration of this account's scope in "
                        f"{config.location}; declared there: {offered or '(none)'}",
                    )
                )
        if config.environment in names:
            issues[file].append(
                Issue("environment", config.environment, "is the name of an account scope")
            )
    return {file: found for file, found in issues.items() if found}


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


def check_environments(configs: dict[str, PlatformConfig]) -> dict[str, list[Issue]]:
    """Rules across the shipped environments (file name -> its issues).

    - exactly one browser_authentication endpoint per region and Databricks DNS zone, unless
      the environments there say IT provides it;
    - environments in the same IT VNet must not overlap.
    """
    issues: dict[str, list[Issue]] = {}
    groups: dict[tuple[str, str], list[tuple[str, PlatformConfig]]] = {}
    for file, config in configs.items():
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
                        f"{configs[creators[0]].environment} already creates the "
                        f"browser_authentication endpoint in {location} for zone {zone_name}; "
                        "Azure allows one per region and zone: set it to false here",
                    )
                )
    by_vnet: dict[str, list[tuple[str, PlatformConfig]]] = {}
    for file, config in configs.items():
        if config.network.vnet_id is not None:
            by_vnet.setdefault(config.network.vnet_id.lower(), []).append((file, config))
    authoring = [c.environment for c in configs.values() if c.ingestion.git is not None]
    for file, config in configs.items():
        if config.ingestion.git is not None and len(authoring) > 1:
            issues.setdefault(file, []).append(
                Issue(
                    "ingestion.git",
                    "...",
                    f"Git integration in {', '.join(authoring)}: one "
                    "factory (dev's) authors adf/; the others deploy it from the code",
                )
            )
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


def network_issues(net: Network) -> list[Issue]:
    issues: list[Issue] = []
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
    spaces = {i: ipaddress.IPv4Network(s) for i, s in enumerate(net.address_space)}
    subnets = {name: ipaddress.IPv4Network(cidr) for name, cidr in net.subnets.model_dump().items()}
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


def name_issues(prefix: str, environment: str, suffix: str) -> list[Issue]:
    """Every name the platform derives must pass Azure's rules for its resource type."""
    try:
        PlatformNames.derive(Naming(prefix=prefix, environment=environment, suffix=suffix))
    except NamingError as err:
        return [Issue("prefix", prefix, str(err))]
    return []
