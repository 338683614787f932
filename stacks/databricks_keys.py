"""`<env>-databricks-keys` (with `encryption.customer_managed_keys`): the workspace's own
identities granted their keys, and the DBFS root encrypted with its key.

azurerm: Key Vault Crypto Service Encryption User for the disk encryption set and for the
workspace storage account on their keys, then the root DBFS key. Both identities exist only once
the workspace has been applied with its keys, so they are read here, from the databricks stack's
state, after that apply: on a first deploy as on the upgrade that turns keys on, each stack plans
and applies once (docs/deployment.md, "Customer-managed keys on a deployed environment").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from components.databricks import WorkspaceKeyGrants, WorkspaceKeyGrantsProps, WorkspaceKeys
from platform_config import PlatformConfig
from stacks import providers
from stacks.base import EnvironmentStack

if TYPE_CHECKING:
    from stacks.databricks import DatabricksOutputs
    from stacks.platform import PlatformOutputs


@dataclass(frozen=True, kw_only=True)
class DatabricksKeysOutputs:
    """What `<env>-databricks-keys` publishes."""

    dbfs_root_key_id: str
    """The root DBFS key resource (the workspace's ARM id: the key is set on the workspace)."""


class DatabricksKeysStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
    ):
        super().__init__(scope, "databricks-keys", config=config)
        platform = self.read(platform)
        databricks = self.read(databricks)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        if (
            not platform.customer_managed_keys
            or databricks.workspace_disks_principal_id is None
            or databricks.workspace_storage_principal_id is None
        ):
            raise ValueError(
                "the databricks-keys stack needs encryption.customer_managed_keys: the platform's "
                "keys and the workspace's key identities"
            )
        grants = WorkspaceKeyGrants(
            self,
            "workspace",
            props=WorkspaceKeyGrantsProps(
                workspace_resource_id=databricks.workspace_resource_id,
                keys=WorkspaceKeys.of(platform.customer_managed_keys),
                disk_identity_principal_id=databricks.workspace_disks_principal_id,
                storage_identity_principal_id=databricks.workspace_storage_principal_id,
            ),
        )
        self.outputs = self.publish(DatabricksKeysOutputs(dbfs_root_key_id=grants.dbfs_root_key.id))
