"""Azure side of Databricks: the Access Connector and the VNet-injected, private workspace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf import Fn, Precondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.data_azurerm_databricks_workspace import (
    DataAzurermDatabricksWorkspace,
)
from cdktf_cdktf_provider_azurerm.databricks_access_connector import (
    DatabricksAccessConnector,
    DatabricksAccessConnectorIdentity,
)
from cdktf_cdktf_provider_azurerm.databricks_workspace import (
    DatabricksWorkspace,
    DatabricksWorkspaceCustomParameters,
    DatabricksWorkspaceEnhancedSecurityCompliance,
)
from cdktf_cdktf_provider_azurerm.databricks_workspace_root_dbfs_customer_managed_key import (
    DatabricksWorkspaceRootDbfsCustomerManagedKey,
)
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.storage_account_network_rules import (
    StorageAccountNetworkRulesA,
    StorageAccountNetworkRulesPrivateLinkAccessA,
)
from constructs import Construct

from components.encryption import grant_key_use
from components.placement import Placement
from components.private_endpoint import (
    DEFAULT_ID,
    EndpointSpec,
    PrivateAccess,
    PrivateAccessProps,
    PrivateLink,
)
from policy import accept_finding
from vocabulary.azure import (
    COMPLIANCE_STANDARDS,
    DATABRICKS_SKUS,
    DEFAULT_DATABRICKS_SKU,
    ResourceId,
    check_allowed,
)


@dataclass(frozen=True, kw_only=True)
class AccessConnectorProps:
    name: str
    placement: Placement
    storage_account_id: str
    """The lake: Reader, queue and event-subscription roles for file events."""
    data_container_ids: dict[str, str]
    """Container name -> resource manager id; Storage Blob Data Contributor on each."""
    read_only_container_ids: dict[str, str] = field(default_factory=dict)
    """Container name -> resource manager id; Storage Blob Data Reader on each (e.g. landing,
    which Data Factory writes and Databricks only reads). Default: none."""
    tenant_id: str
    """Tenant of the resource access rule on the lake's firewall."""


# Roles on the whole account: Reader to list it, queue and event-subscription roles so Unity
# Catalog can set up file events. Blob data roles are per container.
_ACCOUNT_ROLES: tuple[str, ...] = (
    "Reader",
    "Storage Queue Data Contributor",
    "EventGrid EventSubscription Contributor",
)


class AccessConnector(Construct):
    """The managed identity Unity Catalog uses to reach the lake, with least-privilege roles.

    Blob data access is granted per container (not on the account), and the lake's firewall
    admits the connector through a resource access rule declared here, so the platform stack
    never depends on this one.
    """

    def __init__(self, scope: Construct, id_: str, *, props: AccessConnectorProps):
        super().__init__(scope, id_)
        if not props.data_container_ids:
            raise ValueError("data_container_ids must name at least one container")
        both = sorted(set(props.data_container_ids) & set(props.read_only_container_ids))
        if both:
            raise ValueError(f"containers {both} are both read-only and read-write; pick one")
        self.connector = DatabricksAccessConnector(
            self,
            "connector",
            name=props.name,
            resource_group_name=props.placement.resource_group_name,
            location=props.placement.location,
            identity=DatabricksAccessConnectorIdentity(type="SystemAssigned"),
            tags=props.placement.tag_map(),
        )
        principal_id = self.connector.identity.principal_id
        self.role_assignments: dict[str, RoleAssignment] = {}
        for container, container_id in sorted(props.data_container_ids.items()):
            self.role_assignments[f"blob-contributor-{container}"] = RoleAssignment(
                self,
                f"blob-contributor-{container}",
                scope=container_id,
                role_definition_name="Storage Blob Data Contributor",
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
        for container, container_id in sorted(props.read_only_container_ids.items()):
            self.role_assignments[f"blob-reader-{container}"] = RoleAssignment(
                self,
                f"blob-reader-{container}",
                scope=container_id,
                role_definition_name="Storage Blob Data Reader",
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
        for role in _ACCOUNT_ROLES:
            key = role.lower().replace(" ", "-")
            self.role_assignments[key] = RoleAssignment(
                self,
                key,
                scope=props.storage_account_id,
                role_definition_name=role,
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
        self.lake_network_rules = StorageAccountNetworkRulesA(
            self,
            "lake-network-rules",
            storage_account_id=props.storage_account_id,
            default_action="Deny",
            bypass=["AzureServices"],
            private_link_access=[
                StorageAccountNetworkRulesPrivateLinkAccessA(
                    endpoint_resource_id=self.connector.id,
                    endpoint_tenant_id=props.tenant_id,
                )
            ],
        )
        self.access_connector_id: str = self.connector.id
        self.principal_id: str = principal_id


@dataclass(frozen=True, kw_only=True)
class WorkspaceStorageAccess:
    """How the workspace's storage account is reached once its firewall is on ("Enable firewall
    support for your workspace storage account")."""

    access_connector_id: str
    subscription_id: str
    """The workspace's subscription (its storage account's id is built from it)."""
    dfs_private_endpoint_name: str
    blob_private_endpoint_name: str
    dfs_private_dns_zone_id: str
    blob_private_dns_zone_id: str
    firewall: bool = True
    """Turn the storage firewall on (with the access connector). False: the endpoints only,
    the first of the two deploys that turn it on for an existing workspace (its classic
    compute keeps its storage while the endpoints are made). Default: on."""


@dataclass(frozen=True, kw_only=True)
class WorkspaceKey:
    id: str
    """The key version's id (https://<vault>.vault.azure.net/keys/<name>/<version>)."""
    resource_id: str
    """The key's versionless Resource Manager id: the scope of the role on it."""


@dataclass(frozen=True, kw_only=True)
class WorkspaceKeys:
    """Customer-managed keys of the workspace ("Customer-managed keys for encryption", Azure
    Databricks docs: managed services, managed disks, DBFS root). The AzureDatabricks
    application holds the managed services key already (platform stack); the identities of the
    disk encryption set and of the workspace storage account exist only once the workspace has
    the keys, so they are granted after it has been applied (WorkspaceKeyGrants, in the
    databricks-keys stack)."""

    managed_services: WorkspaceKey
    managed_disks: WorkspaceKey
    workspace_storage: WorkspaceKey

    @classmethod
    def of(cls, keys: Mapping[str, Any]) -> WorkspaceKeys:
        """From the platform's keys by purpose (each with `id` and `resource_id`)."""

        def key(purpose: str) -> WorkspaceKey:
            return WorkspaceKey(id=keys[purpose].id, resource_id=keys[purpose].resource_id)

        return cls(
            managed_services=key("databricks-services"),
            managed_disks=key("databricks-disks"),
            workspace_storage=key("databricks-storage"),
        )


@dataclass(frozen=True, kw_only=True)
class EnhancedSecurity:
    """The enhanced security and compliance add-on, which Azure sets on the workspace resource
    (the databricks provider's own settings resources say to use azurerm's block on Azure)."""

    monitoring: bool = False
    automatic_cluster_update: bool = False
    compliance_standards: tuple[str, ...] | None = None
    """The compliance security profile on, with these standards (HIPAA, PCI_DSS). It needs
    monitoring and automatic cluster updates (azurerm refuses it otherwise), and turning it
    off or dropping a standard replaces the workspace. Default: off."""


@dataclass(frozen=True, kw_only=True)
class WorkspaceProps:
    name: str
    placement: Placement
    managed_resource_group_name: str
    virtual_network_id: str
    host_subnet_name: str
    container_subnet_name: str
    host_nsg_association_id: str
    container_nsg_association_id: str
    private_endpoint_subnet_id: str
    ui_api_private_endpoint_name: str
    browser_authentication_private_endpoint_name: str
    """Used when browser_authentication_endpoint is on."""
    databricks_private_dns_zone_id: str
    log_analytics_workspace_id: str
    sku: str = DEFAULT_DATABRICKS_SKU
    """Only premium: Unity Catalog, private link and secret ACLs need it."""
    public_network_access: bool = False
    """Reach the UI/API from the internet. Default: off, with NoAzureDatabricksRules."""
    browser_authentication_endpoint: bool = True
    """Create the browser_authentication endpoint (one per region and DNS zone). Default: on."""
    private_storage: WorkspaceStorageAccess | None = None
    """Put the workspace's own storage account (DBFS root, in the managed resource group) behind
    its firewall, reached by the access connector and through private endpoints. Default: off
    (the storage account stays public)."""
    keys: WorkspaceKeys | None = None
    """Customer-managed keys (premium only). Default: Microsoft-managed keys."""
    enhanced_security: EnhancedSecurity | None = None
    """The enhanced security and compliance add-on's settings (premium only). Default: none."""


def _enhanced_security(
    settings: EnhancedSecurity | None,
) -> DatabricksWorkspaceEnhancedSecurityCompliance | None:
    if settings is None or not (
        settings.monitoring
        or settings.automatic_cluster_update
        or settings.compliance_standards is not None
    ):
        return None
    standards = settings.compliance_standards
    if standards is not None:
        if not (settings.monitoring and settings.automatic_cluster_update):
            # databricks_workspace_resource.go:436 at v4.55.0 (CustomizeDiff).
            raise ValueError(
                "compliance_standards needs monitoring and automatic_cluster_update on"
            )
        for standard in standards:
            check_allowed("compliance_standards", standard, COMPLIANCE_STANDARDS)
    return DatabricksWorkspaceEnhancedSecurityCompliance(
        enhanced_security_monitoring_enabled=settings.monitoring,
        automatic_cluster_update_enabled=settings.automatic_cluster_update,
        compliance_security_profile_enabled=standards is not None,
        compliance_security_profile_standards=list(standards) if standards else None,
    )


class Workspace(Construct):
    """A premium workspace injected into the platform's subnets, with no public IPs."""

    def __init__(self, scope: Construct, id_: str, *, props: WorkspaceProps):
        super().__init__(scope, id_)
        check_allowed(
            "sku (Unity Catalog and private link need premium)", props.sku, DATABRICKS_SKUS
        )
        placement = props.placement
        storage = props.private_storage
        connector = (
            storage.access_connector_id if storage is not None and storage.firewall else None
        )
        self.workspace = DatabricksWorkspace(
            self,
            "workspace",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=props.sku,
            managed_resource_group_name=props.managed_resource_group_name,
            public_network_access_enabled=props.public_network_access,
            network_security_group_rules_required=(
                "AllRules" if props.public_network_access else "NoAzureDatabricksRules"
            ),
            infrastructure_encryption_enabled=True,
            default_storage_firewall_enabled=True if connector else None,
            access_connector_id=connector,
            # Prepares the workspace storage account for its key (gives it an identity); the
            # key itself is set by the root DBFS resource below.
            customer_managed_key_enabled=True if props.keys else None,
            managed_services_cmk_key_vault_key_id=props.keys.managed_services.id
            if props.keys
            else None,
            managed_disk_cmk_key_vault_key_id=props.keys.managed_disks.id if props.keys else None,
            managed_disk_cmk_rotation_to_latest_version_enabled=True if props.keys else None,
            enhanced_security_compliance=_enhanced_security(props.enhanced_security),
            custom_parameters=DatabricksWorkspaceCustomParameters(
                no_public_ip=True,
                virtual_network_id=props.virtual_network_id,
                public_subnet_name=props.host_subnet_name,
                private_subnet_name=props.container_subnet_name,
                public_subnet_network_security_group_association_id=props.host_nsg_association_id,
                private_subnet_network_security_group_association_id=props.container_nsg_association_id,
            ),
            tags=placement.tag_map(),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        if props.public_network_access:
            accept_finding(
                self.workspace,
                "CKV_AZURE_158",
                "Public network access is this environment's choice "
                "(databricks.public_network_access), limited by an IP access list "
                "(workloads.ip_access.allow) unless explicitly waived.",
            )
        accept_finding(
            self.workspace,
            "CKV2_AZURE_48",
            "Root DBFS uses Microsoft-managed keys with infrastructure encryption: this "
            "environment does not turn on encryption.customer_managed_keys."
            if props.keys is None
            else "The root DBFS key is set by the databricks-keys stack "
            "(azurerm_databricks_workspace_root_dbfs_customer_managed_key), once this workspace "
            "has made the identity the key is granted to; checkov reads one stack at a time.",
        )
        self.disk_identity_principal_id: str | None = None
        self.storage_identity_principal_id: str | None = None
        if props.keys is not None:
            self._key_identities(props)
        endpoints = [
            EndpointSpec(
                id="private-endpoint-ui-api",
                name=props.ui_api_private_endpoint_name,
                subresource="databricks_ui_api",
                private_dns_zone_id=props.databricks_private_dns_zone_id,
            )
        ]
        if props.browser_authentication_endpoint:
            endpoints.append(
                EndpointSpec(
                    id="private-endpoint-browser-auth",
                    name=props.browser_authentication_private_endpoint_name,
                    subresource="browser_authentication",
                    private_dns_zone_id=props.databricks_private_dns_zone_id,
                )
            )
        access = PrivateAccess(
            self,
            DEFAULT_ID,
            props=PrivateAccessProps(
                placement=placement,
                target_resource_id=self.workspace.id,
                subnet_id=props.private_endpoint_subnet_id,
                endpoints=tuple(endpoints),
                log_analytics_workspace_id=props.log_analytics_workspace_id,
            ),
        )
        self.private_endpoints: dict[str, PrivateLink] = access.endpoints
        if props.private_storage is not None:
            self.private_endpoints |= self._private_storage(props, props.private_storage)
        self.workspace_id: str = self.workspace.workspace_id
        self.workspace_resource_id: str = self.workspace.id
        self.workspace_url: str = self.workspace.workspace_url

    def _key_identities(self, props: WorkspaceProps) -> None:
        """The identities the workspace makes for its keys, as they are after this stack's
        apply. azurerm holds both as [] until the workspace has its keys
        (databricks_workspace_resource.go at v4.55.0, :847-853) and the SDK plans an update
        with the state's value, so the resource's own `[0]` is an invalid index in the plan of
        the update that turns keys on; and an output known at plan ("" from a try) is not
        evaluated again at apply (Terraform's NodeApplyableOutput). The workspace read back by
        a data source that waits for it (depends_on) is read during apply whenever the
        workspace changes: the outputs are then unknown at plan and hold the identities after
        the apply; with no change they are read at plan, as the workspace stands."""
        applied = DataAzurermDatabricksWorkspace(
            self,
            "applied",
            name=props.name,
            resource_group_name=props.placement.resource_group_name,
            depends_on=[self.workspace],
        )
        self.disk_identity_principal_id = Fn.try_(
            [applied.managed_disk_identity.get(0).principal_id, ""]
        )
        self.storage_identity_principal_id = Fn.try_(
            [applied.storage_account_identity.get(0).principal_id, ""]
        )

    def _private_storage(
        self, props: WorkspaceProps, storage: WorkspaceStorageAccess
    ) -> dict[str, PrivateLink]:
        """The workspace storage account's dfs and blob endpoints (its firewall is on)."""
        placement = props.placement
        # The account Databricks names itself in the managed resource group. Its id is
        # built from the managed resource group (config) and the name the workspace
        # reports (custom_parameters.storage_account_name, optional and computed: known
        # from state for any in-place change). A look-up that depends on the workspace is
        # read at apply whenever the workspace changes, and private_connection_resource_id
        # forces a new endpoint: both endpoints were replaced by every workspace update
        # (rule no-replacement-fed-at-apply). Setting the name instead would replace an
        # existing workspace.
        account_id = ResourceId(
            subscription=storage.subscription_id,
            resource_group=props.managed_resource_group_name,
            namespace="Microsoft.Storage",
            type="storageAccounts",
            name=self.workspace.custom_parameters.storage_account_name,
        ).id
        storage_access = PrivateAccess(
            self,
            "storage",
            props=PrivateAccessProps(
                placement=placement,
                target_resource_id=account_id,
                subnet_id=props.private_endpoint_subnet_id,
                endpoints=(
                    EndpointSpec(
                        id="private-endpoint-dfs",
                        name=storage.dfs_private_endpoint_name,
                        subresource="dfs",
                        private_dns_zone_id=storage.dfs_private_dns_zone_id,
                    ),
                    EndpointSpec(
                        id="private-endpoint-blob",
                        name=storage.blob_private_endpoint_name,
                        subresource="blob",
                        private_dns_zone_id=storage.blob_private_dns_zone_id,
                    ),
                ),
                log_analytics_workspace_id=props.log_analytics_workspace_id,
                # Databricks owns the managed resource group: no diagnostic setting there.
                diagnostics=(),
            ),
        )
        return storage_access.endpoints


GUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


@dataclass(frozen=True, kw_only=True)
class WorkspaceKeyGrantsProps:
    workspace_resource_id: str
    keys: WorkspaceKeys
    disk_identity_principal_id: str
    """The disk encryption set's identity (the workspace's managed_disk_identity)."""
    storage_identity_principal_id: str
    """The workspace storage account's identity (the workspace's storage_account_identity)."""


class WorkspaceKeyGrants(Construct):
    """The second step of the workspace's keys, after the workspace has been applied with them:
    the disk encryption set and the workspace storage account get their keys, then the root DBFS
    resource sets the storage key, which azurerm refuses unless customer_managed_key_enabled is
    on (databricks_workspace_root_dbfs_customer_managed_key_resource.go at v4.55.0).

    The identities exist only after that apply: read in a later stack, they are known when this
    one plans, on a first deploy as on the upgrade that turns the keys on. An empty principal
    (the workspace stack not applied with its keys yet) stops the plan with what to do."""

    def __init__(self, scope: Construct, id_: str, *, props: WorkspaceKeyGrantsProps):
        super().__init__(scope, id_)
        grants = {}
        for grant_id, key, principal, identity in (
            (
                "disks-key-user",
                props.keys.managed_disks,
                props.disk_identity_principal_id,
                "managed_disk_identity",
            ),
            (
                "storage-key-user",
                props.keys.workspace_storage,
                props.storage_identity_principal_id,
                "storage_account_identity",
            ),
        ):
            grant = grant_key_use(self, grant_id, key=key.resource_id, principal_id=principal)
            grant.lifecycle = TerraformResourceLifecycle(
                precondition=[
                    Precondition(
                        condition=Fn.can(Fn.regex(GUID_PATTERN, principal)),
                        error_message=(
                            f"The workspace reports no {identity}: apply the databricks stack "
                            "with customer-managed keys first, then this stack."
                        ),
                    )
                ]
            )
            grants[grant_id] = grant
        self.dbfs_root_key = DatabricksWorkspaceRootDbfsCustomerManagedKey(
            self,
            "dbfs-root-key",
            workspace_id=props.workspace_resource_id,
            key_vault_key_id=props.keys.workspace_storage.id,
            depends_on=[grants["storage-key-user"]],
        )
