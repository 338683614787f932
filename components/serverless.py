"""Serverless compute's network: its path to a private lake (the workspace bound to the account
scope's network connectivity configuration, NCC, and the NCC's private endpoint rules to the
lake's dfs and blob: "Configure private connectivity from serverless compute", Azure Databricks
docs), and its egress (the workspace bound to an account scope's network policy, and the
policies themselves, which the account stack owns: "What is serverless egress control?")."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_databricks.account_network_policy import (
    AccountNetworkPolicy,
    AccountNetworkPolicyEgress,
    AccountNetworkPolicyEgressNetworkAccess,
    AccountNetworkPolicyEgressNetworkAccessAllowedInternetDestinations,
    AccountNetworkPolicyEgressNetworkAccessAllowedStorageDestinations,
    AccountNetworkPolicyEgressNetworkAccessPolicyEnforcement,
)
from cdktf_cdktf_provider_databricks.budget_policy import BudgetPolicy, BudgetPolicyCustomTags
from cdktf_cdktf_provider_databricks.data_databricks_mws_network_connectivity_config import (
    DataDatabricksMwsNetworkConnectivityConfig,
)
from cdktf_cdktf_provider_databricks.mws_ncc_binding import MwsNccBinding
from cdktf_cdktf_provider_databricks.mws_ncc_private_endpoint_rule import (
    MwsNccPrivateEndpointRule,
)
from cdktf_cdktf_provider_databricks.workspace_network_option import WorkspaceNetworkOption
from constructs import Construct

from vocabulary.egress import ENFORCEMENT_MODES, NETWORK_POLICY_MAX_DESTINATIONS
from vocabulary.platform import LAKE_SUBRESOURCES


@dataclass(frozen=True, kw_only=True)
class ServerlessLakeAccessProps:
    network_connectivity_config: str
    """The NCC's name (the account scope creates it, one per region)."""
    workspace_id: str
    storage_account_id: str
    """The lake: a rule per sub-resource, created pending on it."""
    account_provider: TerraformProvider


def serverless_lake_access(
    scope: Construct, props: ServerlessLakeAccessProps
) -> list[dict[str, str]]:
    """Creates the binding and the rules directly in `scope` (a stack: their addresses are the
    stack's own, `ncc`, `ncc-binding`, `ncc-lake-<dfs|blob>`); returns the pending private
    endpoints, {target_resource_id, private_endpoint_name}, for the deploy to approve."""
    account = props.account_provider
    ncc = DataDatabricksMwsNetworkConnectivityConfig(
        scope, "ncc", name=props.network_connectivity_config, provider=account
    )
    MwsNccBinding(
        scope,
        "ncc-binding",
        network_connectivity_config_id=ncc.network_connectivity_config_id,
        workspace_id=Token.as_number(props.workspace_id),
        provider=account,
    )
    approvals = []
    for subresource in LAKE_SUBRESOURCES:
        rule = MwsNccPrivateEndpointRule(
            scope,
            f"ncc-lake-{subresource}",
            network_connectivity_config_id=ncc.network_connectivity_config_id,
            resource_id=props.storage_account_id,
            group_id=subresource,
            provider=account,
        )
        approvals.append(
            {
                "target_resource_id": props.storage_account_id,
                "private_endpoint_name": rule.endpoint_name,
            }
        )
    return approvals


@dataclass(frozen=True, kw_only=True)
class NetworkPolicyProps:
    name: str
    """Its id (1-32 letters, digits, `_.-`); workspaces bind to it by it."""
    allowed_fqdns: tuple[str, ...]
    allowed_storage_accounts: tuple[str, ...]
    """Storage account names: dfs and blob of each are allowed."""
    enforcement: str
    """enforced or dry_run."""
    account_id: str
    """The Databricks account: provider 1.99.0 stores the API's account id after create, so
    the argument must hold it (databricks/terraform-provider-databricks#5477)."""
    account_provider: TerraformProvider


def network_policy(scope: Construct, id_: str, props: NetworkPolicyProps) -> AccountNetworkPolicy:
    """A restricted-access network policy (the account stack owns it; provider 1.99.0's
    resource_account_network_policy.go creates it with POST /api/2.0/accounts/{account_id}/
    network-policies, the id given)."""
    if props.enforcement not in ENFORCEMENT_MODES:
        raise ValueError(
            f"enforcement: {props.enforcement!r}; allowed: {', '.join(ENFORCEMENT_MODES)}"
        )
    wildcards = [f for f in props.allowed_fqdns if f.startswith("*.")]
    if wildcards:
        raise ValueError(f"allowed_fqdns: {wildcards} (a DNS_NAME destination is one host)")
    count = len(props.allowed_fqdns) + len(LAKE_SUBRESOURCES) * len(props.allowed_storage_accounts)
    if count > NETWORK_POLICY_MAX_DESTINATIONS:
        raise ValueError(f"{count} destinations; a policy holds {NETWORK_POLICY_MAX_DESTINATIONS}")
    return AccountNetworkPolicy(
        scope,
        id_,
        account_id=props.account_id,
        network_policy_id=props.name,
        egress=AccountNetworkPolicyEgress(
            network_access=AccountNetworkPolicyEgressNetworkAccess(
                restriction_mode="RESTRICTED_ACCESS",
                allowed_internet_destinations=[
                    AccountNetworkPolicyEgressNetworkAccessAllowedInternetDestinations(
                        destination=fqdn, internet_destination_type="DNS_NAME"
                    )
                    for fqdn in props.allowed_fqdns
                ]
                or None,
                allowed_storage_destinations=[
                    AccountNetworkPolicyEgressNetworkAccessAllowedStorageDestinations(
                        azure_storage_account=account,
                        azure_storage_service=service,
                        storage_destination_type="AZURE_STORAGE",
                    )
                    for account in props.allowed_storage_accounts
                    for service in LAKE_SUBRESOURCES
                ]
                or None,
                policy_enforcement=AccountNetworkPolicyEgressNetworkAccessPolicyEnforcement(
                    enforcement_mode=ENFORCEMENT_MODES[props.enforcement]
                ),
            )
        ),
        provider=props.account_provider,
    )


def serverless_egress_policy(
    scope: Construct, *, network_policy: str, workspace_id: str, account_provider: TerraformProvider
) -> WorkspaceNetworkOption:
    """Binds the workspace to the account scope's network policy `network_policy` (address
    `network-policy-binding`). The provider's delete does nothing (resource_workspace_network_
    option.go at v1.99.0): a workspace keeps its last policy when the binding leaves the state."""
    return WorkspaceNetworkOption(
        scope,
        "network-policy-binding",
        network_policy_id=network_policy,
        workspace_id=Token.as_number(workspace_id),
        provider=account_provider,
    )


BUDGET_POLICY_TAGS_MAX = 20
"""Custom tags per budget policy (databricks provider 1.99.0, docs/resources/budget_policy.md)."""


def budget_policy(
    scope: Construct,
    id_: str,
    *,
    name: str,
    tags: dict[str, str],
    account_provider: TerraformProvider,
) -> BudgetPolicy:
    """A serverless budget policy (account level): the tags its users' serverless usage
    carries in billing records."""
    if not tags or len(tags) > BUDGET_POLICY_TAGS_MAX:
        raise ValueError(f"tags: 1-{BUDGET_POLICY_TAGS_MAX} entries, got {len(tags)}")
    return BudgetPolicy(
        scope,
        id_,
        policy_name=name,
        custom_tags=[BudgetPolicyCustomTags(key=k, value=v) for k, v in sorted(tags.items())],
        provider=account_provider,
    )
