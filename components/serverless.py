"""Serverless compute's path to a private lake: the workspace bound to the account scope's
network connectivity configuration (NCC), and the NCC's private endpoint rules to the lake's dfs
and blob ("Configure private connectivity from serverless compute", Azure Databricks docs)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_databricks.data_databricks_mws_network_connectivity_config import (
    DataDatabricksMwsNetworkConnectivityConfig,
)
from cdktf_cdktf_provider_databricks.mws_ncc_binding import MwsNccBinding
from cdktf_cdktf_provider_databricks.mws_ncc_private_endpoint_rule import (
    MwsNccPrivateEndpointRule,
)
from constructs import Construct

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
