"""A Key Vault with purge protection and no public access, behind a private endpoint; who writes
and who reads its secrets (Azure RBAC roles, or access policies where a service needs them)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktf_cdktf_provider_azurerm.key_vault_access_policy import KeyVaultAccessPolicyA
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from components.placement import Placement
from components.private_endpoint import (
    DEFAULT_ID,
    EndpointSpec,
    PrivateAccess,
    PrivateAccessProps,
)
from vocabulary.azure import (
    DEFAULT_KEY_VAULT_SKU,
    KEY_VAULT_SKUS,
    KEY_VAULT_SOFT_DELETE_DAYS,
    check_allowed,
    check_range,
    is_guid,
    key_vault_name_problem,
)

# Secret permissions of an access policy (the access-policy model's counterparts of the
# Key Vault Secrets Officer and Key Vault Secrets User roles).
WRITER_SECRET_PERMISSIONS = ("Get", "List", "Set", "Delete", "Recover")
READER_SECRET_PERMISSIONS = ("Get", "List")


@dataclass(frozen=True, kw_only=True)
class PrivateKeyVaultProps:
    name: str
    """3-24 letters, digits and hyphens; globally unique."""
    placement: Placement
    tenant_id: str
    sku_name: str = DEFAULT_KEY_VAULT_SKU
    """standard or premium (HSM-backed keys). Default: standard."""
    soft_delete_retention_days: int = 90
    """7-90 days. Default: 90."""
    private_endpoint_subnet_id: str
    private_endpoint_name: str
    private_dns_zone_id: str
    log_analytics_workspace_id: str
    secret_writers: tuple[str, ...] = ()
    """Object ids (Entra) that write secrets: Key Vault Secrets Officer, or an access policy
    with set and delete. Default: none."""
    access_policy_readers: tuple[str, ...] = ()
    """Object ids read through access policies (get, list): setting any switches the vault to
    the access-policy model, which Databricks' Key-Vault-backed secret scopes need. Default:
    none: the vault uses Azure RBAC."""


class PrivateKeyVault(Construct):
    def __init__(self, scope: Construct, id_: str, *, props: PrivateKeyVaultProps):
        super().__init__(scope, id_)
        problem = key_vault_name_problem(props.name)
        if problem:
            raise ValueError(f"name: {problem}")
        check_allowed("sku_name", props.sku_name, KEY_VAULT_SKUS)
        check_range(
            "soft_delete_retention_days",
            props.soft_delete_retention_days,
            KEY_VAULT_SOFT_DELETE_DAYS,
            "days",
        )
        for object_id in (*props.secret_writers, *props.access_policy_readers):
            if not is_guid(object_id):
                raise ValueError(f"{object_id!r} is not an Entra object id (a GUID)")
        placement = props.placement
        rbac = not props.access_policy_readers
        self.vault = KeyVault(
            self,
            "vault",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            tenant_id=props.tenant_id,
            sku_name=props.sku_name,
            rbac_authorization_enabled=rbac,
            purge_protection_enabled=True,
            soft_delete_retention_days=props.soft_delete_retention_days,
            public_network_access_enabled=False,
            network_acls=KeyVaultNetworkAcls(default_action="Deny", bypass="AzureServices"),
            tags=placement.tag_map(),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        access = PrivateAccess(
            self,
            DEFAULT_ID,
            props=PrivateAccessProps(
                placement=placement,
                target_resource_id=self.vault.id,
                subnet_id=props.private_endpoint_subnet_id,
                endpoints=(
                    EndpointSpec(
                        id="private-endpoint",
                        name=props.private_endpoint_name,
                        subresource="vault",
                        private_dns_zone_id=props.private_dns_zone_id,
                    ),
                ),
                log_analytics_workspace_id=props.log_analytics_workspace_id,
            ),
        )
        for object_id in props.secret_writers:
            if rbac:
                RoleAssignment(
                    self,
                    f"secrets-officer-{object_id}",
                    scope=self.vault.id,
                    role_definition_name="Key Vault Secrets Officer",
                    principal_id=object_id,
                )
            else:
                self._access_policy(f"writer-{object_id}", object_id, WRITER_SECRET_PERMISSIONS)
        for object_id in props.access_policy_readers:
            self._access_policy(f"reader-{object_id}", object_id, READER_SECRET_PERMISSIONS)
        self.private_endpoint = access.endpoints["vault"].endpoint
        """Data-plane calls from the runner (keys, secrets) wait for it: until its DNS record
        exists the vault's name resolves to its public address, which refuses them."""
        self.key_vault_id: str = self.vault.id
        self.key_vault_uri: str = self.vault.vault_uri
        self.key_vault_name: str = self.vault.name

    def _access_policy(self, id_: str, object_id: str, permissions: tuple[str, ...]) -> None:
        KeyVaultAccessPolicyA(
            self,
            id_,
            key_vault_id=self.vault.id,
            tenant_id=self.vault.tenant_id,
            object_id=object_id,
            secret_permissions=list(permissions),
        )
