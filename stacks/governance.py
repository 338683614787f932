"""`<env>-governance` (optional, `governance.enabled`): Purview, private and reading the lake.

azurerm: a Purview account with public access off and a user-assigned identity, its private
endpoints (account, portal, and its managed ingestion storage and Event Hub), Storage Blob Data
Reader on the lake. Databricks (account level): that identity as a service principal assigned to
the workspace; the unity-catalog stack grants it read access. What a Unity Catalog scan still
needs by hand is in docs/governance.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from components.governance import (
    DatabricksReader,
    DatabricksReaderProps,
    Purview,
    PurviewEndpointNames,
    PurviewProps,
)
from platform_config import PlatformConfig
from stacks import providers
from stacks.base import EnvironmentStack

if TYPE_CHECKING:
    from stacks.databricks import DatabricksOutputs
    from stacks.network import NetworkOutputs
    from stacks.platform import PlatformOutputs


@dataclass(frozen=True, kw_only=True)
class GovernanceOutputs:
    """What `<env>-governance` publishes."""

    purview_account_id: str
    purview_client_id: str
    """The application (client) id of Purview's identity: its Unity Catalog grant principal."""


class GovernanceStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        network: NetworkOutputs,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
    ):
        super().__init__(scope, "governance", config=config)
        network = self.read(network)
        platform = self.read(platform)
        databricks = self.read(databricks)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        assert config.databricks.account_id is not None  # enforced by platform_config.checks
        account = providers.databricks_account(self, account_id=config.databricks.account_id)
        names = self.names
        zones = {
            purpose: zone_id
            for purpose, zone_id in vars(network.private_dns_zone_ids).items()
            if zone_id is not None
        }
        purview = Purview(
            self,
            "purview",
            props=PurviewProps(
                name=names.purview,
                identity_name=names.purview_identity,
                managed_resource_group_name=names.purview_managed_resource_group,
                placement=self.placement,
                subnet_id=network.private_endpoint_subnet_id,
                zone_ids=zones,
                endpoint_names=PurviewEndpointNames(
                    account=names.pep_purview_account,
                    portal=names.pep_purview_portal,
                    blob=names.pep_purview_blob,
                    queue=names.pep_purview_queue,
                    namespace=names.pep_purview_namespace,
                ),
                ingestion_endpoints=config.governance.ingestion_private_endpoints,
                lake_storage_account_id=platform.lake.storage_account_id,
                log_analytics_workspace_id=platform.log_analytics_workspace_id,
            ),
        )
        DatabricksReader(
            self,
            "databricks-reader",
            props=DatabricksReaderProps(
                display_name=names.purview,
                application_id=purview.client_id,
                workspace_id=databricks.workspace_id,
                account_provider=account,
            ),
        )
        self.outputs = self.publish(
            GovernanceOutputs(
                purview_account_id=purview.purview_account_id, purview_client_id=purview.client_id
            )
        )
