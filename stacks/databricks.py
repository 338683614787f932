"""`<env>-databricks`: the Access Connector and the VNet-injected workspace, with its conf and IP
allow list (a workspace-level Databricks provider configured from the workspace it creates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from constructs import Construct

from components.databricks import (
    AccessConnector,
    AccessConnectorProps,
    EnhancedSecurity,
    Workspace,
    WorkspaceKeys,
    WorkspaceProps,
    WorkspaceStorageAccess,
)
from components.workspace_conf import WorkspaceConfAndAllowList, WorkspaceConfProps
from platform_config import PlatformConfig
from platform_config.data_contract import READ_ONLY_CONTAINERS
from stacks import providers
from stacks.base import EnvironmentStack
from vocabulary.azure import FILE_EVENTS_RESOURCE_PROVIDERS

if TYPE_CHECKING:
    from stacks.network import NetworkOutputs
    from stacks.platform import PlatformOutputs


FORMER_KEY_GRANTS: tuple[str, ...] = (
    "azurerm_role_assignment.workspace_disks-key-user_9C2467F1",
    "azurerm_role_assignment.workspace_storage-key-user_0D4B1ECC",
    "azurerm_databricks_workspace_root_dbfs_customer_managed_key.workspace_dbfs-root-key_8C4BC7A0",
)
"""Where 60e760b granted the workspace's key identities, in this stack; they moved to the
databricks-keys stack (the same names there). An environment first deployed with keys at that
release holds them here: they are forgotten, never deleted (a `removed` block: a deleted grant
would lock the disks out of their key), and imported into the new stack (docs/deployment.md,
"Customer-managed keys on a deployed environment"). Prod never had them: nothing to forget."""


@dataclass(frozen=True, kw_only=True)
class DatabricksOutputs:
    """What `<env>-databricks` publishes."""

    workspace_id: str
    """The workspace's numeric id (Unity Catalog's metastore assignment takes it)."""
    workspace_resource_id: str
    workspace_url: str
    """Host name, adb-<id>.<n>.azuredatabricks.net."""
    access_connector_id: str
    access_connector_principal_id: str
    pipeline_identity_id: str | None = None
    """The user-assigned identity Data Factory starts the lakehouse job with (with
    ingestion.source): a workspace service principal with CAN_MANAGE_RUN on the job."""
    pipeline_identity_client_id: str | None = None
    """Its application (client) id: the service principal's name in Databricks."""
    workspace_disks_principal_id: str | None = None
    """With customer-managed keys: the disk encryption set's identity, "" until the workspace
    has been applied with its keys (the databricks-keys stack grants it its key)."""
    workspace_storage_principal_id: str | None = None
    """With customer-managed keys: the workspace storage account's identity, likewise."""


class DatabricksStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        network: NetworkOutputs,
        platform: PlatformOutputs,
    ):
        super().__init__(scope, "databricks", config=config)
        network = self.read(network)
        platform = self.read(platform)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        names = self.names
        if config.unity_catalog.file_events:
            # Databricks creates the Event Grid subscriptions of file events in this subscription.
            self.extra_resource_providers = FILE_EVENTS_RESOURCE_PROVIDERS
        client = DataAzurermClientConfig(self, "current")
        containers = platform.lake.container_ids
        access_connector = AccessConnector(
            self,
            "access-connector",
            props=AccessConnectorProps(
                name=names.databricks_access_connector,
                placement=self.placement,
                storage_account_id=platform.lake.storage_account_id,
                data_container_ids={
                    name: cid
                    for name, cid in containers.items()
                    if name not in READ_ONLY_CONTAINERS
                },
                read_only_container_ids={
                    name: cid for name, cid in containers.items() if name in READ_ONLY_CONTAINERS
                },
                tenant_id=client.tenant_id,
            ),
        )
        if platform.customer_managed_keys:
            self.add_override(
                "removed",
                [{"from": a, "lifecycle": {"destroy": False}} for a in FORMER_KEY_GRANTS],
            )
        subnets = network.databricks_subnets
        hardening = config.workloads.hardening
        workspace = Workspace(
            self,
            "workspace",
            props=WorkspaceProps(
                name=names.databricks_workspace,
                placement=self.placement,
                managed_resource_group_name=names.databricks_managed_resource_group,
                virtual_network_id=network.virtual_network_id,
                host_subnet_name=subnets.host_subnet_name,
                container_subnet_name=subnets.container_subnet_name,
                host_nsg_association_id=subnets.host_nsg_association_id,
                container_nsg_association_id=subnets.container_nsg_association_id,
                private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                ui_api_private_endpoint_name=names.pep_databricks_ui_api,
                browser_authentication_private_endpoint_name=names.pep_databricks_browser_auth,
                databricks_private_dns_zone_id=network.private_dns_zone_ids.databricks,
                log_analytics_workspace_id=platform.log_analytics_workspace_id,
                sku=config.skus.databricks,
                public_network_access=config.databricks.public_network_access,
                browser_authentication_endpoint=(
                    config.databricks.browser_authentication_private_endpoint
                ),
                private_storage=WorkspaceStorageAccess(
                    access_connector_id=access_connector.access_connector_id,
                    subscription_id=config.subscription_id,
                    dfs_private_endpoint_name=names.pep_databricks_storage_dfs,
                    blob_private_endpoint_name=names.pep_databricks_storage_blob,
                    dfs_private_dns_zone_id=network.private_dns_zone_ids.dfs,
                    blob_private_dns_zone_id=network.private_dns_zone_ids.blob,
                    firewall=config.databricks.has_storage_firewall,
                )
                if config.databricks.has_private_storage
                else None,
                keys=self._workspace_keys(platform),
                enhanced_security=EnhancedSecurity(
                    monitoring=hardening.enhanced_security_monitoring,
                    automatic_cluster_update=hardening.automatic_cluster_update,
                    compliance_standards=hardening.compliance_security_profile,
                ),
            ),
        )
        self._workspace_conf(workspace, network)
        pipeline_identity = (
            UserAssignedIdentity(
                self,
                "pipeline-identity",
                name=names.pipeline_identity,
                resource_group_name=config.resource_group,
                location=config.location,
                tags=self.tags,
            )
            if config.ingestion.source is not None
            else None
        )
        self.outputs = self.publish(
            DatabricksOutputs(
                workspace_id=workspace.workspace_id,
                workspace_resource_id=workspace.workspace_resource_id,
                workspace_url=workspace.workspace_url,
                access_connector_id=access_connector.access_connector_id,
                access_connector_principal_id=access_connector.principal_id,
                pipeline_identity_id=pipeline_identity.id if pipeline_identity else None,
                pipeline_identity_client_id=pipeline_identity.client_id
                if pipeline_identity
                else None,
                workspace_disks_principal_id=workspace.disk_identity_principal_id,
                workspace_storage_principal_id=workspace.storage_identity_principal_id,
            )
        )

    def _workspace_conf(self, workspace: Workspace, network: NetworkOutputs) -> None:
        """The conf (hardening keys, IP access lists) and the allow list, set in the apply that
        creates the workspace, through a workspace-level provider configured from it: the
        provider authenticates lazily, at its first call, once the workspace exists (the
        provider's guide "Provisioning Azure Databricks", "Provider configuration"). A private
        workspace is reached through its UI/API private endpoint: the conf waits for it."""
        config = self.config
        public = config.databricks.public_network_access
        allow = config.workloads.ip_access.allow if public else ()
        props = WorkspaceConfProps(
            ip_access_allow=allow,
            # Its clusters reach the control plane from the NAT gateway's address: a public
            # workspace has no back-end Private Link (network_security_group_rules_required).
            egress_addresses=(network.egress_public_ip,)
            if allow and network.egress_public_ip
            else (),
            conf=config.workloads.hardening.workspace_conf(),
            reachable_after=()
            if public
            else (workspace.private_endpoints["databricks_ui_api"].endpoint,),
        )
        # Declared even with nothing to set: a conf or list dropped from the config is then
        # deleted through this workspace's provider, not through an unconfigured one.
        providers.databricks_workspace(
            self,
            workspace_url=workspace.workspace_url,
            workspace_resource_id=workspace.workspace_resource_id,
        )
        WorkspaceConfAndAllowList(self, "workspace-conf", props=props)

    @staticmethod
    def _workspace_keys(platform: PlatformOutputs) -> WorkspaceKeys | None:
        keys = platform.customer_managed_keys
        return WorkspaceKeys.of(keys) if keys else None
