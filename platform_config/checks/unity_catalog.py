"""`unity_catalog`: the account, the metastore, the principals, the schemas and the grants."""

from __future__ import annotations

from collections import Counter

from platform_config.checks.issues import Issue, child_path
from platform_config.checks.registry import environment_check
from platform_config.model import (
    PlatformConfig,
)
from vocabulary import databricks


@environment_check
def the_account_is_named(config: PlatformConfig) -> list[Issue]:
    if config.databricks.account_id is None:
        return [
            Issue(
                "databricks.account_id",
                None,
                "required: the Databricks account id (Account "
                "console, user menu), for the account-level groups, principals and metastore",
            )
        ]
    return []


@environment_check
def the_metastore_is_the_region_s_or_given(config: PlatformConfig) -> list[Issue]:
    store = config.unity_catalog.metastore
    issues: list[Issue] = []
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
    return issues


def _declared(config: PlatformConfig) -> list[tuple[str, str]]:
    uc = config.unity_catalog
    declared = [(f"unity_catalog.groups[{i}].name", g.name) for i, g in enumerate(uc.groups)]
    declared += [
        (f"unity_catalog.account_groups[{i}].name", g.name) for i, g in enumerate(uc.account_groups)
    ]
    declared += [
        (f"unity_catalog.service_principals[{i}].name", p.name)
        for i, p in enumerate(uc.service_principals)
    ]
    declared += [
        (f"unity_catalog.users[{i}].user_name", u.user_name) for i, u in enumerate(uc.users)
    ]
    return declared


@environment_check
def principals_are_named_once(config: PlatformConfig) -> list[Issue]:
    declared = _declared(config)
    counts = Counter(name for _, name in declared)
    return [
        Issue(path, name, "names a principal twice (or the admin group)")
        for path, name in declared
        if counts[name] > 1 or name == config.admin_group_name
    ]


@environment_check
def each_layer_has_its_own_schema(config: PlatformConfig) -> list[Issue]:
    schemas = config.unity_catalog.schemas.model_dump()
    counts = Counter(schemas.values())
    return [
        Issue(f"unity_catalog.schemas.{layer}", name, "is used by two layers")
        for layer, name in schemas.items()
        if counts[name] > 1
    ]


@environment_check
def grants_name_principals_securables_and_privileges(config: PlatformConfig) -> list[Issue]:
    """Each grant names a principal of this config, a layer or lake container, and privileges
    that securable takes."""
    from platform_config.data_contract import LAKE_CONTAINERS, layers

    issues: list[Issue] = []
    known = {name for _, name in _declared(config)} | {config.admin_group_name}
    grants = config.unity_catalog.grants

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


@environment_check
def the_deployer_owns_what_it_creates(config: PlatformConfig) -> list[Issue]:
    """The identity that deploys the environment is a member of the admin group, which owns
    every Unity Catalog object the unity-catalog stack creates: once ownership passes to the
    group, only its members (or a metastore admin, which a region's auto-created metastore does
    not have) can create schemas, locations, bindings and grants under them ("Admin privileges
    in Unity Catalog", https://learn.microsoft.com/azure/databricks/data-governance/unity-
    catalog/manage-privileges/admin-privileges)."""
    uc = config.unity_catalog
    admins = [p.name for p in uc.service_principals if p.platform_admin]
    admins += [u.user_name for u in uc.users if u.platform_admin]
    declared = [p.name for p in uc.service_principals] + [u.user_name for u in uc.users]
    if uc.deployer is None:
        return [
            Issue(
                "unity_catalog.deployer",
                None,
                "required: who deploys this environment, a service principal's name or a "
                "user's user_name of this file"
                + (f"; its platform admins: {', '.join(admins)}" if admins else ""),
            )
        ]
    if uc.deployer not in declared:
        return [
            Issue(
                "unity_catalog.deployer",
                uc.deployer,
                "not a principal of this file: declare it in unity_catalog.service_principals "
                "(CI's identity) or unity_catalog.users (a person), with platform_admin: true",
            )
        ]
    if uc.deployer not in admins:
        field = next(path for path, name in _declared(config) if name == uc.deployer).rsplit(
            ".", 1
        )[0]
        return [
            Issue(
                f"{field}.platform_admin",
                False,
                f"the deployer {uc.deployer} must be a platform admin (a member of "
                f"{config.admin_group_name}, which owns what it creates)",
            )
        ]
    return []
