"""The ADLS Gen2 account of the lakehouse: locked down, private endpoints, diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.key_vault_key import KeyVaultKey
from cdktf_cdktf_provider_azurerm.storage_account import (
    StorageAccount,
    StorageAccountBlobProperties,
    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy,
    StorageAccountBlobPropertiesDeleteRetentionPolicy,
    StorageAccountIdentity,
    StorageAccountNetworkRules,
    StorageAccountSasPolicy,
)
from cdktf_cdktf_provider_azurerm.storage_account_customer_managed_key import (
    StorageAccountCustomerManagedKeyA,
)
from cdktf_cdktf_provider_azurerm.storage_container import StorageContainer
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from constructs import Construct

from components.encryption import grant_key_use
from components.placement import Placement
from components.private_endpoint import (
    DEFAULT_ID,
    DiagnosticsSpec,
    EndpointSpec,
    PrivateAccess,
    PrivateAccessProps,
)
from policy import accept_finding
from vocabulary.azure import (
    BLOB_SOFT_DELETE_DAYS,
    DEFAULT_REPLICATION,
    GEO_REDUNDANT_REPLICATION,
    REPLICATION_TYPES,
    check_allowed,
    check_range,
    storage_account_name_problem,
)

__all__ = ["DataLake", "DataLakeProps"]


@dataclass(frozen=True, kw_only=True)
class DataLakeProps:
    name: str
    """Storage account name: 3-24 lowercase letters and digits, globally unique."""
    placement: Placement
    replication_type: str = DEFAULT_REPLICATION
    """One of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS. Default: ZRS."""
    containers: tuple[str, ...]
    """Its containers: the lake's layers and Unity Catalog's managed storage (the platform
    stack passes platform_config.data_contract.LAKE_CONTAINERS)."""
    soft_delete_days: int = 7
    """Blob and container soft-delete retention, 1-365 days. Default: 7."""
    private_endpoint_subnet_id: str
    dfs_private_dns_zone_id: str
    blob_private_dns_zone_id: str
    dfs_private_endpoint_name: str
    blob_private_endpoint_name: str
    log_analytics_workspace_id: str
    customer_managed_key: KeyVaultKey | None = None
    """Encrypt with this key (its vault needs purge protection), through a user-assigned
    identity made for it (key_identity_name). Default: Microsoft-managed keys."""
    key_identity_name: str | None = None
    """The key's identity's name; required with customer_managed_key."""


class DataLake(Construct):
    """An HNS storage account reachable only through private endpoints and Entra ID.

    The firewall starts at default Deny. Its rules are then owned by whoever declares an
    `azurerm_storage_account_network_rules` for this account (the databricks stack adds the
    Access Connector as a resource access rule), so this account ignores later changes to them.
    """

    def __init__(self, scope: Construct, id_: str, *, props: DataLakeProps):
        super().__init__(scope, id_)
        problem = storage_account_name_problem(props.name)
        if problem:
            raise ValueError(f"name: {problem}")
        check_allowed("replication_type", props.replication_type, REPLICATION_TYPES)
        check_range("soft_delete_days", props.soft_delete_days, BLOB_SOFT_DELETE_DAYS, "days")
        if not props.containers or len(set(props.containers)) != len(props.containers):
            raise ValueError(f"containers must be non-empty and unique; got {props.containers}")
        key = props.customer_managed_key
        if key is not None and not props.key_identity_name:
            raise ValueError("customer_managed_key needs key_identity_name")
        # A user-assigned identity, not the account's own: a system-assigned identity given to
        # an existing account by an update is planned with a null principal (terraform-plugin-
        # sdk v2: helper/schema/schema.go:1733-1744, unknowns on create only), so the grant
        # reading it in the same plan fails ("Missing required argument"). This identity is
        # created in the same apply and its principal is "known after apply" at plan, on a
        # first deploy as on the upgrade that turns keys on. Azure Storage takes either
        # ("Customer-managed keys for Azure Storage encryption": user-assigned identities).
        self.key_identity = (
            UserAssignedIdentity(
                self,
                "key-identity",
                name=props.key_identity_name,
                resource_group_name=props.placement.resource_group_name,
                location=props.placement.location,
                tags=props.placement.tag_map(),
            )
            if key is not None and props.key_identity_name
            else None
        )
        # The key is set by azurerm_storage_account_customer_managed_key below; the account's
        # own customer_managed_key block (user-assigned identities only) would undo it on every
        # apply, so the account ignores it (azurerm docs, storage_account_customer_managed_key).
        ignored = ["network_rules", *(["customer_managed_key"] if key is not None else [])]

        self.account = StorageAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=props.placement.resource_group_name,
            location=props.placement.location,
            account_kind="StorageV2",
            account_tier="Standard",
            account_replication_type=props.replication_type,
            is_hns_enabled=True,
            shared_access_key_enabled=False,
            default_to_oauth_authentication=True,
            public_network_access_enabled=False,
            allow_nested_items_to_be_public=False,
            https_traffic_only_enabled=True,
            min_tls_version="TLS1_2",
            infrastructure_encryption_enabled=True,
            cross_tenant_replication_enabled=False,
            local_user_enabled=False,
            sftp_enabled=False,
            allowed_copy_scope="PrivateLink",
            sas_policy=StorageAccountSasPolicy(
                expiration_period="00.01:00:00", expiration_action="Block"
            ),
            blob_properties=StorageAccountBlobProperties(
                delete_retention_policy=StorageAccountBlobPropertiesDeleteRetentionPolicy(
                    days=props.soft_delete_days
                ),
                container_delete_retention_policy=StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(
                    days=props.soft_delete_days
                ),
            ),
            network_rules=StorageAccountNetworkRules(
                default_action="Deny", bypass=["AzureServices"]
            ),
            identity=StorageAccountIdentity(
                type="UserAssigned", identity_ids=[self.key_identity.id]
            )
            if self.key_identity is not None
            else None,
            tags=props.placement.tag_map(),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True, ignore_changes=ignored),
        )
        if key is not None and self.key_identity is not None:
            self._customer_managed_key(key, self.key_identity)
        self.containers: dict[str, StorageContainer] = {
            name: StorageContainer(
                self,
                f"container-{name}",
                name=name,
                storage_account_id=self.account.id,
                container_access_type="private",
            )
            for name in props.containers
        }
        self._private_access(props)
        self._accept_findings(props)

        self.storage_account_id: str = self.account.id
        self.storage_account_name: str = self.account.name
        self.dfs_endpoint: str = self.account.primary_dfs_endpoint
        # Containers created by storage_account_id have their Resource Manager id as `id`,
        # the scope role assignments need.
        self.container_ids: dict[str, str] = {name: c.id for name, c in self.containers.items()}

    def _customer_managed_key(self, key: KeyVaultKey, identity: UserAssignedIdentity) -> None:
        """The key's identity holds the key, then the key is set through it."""
        key_user = grant_key_use(self, "key-user", key=key, principal_id=identity.principal_id)
        # Versionless (no key_version): Azure Storage moves to a new key version by itself
        # within a day of the rotation.
        self.customer_managed_key = StorageAccountCustomerManagedKeyA(
            self,
            "customer-managed-key",
            storage_account_id=self.account.id,
            key_vault_id=key.key_vault_id,
            key_name=key.name,
            user_assigned_identity_id=identity.id,
            depends_on=[key_user],
        )

    def _private_access(self, props: DataLakeProps) -> None:
        """dfs and blob endpoints, and diagnostics on the account and its blob and queue."""
        PrivateAccess(
            self,
            DEFAULT_ID,
            props=PrivateAccessProps(
                placement=props.placement,
                target_resource_id=self.account.id,
                subnet_id=props.private_endpoint_subnet_id,
                endpoints=(
                    EndpointSpec(
                        id="private-endpoint-dfs",
                        name=props.dfs_private_endpoint_name,
                        subresource="dfs",
                        private_dns_zone_id=props.dfs_private_dns_zone_id,
                    ),
                    EndpointSpec(
                        id="private-endpoint-blob",
                        name=props.blob_private_endpoint_name,
                        subresource="blob",
                        private_dns_zone_id=props.blob_private_dns_zone_id,
                    ),
                ),
                log_analytics_workspace_id=props.log_analytics_workspace_id,
                diagnostics=(
                    # The account itself only has metrics; logs live on its sub-services: blob
                    # (the lake's reads, writes and deletes) and queue (Unity Catalog's file
                    # events).
                    DiagnosticsSpec(
                        id="diagnostics-account", log_category_groups=(), metrics=("Transaction",)
                    ),
                    *(
                        DiagnosticsSpec(
                            id=f"diagnostics-{service}",
                            target_suffix=f"/{service}Services/default",
                            metrics=("Transaction",),
                        )
                        for service in ("blob", "queue")
                    ),
                ),
            ),
        )

    def _accept_findings(self, props: DataLakeProps) -> None:
        if props.customer_managed_key is None:
            accept_finding(
                self.account,
                "CKV2_AZURE_1",
                "Microsoft-managed keys with infrastructure (double) encryption: this "
                "environment does not turn on encryption.customer_managed_keys.",
            )
        accept_finding(
            self.account,
            "CKV_AZURE_33",
            "Queue logs go to Log Analytics through the queueServices diagnostic setting; "
            "classic Storage Analytics logging (queue_properties) needs shared-key data-plane "
            "access, which this account disables.",
        )
        for container in self.containers.values():
            accept_finding(
                container,
                "CKV2_AZURE_21",
                "Blob read/write/delete logs go to Log Analytics through the blobServices "
                "diagnostic setting; Storage Insights (the check's fix) needs an account key, "
                "which this account disables.",
            )
        if props.replication_type not in GEO_REDUNDANT_REPLICATION:
            accept_finding(
                self.account,
                "CKV_AZURE_206",
                f"{props.replication_type} replication is this environment's choice "
                "(skus.storage_replication): its data can be re-landed from the source.",
            )
