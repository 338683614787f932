"""A Key Vault with RBAC, purge protection and no public access, behind a private endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from constructs import Construct

from components.monitoring import Diagnostics, DiagnosticsProps
from components.private_endpoint import PrivateLink, PrivateLinkProps
from platform_config.azure_rules import key_vault_name_problem


@dataclass(frozen=True, kw_only=True)
class PrivateKeyVaultProps:
    name: str
    """3-24 letters, digits and hyphens; globally unique."""
    resource_group_name: str
    location: str
    tenant_id: str
    sku_name: str = "standard"
    """standard or premium (HSM-backed keys). Default: standard."""
    soft_delete_retention_days: int = 90
    """7-90 days. Default: 90."""
    private_endpoint_subnet_id: str
    private_endpoint_name: str
    private_dns_zone_id: str
    log_analytics_workspace_id: str
    tags: dict[str, str] = field(default_factory=dict)


class PrivateKeyVault(Construct):
    def __init__(self, scope: Construct, id_: str, *, props: PrivateKeyVaultProps):
        super().__init__(scope, id_)
        problem = key_vault_name_problem(props.name)
        if problem:
            raise ValueError(f"name: {problem}")
        if props.sku_name not in ("standard", "premium"):
            raise ValueError(f"sku_name must be standard or premium; got {props.sku_name!r}")
        if not 7 <= props.soft_delete_retention_days <= 90:
            raise ValueError(
                f"soft_delete_retention_days must be 7-90; got {props.soft_delete_retention_days}"
            )
        self.vault = KeyVault(
            self,
            "vault",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tenant_id=props.tenant_id,
            sku_name=props.sku_name,
            rbac_authorization_enabled=True,
            purge_protection_enabled=True,
            soft_delete_retention_days=props.soft_delete_retention_days,
            public_network_access_enabled=False,
            network_acls=KeyVaultNetworkAcls(default_action="Deny", bypass="AzureServices"),
            tags=props.tags,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        PrivateLink(
            self,
            "private-endpoint",
            props=PrivateLinkProps(
                name=props.private_endpoint_name,
                resource_group_name=props.resource_group_name,
                location=props.location,
                subnet_id=props.private_endpoint_subnet_id,
                target_resource_id=self.vault.id,
                subresource="vault",
                private_dns_zone_id=props.private_dns_zone_id,
                tags=props.tags,
            ),
        )
        Diagnostics(
            self,
            "diagnostics",
            props=DiagnosticsProps(
                target_resource_id=self.vault.id,
                log_analytics_workspace_id=props.log_analytics_workspace_id,
            ),
        )
        self.key_vault_id: str = self.vault.id
        self.key_vault_uri: str = self.vault.vault_uri
        self.key_vault_name: str = self.vault.name
