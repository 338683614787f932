"""`<account>-account`: what several environments of one Databricks account share, each object
owned by this one state (config/accounts/<account>.yaml): groups, service principals, and the
network connectivity configurations and network policies of serverless compute. Databricks
provider only (account level). Environments refer to these objects by name
(unity_catalog.account_groups, databricks.network_policy), so no
environment's state holds them and destroying an environment cannot delete them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cdktf import TerraformStack, Token
from cdktf_cdktf_provider_databricks.mws_network_connectivity_config import (
    MwsNetworkConnectivityConfig,
)
from constructs import Construct

from components.serverless import NetworkPolicyProps, budget_policy, network_policy
from components.unity_catalog import (
    AccountMetastore,
    AccountMetastoreProps,
    GroupSpec,
    ServicePrincipalSpec,
    SharedPrincipals,
    SharedPrincipalsProps,
)
from platform_config.model import AccountConfig
from stacks import contract, providers
from stacks.base import configure_state
from vocabulary.databricks import principal_key

KIND = "account"


def account_stack_id(account: AccountConfig) -> str:
    return f"{account.account}-{KIND}"


@dataclass(frozen=True, kw_only=True)
class AccountOutputs:
    """What `<account>-account` publishes (for people and tools: environments look the objects
    up by name, they read no state of this stack)."""

    principal_ids: Mapping[str, str]
    """Group or service principal name -> its account-level id."""


class AccountStack(TerraformStack):
    def __init__(self, scope: Construct, *, account: AccountConfig):
        super().__init__(scope, account_stack_id(account))
        self.account = account
        configure_state(
            self, account.state, key_prefix=KIND, subscription_id=account.subscription_id
        )
        provider = providers.databricks_account(self, account_id=account.account_id)
        shared = SharedPrincipals(
            self,
            "shared",
            props=SharedPrincipalsProps(
                groups=tuple(
                    GroupSpec(name=g.name, entra_object_id=g.entra_object_id)
                    for g in account.groups
                ),
                service_principals=tuple(
                    ServicePrincipalSpec(name=p.name, application_id=p.application_id)
                    for p in account.service_principals
                ),
                account_provider=provider,
            ),
        )
        for metastore in account.metastores:
            AccountMetastore(
                self,
                f"metastore-{metastore.region}",
                props=AccountMetastoreProps(
                    name=metastore.name,
                    region=metastore.region,
                    owner=metastore.owner,
                    account_provider=provider,
                ),
            )
        for ncc in account.network_connectivity_configs:
            MwsNetworkConnectivityConfig(
                self,
                f"ncc-{ncc.name}",
                name=ncc.name,
                region=ncc.region,
                provider=provider,
            )
        for policy in account.network_policies:
            network_policy(
                self,
                f"network-policy-{policy.name}",
                NetworkPolicyProps(
                    name=policy.name,
                    allowed_fqdns=policy.allowed_fqdns,
                    allowed_storage_accounts=policy.allowed_storage_accounts,
                    enforcement=policy.enforcement,
                    account_id=account.account_id,
                    account_provider=provider,
                ),
            )
        for budget in account.budget_policies:
            # Addressed by name (reordering the file moves nothing).
            budget_policy(
                self,
                "budget-policy-" + re.sub(r"[^a-z0-9_-]+", "-", budget.name.lower()),
                name=budget.name,
                tags=dict(budget.tags),
                account_provider=provider,
            )
        self.outputs = contract.publish(
            self,
            AccountOutputs(
                principal_ids=MappingProxyType(
                    {
                        principal_key(name): Token.as_string(value)
                        for name, value in shared.ids.items()
                    }
                )
            ),
        )
