"""An account scope's file (`config/accounts/<account>.yaml`): what environments share in a
Databricks account."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from platform_config.model.base import (
    AzureRegion,
    EnvironmentName,
    Guid,
    PrincipalName,
    UcName,
    _Model,
    _pattern,
)
from platform_config.model.operations import LocalState, StateBackend
from vocabulary import egress
from vocabulary.egress import NetworkPolicyEnforcement


class AccountGroup(_Model):
    name: PrincipalName = Field(description="Display name of the account-level group.")
    entra_object_id: Guid | None = Field(
        default=None,
        description="The Entra ID group's object id: adopted (SCIM may have provisioned it), "
        "not duplicated. Default: a Databricks group is created.",
    )


class AccountServicePrincipal(_Model):
    name: PrincipalName = Field(description="Display name.")
    application_id: Guid = Field(description="The Entra application (client) id.")


class NetworkConnectivityConfig(_Model):
    name: Annotated[
        str, _pattern(r"[a-z0-9][a-z0-9-]{2,29}", "3-30 lowercase letters, digits and hyphens")
    ] = Field(description="Its name; environments refer to it by name.")
    region: AzureRegion = Field(description="Azure region: it serves workspaces of that region.")


def _fqdn(value: str) -> str:
    problem = egress.fqdn_problem(value)
    if problem is None and value.startswith("*."):
        problem = "must be one host name: a network policy's DNS_NAME destination takes no *."
    if problem:
        raise ValueError(problem)
    return value


class NetworkPolicyConfig(_Model):
    """A serverless egress policy in restricted mode: serverless compute of the workspaces bound
    to it reaches only these destinations, Unity Catalog's locations and connections (which the
    service allows on its own), and Databricks itself ("What is serverless egress control?",
    Azure Databricks docs)."""

    name: Annotated[
        str,
        _pattern(
            egress.NETWORK_POLICY_ID.pattern,
            "1-32 letters, digits, underscores, periods, hyphens",
        ),
    ] = Field(description="Its id; environments bind to it by name (databricks.network_policy).")
    allowed_fqdns: tuple[Annotated[str, AfterValidator(_fqdn)], ...] = Field(
        default=(),
        description="Host names serverless compute may reach: each bound environment's package "
        "index and network.allowed_fqdns (a config check says which are missing). Default: "
        "none.",
    )
    allowed_storage_accounts: tuple[
        Annotated[str, _pattern(r"[a-z0-9]{3,24}", "a storage account name")], ...
    ] = Field(
        default=(),
        description="Storage accounts serverless compute may reach (dfs and blob): each bound "
        "environment's lake, through its network connectivity configuration's private "
        "endpoints. Default: none.",
    )
    enforcement: NetworkPolicyEnforcement = Field(
        default="enforced",
        description="enforced: denials block; dry_run: they are only logged (system.access."
        "outbound_network), to try a policy before enforcing it. Default: enforced.",
    )


class BudgetPolicyConfig(_Model):
    """A serverless budget policy: the tags its users' serverless usage carries in billing
    records, so that a budget can follow it (databricks_budget_policy, account level)."""

    name: Annotated[
        str,
        _pattern(r"(?!databricks:)[ -~]{1,127}", "1-127 printable characters, not databricks:..."),
    ] = Field(description="The policy's name, unique among the account's active policies.")
    tags: dict[
        Annotated[str, _pattern(r"(?!budget-policy-)[A-Za-z0-9_.:/=+@ -]{1,127}", "a tag key")],
        str,
    ] = Field(
        description="Custom tags (at most 20) written on its serverless usage; not "
        "budget-policy-name, -id or -resolution-result (Databricks keeps those)."
    )


class AccountMetastoreConfig(_Model):
    name: UcName = Field(description="The metastore's name.")
    region: AzureRegion = Field(description="Azure region whose workspaces attach to it.")
    owner: PrincipalName = Field(description="The group that administers it (metastore admin).")


class AccountConfig(_Model):
    """The objects of one Databricks account that several environments share, each owned by
    exactly one state: the `<account>-account` stack (config/accounts/<account>.yaml)."""

    account: EnvironmentName = Field(
        description="Short name of the account scope (its stack is <account>-account); not an "
        "environment's name."
    )
    account_id: Guid = Field(description="The Databricks account id.")
    subscription_id: Guid = Field(
        description="Subscription of the state storage account (azurerm state backend)."
    )
    groups: tuple[AccountGroup, ...] = Field(
        default=(),
        description="Account groups shared by environments (they assign them to their "
        "workspaces with unity_catalog.account_groups).",
    )
    service_principals: tuple[AccountServicePrincipal, ...] = Field(
        default=(), description="Service principals shared by environments."
    )
    metastores: tuple[AccountMetastoreConfig, ...] = Field(
        default=(),
        description="Metastores this account scope creates, at most one per region (instead of "
        "the one Azure creates). Default: none.",
    )
    network_connectivity_configs: tuple[NetworkConnectivityConfig, ...] = Field(
        default=(),
        description="Network connectivity configurations (NCCs): serverless compute reaches "
        "private resources through their private endpoint rules. Workspaces of the region bind "
        "to one (databricks.network_connectivity_config). Default: none.",
    )
    network_policies: tuple[NetworkPolicyConfig, ...] = Field(
        default=(),
        description="Serverless egress policies (restricted access); workspaces bind to one "
        "(databricks.network_policy). Default: none.",
    )
    budget_policies: tuple[BudgetPolicyConfig, ...] = Field(
        default=(),
        description="Serverless budget policies: tags on serverless usage for cost "
        "attribution (docs/operations.md, budgets). Default: none.",
    )
    state: StateBackend = Field(
        default_factory=LocalState,
        description="Terraform state backend of the account stack. Default: local files.",
    )
