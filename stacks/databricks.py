"""`<env>-databricks`: the Access Connector and the VNet-injected workspace."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from constructs import Construct

from components.databricks import (
    AccessConnector,
    AccessConnectorProps,
    Workspace,
    WorkspaceProps,
)
from platform_config import PlatformConfig
from stacks.base import AzureStack
from stacks.network import NetworkStack
from stacks.platform import PlatformStack

# Data Factory writes landing; Databricks only reads it.
READ_ONLY_CONTAINERS = ("landing",)


class DatabricksStack(AzureStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        network: NetworkStack,
        platform: PlatformStack,
    ):
        super().__init__(scope, "databricks", config=config)
        names = self.names
        client = DataAzurermClientConfig(self, "current")
        lake = platform.lake
        self.access_connector = AccessConnector(
            self,
            "access-connector",
            props=AccessConnectorProps(
                name=names.databricks_access_connector,
                resource_group_name=config.resource_group,
                location=config.location,
                storage_account_id=lake.storage_account_id,
                data_container_ids={
                    name: cid
                    for name, cid in lake.container_ids.items()
                    if name not in READ_ONLY_CONTAINERS
                },
                read_only_container_ids={
                    name: cid
                    for name, cid in lake.container_ids.items()
                    if name in READ_ONLY_CONTAINERS
                },
                tenant_id=client.tenant_id,
                tags=self.tags,
            ),
        )
        subnets = network.databricks_subnets
        self.workspace = Workspace(
            self,
            "workspace",
            props=WorkspaceProps(
                name=names.databricks_workspace,
                resource_group_name=config.resource_group,
                location=config.location,
                managed_resource_group_name=names.databricks_managed_resource_group,
                virtual_network_id=network.virtual_network_id,
                host_subnet_name=subnets.host_subnet_name,
                container_subnet_name=subnets.container_subnet_name,
                host_nsg_association_id=subnets.host_nsg_association_id,
                container_nsg_association_id=subnets.container_nsg_association_id,
                private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                private_endpoint_name_prefix=f"{names.private_endpoint_prefix}-dbw",
                databricks_private_dns_zone_id=network.private_dns_zone_ids["databricks"],
                log_analytics_workspace_id=platform.log_analytics.workspace_id,
                sku=config.skus.databricks,
                public_network_access=config.databricks.public_network_access,
                browser_authentication_endpoint=(
                    config.databricks.browser_authentication_private_endpoint
                ),
                tags=self.tags,
            ),
        )
