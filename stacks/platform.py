"""`<env>-platform`: the lake, Key Vaults, Log Analytics and resource provider registrations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from cdktf import TerraformLocal
from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.data_azurerm_key_vault_secret import DataAzurermKeyVaultSecret
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from constructs import Construct

from components.alerts import (
    ActionGroup,
    ActionGroupProps,
    BudgetProps,
    LogAlertProps,
    MetricAlertProps,
    budget,
    log_alert,
    metric_alert,
)
from components.data_lake import DataLake, DataLakeProps
from components.encryption import EncryptionKeys, EncryptionKeysProps, KeySpec, grant_key_use
from components.key_vault import PrivateKeyVault, PrivateKeyVaultProps
from components.monitoring import Diagnostics, DiagnosticsProps, LogAnalytics, LogAnalyticsProps
from platform_config import PlatformConfig
from platform_config.data_contract import LAKE_CONTAINERS
from stacks import providers
from stacks.base import EnvironmentStack
from vocabulary import monitoring
from vocabulary.azure import AZURE_DATABRICKS_LOCAL

if TYPE_CHECKING:
    from stacks.network import NetworkOutputs

# Until this release the platform stack registered these as resources; each stack's azurerm
# provider registers what its resources need now (EnvironmentStack.register_resource_providers).
# Terraform forgets the old resources without unregistering anything (a `removed` block,
# Terraform 1.7+); an environment that never had them is unaffected.
FORMER_REGISTRATIONS: tuple[str, ...] = (
    "provider-databricks",
    "provider-datafactory",
    "provider-purview",
    "provider-storage",
    "provider-keyvault",
)


@dataclass(frozen=True, kw_only=True)
class LakeOutputs:
    storage_account_id: str
    storage_account_name: str
    dfs_endpoint: str
    container_ids: Mapping[str, str]
    """Container name (landing, bronze, silver, gold, unity-catalog) -> Resource Manager id."""


@dataclass(frozen=True, kw_only=True)
class KeyVaultOutputs:
    id: str
    name: str
    uri: str


@dataclass(frozen=True, kw_only=True)
class KeyOutputs:
    id: str
    """The key's current version (https://<vault>.vault.azure.net/keys/<name>/<version>)."""
    versionless_id: str
    """https://<vault>.vault.azure.net/keys/<name>: a service given it follows new versions."""
    resource_id: str
    """Its versionless Resource Manager id: the scope of a role on the key."""


@dataclass(frozen=True, kw_only=True)
class PlatformOutputs:
    """What `<env>-platform` publishes."""

    lake: LakeOutputs
    key_vault_platform: KeyVaultOutputs
    key_vault_databricks: KeyVaultOutputs
    """The vault dedicated to Databricks (its Key-Vault-backed secret scope)."""
    log_analytics_workspace_id: str
    customer_managed_keys: Mapping[str, KeyOutputs] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """With encryption.customer_managed_keys: key id (databricks-services, databricks-disks,
    databricks-storage, data-factory) -> the key; the lake's stays inside this stack."""
    data_factory_key_identity_id: str | None = None
    """The user-assigned identity Data Factory reads its key with (with data_factory on)."""
    action_group_id: str | None = None
    """With `alerts`: the action group every alert of the environment notifies."""


class PlatformStack(EnvironmentStack):
    def __init__(self, scope: Construct, *, config: PlatformConfig, network: NetworkOutputs):
        super().__init__(scope, "platform", config=config)
        network = self.read(network)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        names = self.names
        if config.register_resource_providers:
            self.add_override(
                "removed",
                [
                    {
                        "from": f"azurerm_resource_provider_registration.{name}",
                        "lifecycle": {"destroy": False},
                    }
                    for name in FORMER_REGISTRATIONS
                ],
            )
        client = DataAzurermClientConfig(self, "current")

        log_analytics = LogAnalytics(
            self,
            "log-analytics",
            props=LogAnalyticsProps(
                name=names.log_analytics,
                placement=self.placement,
                retention_in_days=config.monitoring.log_retention_days,
            ),
        )
        workspace_id = log_analytics.workspace_id
        if network.firewall_id is not None:
            # Its rule hits and denials, in resource-specific tables (AZFWNetworkRule,
            # AZFWApplicationRule: "Monitor Azure Firewall", Microsoft Learn).
            Diagnostics(
                self,
                "firewall-diagnostics",
                props=DiagnosticsProps(
                    target_resource_id=network.firewall_id,
                    log_analytics_workspace_id=workspace_id,
                    destination_type="Dedicated",
                ),
            )
        zones = network.private_dns_zone_ids

        key_vaults: dict[str, PrivateKeyVault] = {}
        secret_scope = config.workloads.secret_scope
        # Databricks' Key-Vault-backed secret scopes support only the access-policy model: the
        # Databricks vault switches to it, with a policy for the AzureDatabricks application.
        access_policy_readers = {
            "platform": (),
            "databricks": (config.azure_databricks_object_id,)
            if secret_scope.enabled and config.azure_databricks_object_id
            else (),
        }
        for purpose, name, endpoint_name in (
            ("platform", names.key_vault_platform, names.pep_key_vault_platform),
            ("databricks", names.key_vault_databricks, names.pep_key_vault_databricks),
        ):
            key_vaults[purpose] = PrivateKeyVault(
                self,
                f"key-vault-{purpose}",
                props=PrivateKeyVaultProps(
                    name=name,
                    placement=self.placement,
                    tenant_id=client.tenant_id,
                    sku_name=config.skus.key_vault,
                    private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                    private_endpoint_name=endpoint_name,
                    private_dns_zone_id=zones.vault,
                    log_analytics_workspace_id=workspace_id,
                    secret_writers=config.secrets.writers,
                    access_policy_readers=access_policy_readers[purpose],
                ),
            )

        keys = self._customer_managed_keys(key_vaults["platform"])
        lake = DataLake(
            self,
            "lake",
            props=DataLakeProps(
                name=names.storage_lake,
                containers=LAKE_CONTAINERS,
                placement=self.placement,
                replication_type=config.skus.storage_replication,
                private_endpoint_subnet_id=network.private_endpoint_subnet_id,
                dfs_private_dns_zone_id=zones.dfs,
                blob_private_dns_zone_id=zones.blob,
                dfs_private_endpoint_name=names.pep_lake_dfs,
                blob_private_endpoint_name=names.pep_lake_blob,
                log_analytics_workspace_id=workspace_id,
                customer_managed_key=keys.keys["lake"] if keys else None,
                key_identity_name=names.lake_key_identity if keys else None,
            ),
        )

        action_group_id = (
            self._alerts(key_vaults["platform"], lake, workspace_id) if config.alerts else None
        )

        def vault_outputs(vault: PrivateKeyVault) -> KeyVaultOutputs:
            return KeyVaultOutputs(
                id=vault.key_vault_id, name=vault.key_vault_name, uri=vault.key_vault_uri
            )

        self.outputs = self.publish(
            PlatformOutputs(
                lake=LakeOutputs(
                    storage_account_id=lake.storage_account_id,
                    storage_account_name=lake.storage_account_name,
                    dfs_endpoint=lake.dfs_endpoint,
                    container_ids=MappingProxyType(dict(lake.container_ids)),
                ),
                key_vault_platform=vault_outputs(key_vaults["platform"]),
                key_vault_databricks=vault_outputs(key_vaults["databricks"]),
                log_analytics_workspace_id=workspace_id,
                customer_managed_keys=MappingProxyType(
                    {
                        key_id: KeyOutputs(
                            id=key.id,
                            versionless_id=key.versionless_id,
                            resource_id=key.resource_versionless_id,
                        )
                        for key_id, key in (keys.keys.items() if keys else ())
                        if key_id != "lake"
                    }
                ),
                data_factory_key_identity_id=self.data_factory_key_identity.id
                if self.data_factory_key_identity
                else None,
                action_group_id=action_group_id,
            )
        )

    def _alerts(self, vault: PrivateKeyVault, lake: DataLake, workspace_id: str) -> str:
        """The action group, the lake's and the vaults' alerts and the budget
        (docs/operations.md); returns the action group's id for the other stacks' alerts."""
        config, names, placement = self.config, self.names, self.placement
        alerts = config.alerts
        assert alerts is not None
        webhook_url = None
        if alerts.webhook_secret:
            # Read from the platform vault's data plane (a runner inside the network), at plan
            # once the vault exists: an environment's first deploy goes without it, and the
            # secret is written before the deploy that names it (docs/operations.md; make
            # deploy's first-deploy checks say so). Its value is then in this stack's state.
            webhook_url = DataAzurermKeyVaultSecret(
                self, "alerts-webhook", name=alerts.webhook_secret, key_vault_id=vault.key_vault_id
            ).value
        group = ActionGroup(
            self,
            "action-group",
            props=ActionGroupProps(
                name=names.action_group,
                short_name=names.action_group_short,
                placement=placement,
                emails=alerts.emails,
                webhook_url=webhook_url,
            ),
        )
        metric_alert(
            self,
            "alert-lake-availability",
            MetricAlertProps(
                name=f"{names.alert_prefix}-lake-availability",
                description="The lake answers fewer requests successfully than it should "
                "(docs/operations.md, lake availability).",
                placement=placement,
                target_resource_id=lake.storage_account_id,
                namespace=monitoring.STORAGE,
                metric="Availability",
                aggregation="Average",
                operator="LessThan",
                threshold=alerts.lake_availability_percent,
                action_group_id=group.id,
                severity=1,
            ),
        )
        metric_alert(
            self,
            "alert-lake-throttling",
            MetricAlertProps(
                name=f"{names.alert_prefix}-lake-throttling",
                description="The lake refuses requests as throttled or busy "
                "(docs/operations.md, lake throttling).",
                placement=placement,
                target_resource_id=lake.storage_account_id,
                namespace=monitoring.STORAGE,
                metric="Transactions",
                aggregation="Total",
                operator="GreaterThanOrEqual",
                threshold=alerts.lake_throttled_transactions,
                dimensions={"ResponseType": monitoring.THROTTLING_RESPONSES},
                action_group_id=group.id,
            ),
        )
        log_alert(
            self,
            "alert-key-expiry",
            LogAlertProps(
                name=f"{names.alert_prefix}-key-expiry",
                description="A key, secret or certificate of a vault expires within 30 days or "
                "has expired (docs/operations.md, key expiry).",
                placement=placement,
                log_analytics_workspace_id=workspace_id,
                query=monitoring.KEY_EXPIRY_QUERY,
                threshold=1,
                action_group_id=group.id,
                window="P1D",
                frequency="PT6H",
                severity=2,
                mute_for="P1D",
            ),
        )
        log_alert(
            self,
            "alert-vault-denied",
            LogAlertProps(
                name=f"{names.alert_prefix}-vault-denied",
                description="The vaults refused requests: failed sign-ins or missing rights "
                "(docs/operations.md, vault denials).",
                placement=placement,
                log_analytics_workspace_id=workspace_id,
                query=monitoring.DENIED_REQUESTS_QUERY,
                threshold=alerts.vault_denied_requests,
                action_group_id=group.id,
            ),
        )
        if alerts.budget:
            budget(
                self,
                "budget",
                BudgetProps(
                    name=names.budget,
                    resource_group_id=(
                        f"/subscriptions/{config.subscription_id}/resourceGroups/"
                        f"{config.resource_group}"
                    ),
                    amount=alerts.budget.amount,
                    start_date=alerts.budget.start_date.isoformat(),
                    actual_percent=alerts.budget.actual_percent,
                    forecast_percent=alerts.budget.forecast_percent,
                    action_group_id=group.id,
                ),
            )
        return group.id

    def _customer_managed_keys(self, vault: PrivateKeyVault) -> EncryptionKeys | None:
        """The keys of encryption.customer_managed_keys in the platform vault (RBAC model), and
        the grants whose identities exist before the stacks that use the keys: the
        AzureDatabricks application's, and Data Factory's user-assigned identity. The other
        identities (the lake's, the workspace's disks and storage) are granted next to them."""
        config = self.config
        cmk = config.encryption.customer_managed_keys
        self.data_factory_key_identity: UserAssignedIdentity | None = None
        if not cmk.enabled:
            return None
        names = self.names
        specs = [
            KeySpec(id="lake", name=names.key_lake),
            KeySpec(id="databricks-services", name=names.key_databricks_services),
            KeySpec(id="databricks-disks", name=names.key_databricks_disks),
            KeySpec(id="databricks-storage", name=names.key_databricks_storage),
        ]
        if cmk.data_factory:
            # Data Factory takes a 2048-bit RSA key only ("Encrypt Azure Data Factory with
            # customer-managed keys", https://learn.microsoft.com/azure/data-factory/
            # enable-customer-managed-key), whatever key_size the other keys have.
            specs.append(KeySpec(id="data-factory", name=names.key_data_factory, key_size=2048))
        keys = EncryptionKeys(
            self,
            "keys",
            props=EncryptionKeysProps(
                key_vault_id=vault.key_vault_id,
                hsm=config.skus.key_vault == "premium",
                key_size=cmk.key_size,
                rotate_after_days=cmk.rotate_after_days,
                expire_after_days=cmk.expire_after_days,
                keys=tuple(specs),
                tags=self.tags,
                depends_on=(vault.private_endpoint,),
            ),
        )
        application = config.azure_databricks_object_id
        if application is None:  # platform_config.checks requires it with enabled
            raise ValueError("encryption.customer_managed_keys needs the AzureDatabricks object id")
        # Databricks wraps the managed services key with its own first-party application
        # ("Enable customer-managed keys for managed services", Azure Databricks docs). Its
        # object id is configuration (per tenant), named in a local so that the rule
        # cmk-consumers-hold-their-key can tell the configured application from any principal.
        configured = TerraformLocal(self, AZURE_DATABRICKS_LOCAL, application)
        grant_key_use(
            self,
            "databricks-services-key-user",
            key=keys.keys["databricks-services"],
            principal_id=configured.as_string,
        )
        if cmk.data_factory:
            # Azure sets a factory's key only at creation (an empty factory), through a
            # user-assigned identity that already holds the key: made here, a stack earlier.
            self.data_factory_key_identity = UserAssignedIdentity(
                self,
                "data-factory-key-identity",
                name=names.data_factory_key_identity,
                resource_group_name=config.resource_group,
                location=config.location,
                tags=self.tags,
            )
            grant_key_use(
                self,
                "data-factory-key-user",
                key=keys.keys["data-factory"],
                principal_id=self.data_factory_key_identity.principal_id,
            )
        return keys
