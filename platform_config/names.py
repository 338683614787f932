"""Every Azure name the platform uses, derived once from the configuration."""

from __future__ import annotations

from dataclasses import dataclass, fields

from platform_config.data_contract import LAKE_CONTAINERS
from platform_config.naming import Naming


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
