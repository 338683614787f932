"""Providers, added by the stacks that need them (one helper per kind).

No credentials are set here: authentication comes from the environment, so `az login` on a
laptop and GitHub's OIDC variables in CI (ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID;
DATABRICKS_AUTH_TYPE=github-oidc-azure for the Databricks provider) both work unchanged.

The Databricks provider package is imported only by the helpers that add it, so stacks without
it never pay for loading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformStack
from cdktf_cdktf_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
    AzurermProviderFeaturesStorage,
)

from vocabulary.azure import ResourceId

if TYPE_CHECKING:
    from cdktf_cdktf_provider_databricks.provider import DatabricksProvider

DATABRICKS_ACCOUNTS_HOST = "https://accounts.azuredatabricks.net"


def _storage_data_plane_not_awaited() -> list[AzurermProviderFeaturesStorage]:
    """azurerm 4.x creates a storage account, then waits for its data plane to answer
    (storage_account_resource.go, the `dataPlaneAvailable` branch after `CreateThenPoll`;
    reads take the same path). With public network access off and the private endpoint not
    created yet, nothing can reach it: the account is tainted and its replacement refused
    (`prevent_destroy`). `data_plane_available = false` skips those calls; it excludes only
    `queue_properties` and `static_website`, which no stack sets (hashicorp/terraform-provider-
    azurerm#27818, "allow azurerm_storage_account to be used in Data Plane restrictive
    environments"). Rule `storage-data-plane-not-awaited`."""
    return [AzurermProviderFeaturesStorage(data_plane_available=False)]


def azurerm(stack: TerraformStack, *, subscription_id: str) -> AzurermProvider:
    """The stack's default azurerm provider for the environment's subscription."""
    return AzurermProvider(
        stack,
        "azurerm",
        subscription_id=subscription_id,
        storage_use_azuread=True,
        # The platform team holds rights on IT's resource group, not the subscription;
        # providers are registered explicitly (register_resource_providers) or by IT.
        resource_provider_registrations="none",
        features=[
            AzurermProviderFeatures(
                key_vault=[
                    AzurermProviderFeaturesKeyVault(
                        purge_soft_delete_on_destroy=False,
                        purge_soft_deleted_keys_on_destroy=False,
                        purge_soft_deleted_secrets_on_destroy=False,
                        purge_soft_deleted_certificates_on_destroy=False,
                        recover_soft_deleted_key_vaults=True,
                    )
                ],
                storage=_storage_data_plane_not_awaited(),
            )
        ],
    )


def azurerm_for(
    stack: TerraformStack, resource: ResourceId, *, alias: str, home_subscription_id: str
) -> AzurermProvider | None:
    """An aliased azurerm provider for the subscription a resource id names (IT's hub, say).

    None when it is the environment's own subscription: the default provider serves it.
    """
    if resource.subscription.lower() == home_subscription_id.lower():
        return None
    return AzurermProvider(
        stack,
        f"azurerm-{alias.replace('_', '-')}",
        alias=alias,
        subscription_id=resource.subscription,
        storage_use_azuread=True,
        resource_provider_registrations="none",
        features=[AzurermProviderFeatures(storage=_storage_data_plane_not_awaited())],
    )


def databricks_workspace(
    stack: TerraformStack,
    *,
    workspace_url: str,
    workspace_resource_id: str,
    alias: str | None = None,
) -> DatabricksProvider:
    """The Databricks workspace-level provider (Databricks provider 1.x: host + resource id).

    workspace_url: the workspace's host name (adb-<id>.<n>.azuredatabricks.net), usually the
    databricks stack's output. Azure authentication (CLI, OIDC, managed identity) is resolved
    through azure_workspace_resource_id.
    """
    from cdktf_cdktf_provider_databricks.provider import DatabricksProvider

    return DatabricksProvider(
        stack,
        f"databricks-{alias}" if alias else "databricks",
        alias=alias,
        host=f"https://{workspace_url}",
        azure_workspace_resource_id=workspace_resource_id,
    )


def databricks_account(
    stack: TerraformStack, *, account_id: str, alias: str = "account"
) -> DatabricksProvider:
    """The Databricks account-level provider (accounts.azuredatabricks.net + account id)."""
    from cdktf_cdktf_provider_databricks.provider import DatabricksProvider

    return DatabricksProvider(
        stack,
        f"databricks-{alias}",
        alias=alias,
        host=DATABRICKS_ACCOUNTS_HOST,
        account_id=account_id,
    )
