"""One place that derives every name: prefix + environment + purpose, CAF abbreviations, and
`PlatformNames`, every name an environment's resources take (config defaults included).

`Naming(prefix="mdp", environment="dev").name("kv", "dbx")` -> ``kv-mdp-dev-dbx``.
Storage accounts take no hyphens: ``st`` + prefix + environment + purpose + suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from platform_config.data_contract import LAKE_CONTAINERS
from vocabulary import azure

# Cloud Adoption Framework abbreviations, with each resource type's own name rules.
# (max length, allowed characters, hyphen separated)
_RULES: dict[str, tuple[int, str, bool]] = {
    "rg": (90, r"[a-zA-Z0-9._()-]", True),
    "vnet": (64, r"[a-zA-Z0-9._-]", True),
    "snet": (80, r"[a-zA-Z0-9._-]", True),
    "nsg": (80, r"[a-zA-Z0-9._-]", True),
    "st": (24, r"[a-z0-9]", False),
    "kv": (24, r"[a-zA-Z0-9-]", True),
    "dbw": (64, r"[a-zA-Z0-9_-]", True),
    "dbac": (64, r"[a-zA-Z0-9_-]", True),
    "adf": (63, r"[a-zA-Z0-9-]", True),
    "pview": (63, r"[a-zA-Z0-9-]", True),
    "log": (63, r"[a-zA-Z0-9-]", True),
    "pep": (80, r"[a-zA-Z0-9._-]", True),
    "ng": (80, r"[a-zA-Z0-9._-]", True),
    "pip": (80, r"[a-zA-Z0-9._-]", True),
    "afw": (56, r"[a-zA-Z0-9._-]", True),
    "afwp": (80, r"[a-zA-Z0-9._-]", True),
    "rt": (80, r"[a-zA-Z0-9._-]", True),
    "ag": (260, r"[a-zA-Z0-9._-]", True),
    "alert": (260, r"[a-zA-Z0-9._-]", True),
    "budget": (63, r"[a-zA-Z0-9_-]", True),
    "id": (128, r"[a-zA-Z0-9_-]", True),
    "cmk": (127, r"[a-zA-Z0-9-]", True),  # a Key Vault key
}
ABBREVIATIONS: tuple[str, ...] = tuple(_RULES)
# Unity Catalog securables outside any catalog ("Names", Databricks docs: no period, space or
# slash; at most 255 characters).
_UC_SECURABLE_RULE: tuple[int, str] = (255, r"[a-zA-Z0-9_-]")
_MIN_LENGTH = {"adf": 3, "log": 4, "pview": 3}
# Globally unique names have Azure rules of their own, shared with the config's validation.
_GLOBAL_NAME_RULES = {
    "st": azure.storage_account_name_problem,
    "kv": azure.key_vault_name_problem,
}


class NamingError(ValueError):
    """A derived name breaks its resource type's rules."""


@dataclass(frozen=True, kw_only=True)
class Naming:
    """Derives names for one environment.

    prefix: the workload's short name (lowercase letters and digits).
    environment: the environment's name (lowercase letters and digits).
    suffix: appended to globally unique names (storage accounts, Key Vaults).
        Default: none.
    """

    prefix: str
    environment: str
    suffix: str = ""

    def name(self, abbreviation: str, purpose: str = "", *, unique: bool = False) -> str:
        """The name of a resource of type `abbreviation` serving `purpose`.

        unique: add the suffix (storage accounts and Key Vaults are global names).
        """
        if abbreviation not in _RULES:
            raise NamingError(
                f"unknown resource abbreviation {abbreviation!r}; "
                f"allowed: {', '.join(ABBREVIATIONS)}"
            )
        max_length, allowed, hyphens = _RULES[abbreviation]
        parts = [abbreviation, self.prefix, self.environment, purpose]
        if unique or abbreviation == "st":
            parts.append(self.suffix)
        parts = [p for p in parts if p]
        name = "-".join(parts) if hyphens else "".join(parts).replace("-", "")
        self._check(abbreviation, name, max_length, allowed)
        return name

    def storage_account(self, purpose: str) -> str:
        return self.name("st", purpose)

    def key_vault(self, purpose: str) -> str:
        return self.name("kv", purpose, unique=True)

    def databricks_object(self, purpose: str = "") -> str:
        """<prefix>-<env>[-<purpose>]: a workspace object (cluster policy, job, secret scope)."""
        return "-".join(p for p in (self.prefix, self.environment, purpose) if p)

    def catalog(self) -> str:
        """<prefix>_<env>: the environment's catalog (unity_catalog.catalog's default)."""
        return f"{self.prefix}_{self.environment}"

    def admin_group(self) -> str:
        """The environment's admin group (unity_catalog.admin_group's default)."""
        return f"{self.prefix}-{self.environment}-platform-admins"

    def workspace_folder(self) -> str:
        """Where the notebooks and dbt go in the workspace (workloads.folder's default)."""
        return f"/Shared/{self.prefix}/{self.environment}"

    def key(self, purpose: str) -> str:
        """cmk-<prefix>-<env>-<purpose>: a customer-managed key in the platform's vault."""
        return self.name("cmk", purpose)

    def catalog_securable(self, purpose: str) -> str:
        """<prefix>-<env>-<purpose>: a Unity Catalog storage credential or external location.

        These live in the account's metastore, which environments may share, so the environment
        is part of the name. Databricks allows letters, digits, hyphens and underscores here
        (no periods, spaces or slashes), up to 255 characters.
        """
        name = "-".join(p for p in (self.prefix, self.environment, purpose) if p)
        self._check("uc", name, *_UC_SECURABLE_RULE)
        return name

    def private_endpoint(self, target: str, subresource: str) -> str:
        """pep-<prefix>-<env>-<target>-<subresource>, e.g. pep-mdp-dev-lake-dfs."""
        return self.name("pep", f"{target}-{subresource}")

    @staticmethod
    def _check(abbreviation: str, name: str, max_length: int, allowed: str) -> None:
        hint = ": shorten 'prefix', 'environment' or 'name_suffix'"
        global_rule = _GLOBAL_NAME_RULES.get(abbreviation)
        if global_rule is not None:
            problem = global_rule(name, hint=hint)
            if problem:
                raise NamingError(f"{abbreviation} name: {problem} (it is {len(name)} characters)")
            return
        min_length = _MIN_LENGTH.get(abbreviation, 1)
        if not min_length <= len(name) <= max_length:
            raise NamingError(
                f"{abbreviation} name {name!r} is {len(name)} characters; allowed "
                f"{min_length}-{max_length}{hint}"
            )
        bad = sorted(set(re.sub(allowed, "", name)))
        if bad:
            raise NamingError(
                f"{abbreviation} name {name!r} contains {''.join(bad)!r}; allowed characters "
                f"match {allowed}"
            )


@dataclass(frozen=True, kw_only=True)
class PlatformNames:
    vnet: str
    subnet_databricks_host: str
    subnet_databricks_container: str
    subnet_private_endpoints: str
    nsg_databricks: str
    nsg_private_endpoints: str
    nat_gateway: str
    nat_public_ip: str
    firewall: str
    firewall_policy: str
    firewall_public_ip: str
    firewall_management_public_ip: str
    route_table: str
    action_group: str
    action_group_short: str
    """At most 12 characters: the e-mail and SMS subject's sender."""
    alert_prefix: str
    """alert-<prefix>-<env>: each alert is <alert_prefix>-<what>."""
    budget: str
    storage_lake: str
    key_vault_platform: str
    key_vault_databricks: str
    log_analytics: str
    databricks_workspace: str
    databricks_managed_resource_group: str
    databricks_access_connector: str
    pep_lake_dfs: str
    pep_lake_blob: str
    pep_key_vault_platform: str
    pep_key_vault_databricks: str
    pep_databricks_ui_api: str
    pep_databricks_browser_auth: str
    pep_databricks_storage_dfs: str
    pep_databricks_storage_blob: str
    data_factory: str
    """Globally unique, so it carries the suffix."""
    pipeline_identity: str
    """The identity Data Factory starts the lakehouse job with (a workspace service principal)."""
    data_factory_key_identity: str
    """The identity Data Factory unwraps its customer-managed key with."""
    lake_key_identity: str
    """The identity the lake unwraps its customer-managed key with."""
    key_lake: str
    key_databricks_services: str
    key_databricks_disks: str
    key_databricks_storage: str
    key_data_factory: str
    purview: str
    """Globally unique, so it carries the suffix."""
    purview_managed_resource_group: str
    purview_identity: str
    pep_purview_account: str
    pep_purview_portal: str
    pep_purview_blob: str
    pep_purview_queue: str
    pep_purview_namespace: str
    uc_storage_credential: str
    """The lake's storage credential in the metastore (shared by environments: named per env)."""
    uc_external_locations: tuple[tuple[str, str], ...]
    """(container, external location name) for each lake container."""
    databricks_objects: str
    """<prefix>-<env>: the default secret scope's name."""
    lakehouse: str
    """<prefix>-<env>-lakehouse: the cluster policy and the job."""
    shared_cluster: str
    """<prefix>-<env>-shared: the interactive cluster (workloads.cluster)."""
    sql_warehouse: str
    """<prefix>-<env>-dbt: the SQL warehouse dbt runs on."""

    @classmethod
    def derive(cls, naming: Naming) -> PlatformNames:
        """Raises NamingError naming the first name that breaks its type's rules."""
        return cls(
            vnet=naming.name("vnet"),
            subnet_databricks_host=naming.name("snet", "dbw-host"),
            subnet_databricks_container=naming.name("snet", "dbw-container"),
            subnet_private_endpoints=naming.name("snet", "pep"),
            nsg_databricks=naming.name("nsg", "dbw"),
            nsg_private_endpoints=naming.name("nsg", "pep"),
            nat_gateway=naming.name("ng", "dbw"),
            nat_public_ip=naming.name("pip", "ng-dbw"),
            firewall=naming.name("afw", "dbw"),
            firewall_policy=naming.name("afwp", "dbw"),
            firewall_public_ip=naming.name("pip", "afw-dbw"),
            firewall_management_public_ip=naming.name("pip", "afw-dbw-mgmt"),
            route_table=naming.name("rt", "dbw"),
            action_group=naming.name("ag", "alerts"),
            action_group_short=f"{naming.prefix}-{naming.environment}"[:9] + "-ag",
            alert_prefix=naming.name("alert"),
            budget=naming.name("budget"),
            storage_lake=naming.storage_account("lake"),
            key_vault_platform=naming.key_vault("plat"),
            key_vault_databricks=naming.key_vault("dbw"),
            log_analytics=naming.name("log"),
            databricks_workspace=naming.name("dbw"),
            databricks_managed_resource_group=naming.name("rg", "dbw-managed"),
            databricks_access_connector=naming.name("dbac"),
            pep_lake_dfs=naming.private_endpoint("lake", "dfs"),
            pep_lake_blob=naming.private_endpoint("lake", "blob"),
            pep_key_vault_platform=naming.private_endpoint("kv", "platform"),
            pep_key_vault_databricks=naming.private_endpoint("kv", "databricks"),
            pep_databricks_ui_api=naming.private_endpoint("dbw", "ui-api"),
            pep_databricks_browser_auth=naming.private_endpoint("dbw", "browser-auth"),
            pep_databricks_storage_dfs=naming.private_endpoint("dbw", "storage-dfs"),
            pep_databricks_storage_blob=naming.private_endpoint("dbw", "storage-blob"),
            data_factory=naming.name("adf", unique=True),
            pipeline_identity=naming.name("id", "pipeline"),
            data_factory_key_identity=naming.name("id", "adf-cmk"),
            lake_key_identity=naming.name("id", "lake-cmk"),
            key_lake=naming.key("lake"),
            key_databricks_services=naming.key("dbw-services"),
            key_databricks_disks=naming.key("dbw-disks"),
            key_databricks_storage=naming.key("dbw-storage"),
            key_data_factory=naming.key("adf"),
            purview=naming.name("pview", unique=True),
            purview_managed_resource_group=naming.name("rg", "pview-managed"),
            purview_identity=naming.name("id", "pview"),
            pep_purview_account=naming.private_endpoint("pview", "account"),
            pep_purview_portal=naming.private_endpoint("pview", "portal"),
            pep_purview_blob=naming.private_endpoint("pview", "blob"),
            pep_purview_queue=naming.private_endpoint("pview", "queue"),
            pep_purview_namespace=naming.private_endpoint("pview", "namespace"),
            uc_storage_credential=naming.catalog_securable("lake"),
            uc_external_locations=tuple(
                (container, naming.catalog_securable(container)) for container in LAKE_CONTAINERS
            ),
            databricks_objects=naming.databricks_object(),
            lakehouse=naming.databricks_object("lakehouse"),
            shared_cluster=naming.databricks_object("shared"),
            sql_warehouse=naming.databricks_object("dbt"),
        )

    def items(self) -> list[tuple[str, str]]:
        """Every derived name, external locations under "uc_external_location_<container>"."""
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                pairs += [(f"uc_external_location_{key}", name) for key, name in value]
            else:
                pairs.append((f.name, value))
        return pairs
