"""`<env>-platform`: the lake, Key Vaults, Log Analytics and resource provider registrations."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.resource_provider_registration import (
    ResourceProviderRegistration,
)
from constructs import Construct

from components.data_lake import DataLake, DataLakeProps
from components.key_vault import PrivateKeyVault, PrivateKeyVaultProps
from components.monitoring import LogAnalytics, LogAnalyticsProps
from platform_config import PlatformConfig
from stacks.base import AzureStack
from stacks.network import NetworkStack

RESOURCE_PROVIDERS: tuple[str, ...] = (
    "Microsoft.Databricks",
    "Microsoft.DataFactory",
    "Microsoft.Purview",
    "Microsoft.Storage",
    "Microsoft.KeyVault",
)


class PlatformStack(AzureStack):
    def __init__(self, scope: Construct, *, config: PlatformConfig, network: NetworkStack):
        super().__init__(scope, "platform", config=config)
        names = self.names
        if config.register_resource_providers:
            for namespace in RESOURCE_PROVIDERS:
                ResourceProviderRegistration(
                    self, f"provider-{namespace.split('.')[-1].lower()}", name=namespace
                )
        client = DataAzurermClientConfig(self, "current")

        self.log_analytics = LogAnalytics(
            self,
            "log-analytics",
            props=LogAnalyticsProps(
                name=names.log_analytics,
                resource_group_name=config.resource_group,
                location=config.location,
                retention_in_days=config.monitoring.log_retention_days,
                tags=self.tags,
            ),
        )
        workspace_id = self.log_analytics.workspace_id
        zones = network.private_dns_zone_ids

        self.lake = DataLake(
            self,
            "lake",
            props=DataLakeProps(
                name=names.storage_lake,
                resource_group_name=config.resource_group,
                location=config.location,
                replication_type=config.skus.storage_replication,
                private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                dfs_private_dns_zone_id=zones["dfs"],
                blob_private_dns_zone_id=zones["blob"],
                private_endpoint_name_prefix=f"{names.private_endpoint_prefix}-lake",
                log_analytics_workspace_id=workspace_id,
                tags=self.tags,
            ),
        )
        self.key_vaults: dict[str, PrivateKeyVault] = {}
        for purpose, name in (
            ("platform", names.key_vault_platform),
            ("databricks", names.key_vault_databricks),
        ):
            self.key_vaults[purpose] = PrivateKeyVault(
                self,
                f"key-vault-{purpose}",
                props=PrivateKeyVaultProps(
                    name=name,
                    resource_group_name=config.resource_group,
                    location=config.location,
                    tenant_id=client.tenant_id,
                    sku_name=config.skus.key_vault,
                    private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                    private_endpoint_name=f"{names.private_endpoint_prefix}-kv-{purpose}",
                    private_dns_zone_id=zones["vault"],
                    log_analytics_workspace_id=workspace_id,
                    tags=self.tags,
                ),
            )
