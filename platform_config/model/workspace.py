"""`skus` and `databricks`: the SKUs and the workspace's own settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from platform_config.model.base import (
    Guid,
    _Model,
)
from vocabulary import azure
from vocabulary.azure import DatabricksSku, KeyVaultSku, ReplicationType


class Skus(_Model):
    storage_replication: ReplicationType = Field(
        default=azure.DEFAULT_REPLICATION,
        description="Replication of the data lake. A choice without geo-redundancy is accepted in"
        " the policy scan, naming this field.",
    )
    key_vault: KeyVaultSku = Field(
        default=azure.DEFAULT_KEY_VAULT_SKU, description="Key Vault SKU. Default: standard."
    )
    databricks: DatabricksSku = Field(
        default=azure.DEFAULT_DATABRICKS_SKU,
        description="Databricks SKU: premium only, as Unity Catalog, private link and secret ACLs"
        " need it.",
    )


class Databricks(_Model):
    public_network_access: bool = Field(
        default=False,
        description="true opens the workspace UI/API to the internet (NSG rules AllRules; then "
        "workloads.ip_access.allow is required); false is private link only "
        "(NoAzureDatabricksRules).",
    )
    browser_authentication_private_endpoint: bool = Field(
        default=True,
        description="Create the browser_authentication private endpoint. Azure wants exactly "
        "one per region and privatelink.azuredatabricks.net zone: among the shipped "
        "environments that share IT's zone in a region, exactly one creates it (a sandbox has "
        "its own zone, so it always does). Default: on.",
    )
    browser_authentication_provided_by_it: bool = Field(
        default=False,
        description="IT already runs the region's browser_authentication endpoint in its zone "
        "(e.g. for another team's workspace): no shipped environment creates one. IT mode only. "
        "Default: off.",
    )
    account_id: Guid | None = Field(
        default=None,
        description="The Databricks account id (Account console, user menu), for the account-"
        "level provider of the unity-catalog stack.",
        json_schema_extra={"required": "yes"},
    )
    network_connectivity_config: str | None = Field(
        default=None,
        description="Name of the account scope's network connectivity configuration "
        "(config/accounts/<account>.yaml) in this region; the workspace binds to it "
        "and its private endpoint rules let serverless compute reach the lake. "
        "Default: none.",
        json_schema_extra={"required": "with a serverless SQL warehouse"},
    )
    network_policy: str | None = Field(
        default=None,
        description="Name of the account scope's network policy (config/accounts/<account>.yaml"
        ", network_policies) that restricts this workspace's serverless egress: the unity-"
        "catalog stack binds the workspace to it. Default: none (the account's default-policy, "
        "full access unless an account admin changed it).",
    )
    azure_databricks_object_id: Guid | None = Field(
        default=None,
        description="Object id of the AzureDatabricks enterprise application in your tenant: `az "
        "ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --query id -o tsv`. A "
        "Key-Vault-backed secret scope gives it get and list on the Databricks vault; "
        "customer-managed keys give it wrap and unwrap on the workspace's managed services key.",
        json_schema_extra={
            "required": "with `workloads.secret_scope.enabled` or "
            "`encryption.customer_managed_keys.enabled`"
        },
    )
    private_workspace_storage: Literal[True, False, "endpoints"] | None = Field(
        default=None,
        description="Put the workspace's own storage account (DBFS root, in the managed "
        "resource group) behind its firewall, reached by the access connector and through dfs "
        "and blob private endpoints. `endpoints`: the endpoints only, the firewall still off: "
        "the first of two deploys that turn the firewall on for an existing workspace, whose "
        "classic compute would otherwise lose its storage until the endpoints exist "
        '(docs/deployment.md, "The workspace storage firewall on an existing workspace"). '
        "Default: on for a private workspace (public_network_access false), off otherwise.",
    )

    @property
    def has_private_storage(self) -> bool:
        """The workspace storage's endpoints exist (with its firewall on, or as the first step)."""
        if self.private_workspace_storage is None:
            return not self.public_network_access
        return self.private_workspace_storage is not False

    @property
    def has_storage_firewall(self) -> bool:
        """The workspace storage's firewall is on (its endpoints exist too)."""
        return self.has_private_storage and self.private_workspace_storage != "endpoints"
