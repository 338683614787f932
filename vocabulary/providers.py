"""What the pinned providers (azurerm 4.55.0, databricks 1.99.0) do with a value: which changes
they force new, which attributes only they set, which values they refuse at plan.

One home for these facts: the rehearsal provider plans with them (rehearsal/behaviour.py), the
deployment rules check the synthesized stacks against them (policy/rules/create_time.py,
policy/rules/provider_values.py).

- `force_new` / `computed_only`: rehearsal/schemas/*.replacement.json.gz, read from the
  providers' own schema objects at the tags v4.55.0 and v1.99.0 (its README says how).
- `CONDITIONAL_REPLACEMENTS`: what a type's CustomizeDiff forces new (the file only flags the
  type), for the types the stacks use, each read from the provider's source at the tag.
- `VALUE_CHECKS`: the plan-time checks (ValidateFunc) of the arguments the stacks set, each read
  from the provider's source at the tag. Checks that depend on other arguments or on the
  service (ConflictsWith, ARM id parsing, what Azure refuses at apply) are not here: the real
  providers run them where the registry is reachable (ci.yml's rehearsal and `make validate`).
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPLACEMENT_FILE = (
    ROOT / "rehearsal" / "schemas" / "azurerm-4.55.0_databricks-1.99.0.replacement.json.gz"
)
PROVIDER_SOURCES = {
    "azurerm": "registry.terraform.io/hashicorp/azurerm",
    "databricks": "registry.terraform.io/databricks/databricks",
}
AZURERM_SOURCE = "hashicorp/terraform-provider-azurerm v4.55.0"
DATABRICKS_SOURCE = "databricks/terraform-provider-databricks v1.99.0"


FRAMEWORK_RESOURCES: frozenset[str] = frozenset(
    f"databricks_{name}"
    for name in (
        "account_federation_policy", "account_network_policy", "account_setting_v2",
        "alert_v2", "app", "apps_settings_custom_template", "budget_policy",
        "data_quality_monitor", "data_quality_refresh", "database_database_catalog",
        "database_instance", "database_synced_database_table", "entity_tag_assignment",
        "external_metadata", "feature_engineering_feature", "feature_engineering_kafka_config",
        "feature_engineering_materialized_feature", "library",
        "materialized_features_feature_tag", "online_store", "policy_info", "quality_monitor",
        "quality_monitor_v2", "recipient_federation_policy", "rfa_access_request_destinations",
        "service_principal_federation_policy", "share", "tag_policy",
        "workspace_entity_tag_assignment", "workspace_network_option", "workspace_setting_v2",
    )
)  # fmt: skip
"""The resource types databricks 1.99.0 serves through the plugin framework (internal/providers/
pluginfw/products/*/resource_*.go at v1.99.0), not SDKv2: Terraform holds them to what they
planned (no legacy type system), so a value the service returns for an argument left unset
fails the apply ("Provider produced inconsistent result after apply")."""


@functools.cache
def _replacement_data() -> Mapping[str, Mapping[str, Any]]:
    with gzip.open(REPLACEMENT_FILE, "rt", encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    resources: dict[str, Mapping[str, Any]] = {
        provider: data["providers"][source]["resources"]
        for provider, source in PROVIDER_SOURCES.items()
    }
    return resources


def _entry(type_name: str) -> Mapping[str, Any]:
    provider = type_name.split("_", 1)[0]
    entry: Mapping[str, Any] = _replacement_data().get(provider, {}).get(type_name, {})
    return entry


def force_new(type_name: str) -> tuple[str, ...]:
    """Dotted paths whose change the provider forces new (its schema's ForceNew)."""
    return tuple(_entry(type_name).get("force_new", ()))


def computed_only(type_name: str) -> tuple[str, ...]:
    """Dotted paths only the provider sets."""
    return tuple(_entry(type_name).get("computed_only", ()))


def has_customize_diff(type_name: str) -> bool:
    return bool(_entry(type_name).get("customize_diff", False))


def resource_types(provider: str) -> tuple[str, ...]:
    return tuple(sorted(_replacement_data()[provider]))


@dataclass(frozen=True)
class Replacement:
    """A change a CustomizeDiff forces new. Either side may be a value or a list of values;
    `unless` lists (from, to) pairs that update in place; `removed`: an element leaves a list."""

    path: str
    source: str
    from_: Any = None
    to: Any = None
    has_from: bool = False
    has_to: bool = False
    unless: tuple[tuple[Any, Any], ...] = ()
    unless_from: tuple[Any, ...] = ()
    removed: bool = False

    def as_rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"path": self.path}
        if self.has_from:
            rule["from"] = self.from_
        if self.has_to:
            rule["to"] = self.to
        if self.unless:
            rule["unless"] = [list(pair) for pair in self.unless]
        if self.unless_from:
            rule["unless_from"] = list(self.unless_from)
        if self.removed:
            rule["removed"] = True
        return rule


def _change(path: str, source: str, **sides: Any) -> Replacement:
    return Replacement(
        path,
        source,
        from_=sides.get("from_"),
        to=sides.get("to"),
        has_from="from_" in sides,
        has_to="to" in sides,
        unless=tuple(tuple(p) for p in sides.get("unless", ())),
        unless_from=tuple(sides.get("unless_from", ())),
        removed=sides.get("removed", False),
    )


_LOCAL_REDUNDANCY = ["LRS", "GRS", "RAGRS"]
_ZONE_REDUNDANCY = ["ZRS", "GZRS", "RAGZRS"]
_WS = f"{AZURERM_SOURCE} internal/services/databricks/databricks_workspace_resource.go"
_SA = f"{AZURERM_SOURCE} internal/services/storage/storage_account_resource.go"

CONDITIONAL_REPLACEMENTS: Mapping[str, tuple[Replacement, ...]] = {
    "azurerm_data_factory": (
        _change(
            "managed_virtual_network_enabled",
            f"{AZURERM_SOURCE} internal/services/datafactory/data_factory_resource.go:218-222",
            from_=True,
            to=False,
        ),
    ),
    "azurerm_databricks_workspace": (
        _change("sku", f"{_WS}:403-406", to="trial"),
        _change(
            "enhanced_security_compliance.compliance_security_profile_enabled",
            f"{_WS}:420-422",
            from_=True,
            to=False,
        ),
        _change(
            "enhanced_security_compliance.compliance_security_profile_standards",
            f"{_WS}:425-428",
            removed=True,
        ),
    ),
    "azurerm_key_vault_key": (
        _change(
            "expiration_date",
            f"{AZURERM_SOURCE} internal/services/keyvault/key_vault_key_resource.go:261-276",
            to=None,
        ),
    ),
    "azurerm_log_analytics_workspace": (
        _change(
            "sku",
            f"{AZURERM_SOURCE} internal/services/loganalytics/"
            "log_analytics_workspace_resource.go:205-223 (case-insensitive there)",
            unless=(("CapacityReservation", "PerGB2018"), ("PerGB2018", "CapacityReservation")),
            unless_from=("LACluster", "", None),
        ),
    ),
    "azurerm_public_ip": (
        _change(
            "domain_name_label_scope",
            f"{AZURERM_SOURCE} internal/services/network/public_ip_resource.go:181-185 "
            "(any change, but from unset)",
            unless_from=(None, ""),
        ),
    ),
    "azurerm_storage_account": (
        _change(
            "account_kind",
            f"{_SA}:1113-1121 (not from Storage, not to StorageV2)",
            from_=["BlobStorage", "BlockBlobStorage", "FileStorage", "StorageV2"],
            to=["BlobStorage", "BlockBlobStorage", "FileStorage", "Storage"],
        ),
        _change("large_file_share_enabled", f"{_SA}:1127-1131", from_=True, to=False),
        _change(
            "account_replication_type",
            f"{_SA}:1188-1202",
            from_=_LOCAL_REDUNDANCY,
            to=_ZONE_REDUNDANCY,
        ),
        _change(
            "account_replication_type",
            f"{_SA}:1188-1202",
            from_=_ZONE_REDUNDANCY,
            to=_LOCAL_REDUNDANCY,
        ),
    ),
    "azurerm_storage_container": (
        _change(
            "storage_account_id",
            f"{AZURERM_SOURCE} internal/services/storage/storage_container_resource.go:152-156 "
            "(a container with a Resource Manager id)",
        ),
    ),
    "databricks_catalog": (
        _change(
            "options",
            f"{DATABRICKS_SOURCE} catalog/resource_catalog.go:225-252 (any key but "
            "authorized_paths, which the stacks do not set)",
        ),
    ),
}
"""The types of the stacks whose CustomizeDiff forces a replacement conditionally. Of the other
types the stacks use with a CustomizeDiff (azurerm_subnet; databricks_cluster, _job, _notebook,
_permissions, _sql_endpoint) none forces one on the arguments the stacks set: the databricks
ones only on `provider_config.workspace_id` (common/unified_provider.go:88-99), which no stack
sets, and the others only validate."""


@dataclass(frozen=True)
class ValueCheck:
    """A check the provider makes on an argument's value at plan (its ValidateFunc)."""

    attribute: str
    """Dotted path (a nested block's elements each)."""
    kind: str
    """enum (allowed: the values), not_in, range (allowed: {"min", "max"}), regex (the whole
    value matches), not_empty, duration (an ISO 8601 period; allowed: {"min", "max"} or None),
    rfc3339, ipv4_or_cidr, arm_id, file_exists (a path, relative to where Terraform runs)."""
    allowed: Any
    source: str
    ignore_case: bool = False
    when: str | None = None
    """Only where this top-level argument is set (not null, "", false or empty)."""
    # Patterns are Python's (re.fullmatch): the providers' Go patterns are translated where
    # RE2 differs (\z, an escaped "_" in a class).

    def as_rule(self) -> dict[str, Any]:
        rule = {
            "attribute": self.attribute,
            "kind": self.kind,
            "allowed": self.allowed,
            "ignore_case": self.ignore_case,
            "source": self.source,
        }
        if self.when:
            rule["when"] = self.when
        return rule


def _file_exists(source: str) -> ValueCheck:
    return ValueCheck("source", "file_exists", None, source)


_SERVICES = f"{AZURERM_SOURCE} internal/services"
_HELPERS = f"{AZURERM_SOURCE} vendor/github.com/hashicorp/go-azure-helpers"
_PREMIUM = f"{_SERVICES}/databricks/databricks_workspace_resource.go:412-414"
_PERMISSIONS = f"{DATABRICKS_SOURCE} permissions/permission_definitions.go"

VALUE_CHECKS: Mapping[str, tuple[ValueCheck, ...]] = {
    "azurerm_data_factory": (
        ValueCheck(
            "identity.type",
            "enum",
            ["UserAssigned", "SystemAssigned", "SystemAssigned, UserAssigned"],
            f"{_HELPERS}/resourcemanager/commonschema/identity_system_user.go:111",
        ),
        ValueCheck(
            "github_configuration.account_name",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_resource.go:81",
        ),
        ValueCheck(
            "github_configuration.branch_name",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_resource.go:86",
        ),
        ValueCheck(
            "github_configuration.repository_name",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_resource.go:95",
        ),
        ValueCheck(
            "github_configuration.root_folder",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_resource.go:100",
        ),
    ),
    "azurerm_data_factory_custom_dataset": (
        ValueCheck(
            "linked_service.name",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_custom_dataset_resource.go:67",
        ),
    ),
    "azurerm_data_factory_integration_runtime_azure": (
        ValueCheck(
            "compute_type",
            "enum",
            ["General", "ComputeOptimized", "MemoryOptimized"],
            f"{_SERVICES}/datafactory/data_factory_integration_runtime_azure_resource.go:93",
        ),
        ValueCheck(
            "core_count",
            "enum",
            [8, 16, 32, 48, 80, 144, 272],
            f"{_SERVICES}/datafactory/data_factory_integration_runtime_azure_resource.go:104",
        ),
    ),
    "azurerm_data_factory_linked_custom_service": (
        ValueCheck(
            "integration_runtime.name",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_linked_custom_service_resource.go:86",
        ),
    ),
    "azurerm_data_factory_managed_private_endpoint": (
        ValueCheck(
            "subresource_name",
            "regex",
            "^([a-zA-Z0-9])([\\w\\.-]{1,61})([a-zA-Z0-9])$",
            f"{_SERVICES}/network/validate/private_link_subresource_name.go:20",
        ),
        ValueCheck(
            "target_resource_id",
            "arm_id",
            None,
            f"{_SERVICES}/datafactory/data_factory_managed_private_endpoint_resource.go:65",
        ),
    ),
    "azurerm_data_factory_trigger_schedule": (
        ValueCheck(
            "frequency",
            "enum",
            ["Minute", "Hour", "Day", "Week", "Month"],
            f"{_SERVICES}/datafactory/data_factory_trigger_schedule_resource.go:171",
        ),
        ValueCheck(
            "interval",
            "range",
            {"min": 1, "max": None},
            f"{_SERVICES}/datafactory/data_factory_trigger_schedule_resource.go:184",
        ),
        ValueCheck(
            "start_time",
            "rfc3339",
            None,
            f"{_SERVICES}/datafactory/data_factory_trigger_schedule_resource.go:148",
        ),
        ValueCheck(
            "time_zone",
            "not_empty",
            None,
            f"{_SERVICES}/datafactory/data_factory_trigger_schedule_resource.go:164",
        ),
        ValueCheck(
            "pipeline_name",
            "regex",
            "^[A-Za-z0-9_][^<>*#.%&:\\\\+?/]*$",
            f"{_SERVICES}/datafactory/validate/datafactory.go:16",
        ),
    ),
    "azurerm_databricks_access_connector": (
        ValueCheck(
            "identity.type",
            "enum",
            ["UserAssigned", "SystemAssigned", "SystemAssigned, UserAssigned"],
            f"{_HELPERS}/resourcemanager/commonschema/identity_system_user.go:111",
        ),
    ),
    "azurerm_databricks_workspace": (
        # CustomizeDiff: these need the premium SKU (case-insensitive there).
        *(
            ValueCheck("sku", "enum", ["premium"], _PREMIUM, ignore_case=True, when=argument)
            for argument in (
                "customer_managed_key_enabled",
                "default_storage_firewall_enabled",
                "enhanced_security_compliance",
                "infrastructure_encryption_enabled",
                "managed_services_cmk_key_vault_key_id",
                "managed_disk_cmk_key_vault_key_id",
            )
        ),
        ValueCheck(
            "sku",
            "enum",
            ["standard", "premium", "trial"],
            f"{_SERVICES}/databricks/databricks_workspace_resource.go:72",
        ),
        ValueCheck(
            "network_security_group_rules_required",
            "enum",
            ["AllRules", "NoAzureDatabricksRules", "NoAzureServiceRules"],
            f"{_SERVICES}/databricks/databricks_workspace_resource.go:147",
        ),
        ValueCheck(
            "managed_resource_group_name",
            "not_empty",
            None,
            f"{_SERVICES}/databricks/databricks_workspace_resource.go:85",
        ),
    ),
    "azurerm_key_vault": (
        ValueCheck(
            "sku_name",
            "enum",
            ["standard", "premium"],
            f"{_SERVICES}/keyvault/key_vault_resource.go:80",
        ),
        ValueCheck(
            "soft_delete_retention_days",
            "range",
            {"min": 7, "max": 90},
            f"{_SERVICES}/keyvault/key_vault_resource.go:203",
        ),
        ValueCheck(
            "network_acls.default_action",
            "enum",
            ["Allow", "Deny"],
            f"{_SERVICES}/keyvault/key_vault_resource.go:153",
        ),
        ValueCheck(
            "network_acls.bypass",
            "enum",
            ["None", "AzureServices"],
            f"{_SERVICES}/keyvault/key_vault_resource.go:161",
        ),
        ValueCheck(
            "name",
            "regex",
            "^[a-zA-Z0-9-]{3,24}$",
            f"{_SERVICES}/keyvault/validate/vault_name.go:13",
        ),
    ),
    "azurerm_key_vault_access_policy": (
        ValueCheck(
            "secret_permissions",
            "enum",
            ["Get", "List", "Set", "Delete", "Recover", "Backup", "Restore", "Purge"],
            f"{_SERVICES}/keyvault/access_policy_schema.go:205",
        ),
        ValueCheck(
            "object_id",
            "regex",
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            f"{_SERVICES}/keyvault/key_vault_access_policy_resource.go:60",
        ),
    ),
    "azurerm_key_vault_key": (
        ValueCheck(
            "key_type",
            "enum",
            ["EC", "EC-HSM", "RSA", "RSA-HSM"],
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:77",
        ),
        ValueCheck(
            "key_opts",
            "enum",
            ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"],
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:99",
        ),
        ValueCheck(
            "rotation_policy.expire_after",
            "duration",
            {"min": "P28D", "max": "P100Y"},
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:154",
        ),
        ValueCheck(
            "rotation_policy.notify_before_expiry",
            "duration",
            {"min": "P7D", "max": "P36493D"},
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:169",
        ),
        ValueCheck(
            "rotation_policy.automatic.time_after_creation",
            "duration",
            None,
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:185",
        ),
        ValueCheck(
            "rotation_policy.automatic.time_before_expiry",
            "duration",
            None,
            f"{_SERVICES}/keyvault/key_vault_key_resource.go:194",
        ),
        ValueCheck(
            "name",
            "regex",
            "^[0-9a-zA-Z-]+$",
            f"{_SERVICES}/keyvault/validate/nested_item_name.go:14",
        ),
    ),
    "azurerm_log_analytics_workspace": (
        ValueCheck(
            "sku",
            "enum",
            [
                "PerGB2018",
                "PerNode",
                "Premium",
                "Standalone",
                "Standard",
                "CapacityReservation",
                "LACluster",
                "Unlimited",
            ],
            f"{_SERVICES}/loganalytics/log_analytics_workspace_resource.go:111",
        ),
        ValueCheck(
            "retention_in_days",
            "range",
            {"min": 30, "max": 730},
            f"{_SERVICES}/loganalytics/log_analytics_workspace_resource.go:143",
        ),
        ValueCheck(
            "daily_quota_gb",
            "range",
            {"min": -1.0, "max": None},
            f"{_SERVICES}/loganalytics/log_analytics_workspace_resource.go:150",
        ),
    ),
    "azurerm_monitor_diagnostic_setting": (
        ValueCheck(
            "enabled_log.category_group",
            "not_empty",
            None,
            f"{_SERVICES}/monitor/monitor_diagnostic_setting_resource.go:128",
        ),
        ValueCheck(
            "enabled_metric.category",
            "not_empty",
            None,
            f"{_SERVICES}/monitor/monitor_diagnostic_setting_resource.go:165",
        ),
    ),
    "azurerm_nat_gateway": (
        ValueCheck(
            "sku_name",
            "enum",
            ["Standard"],
            f"{_SERVICES}/network/nat_gateway_resource.go:80",
        ),
        ValueCheck(
            "idle_timeout_in_minutes",
            "range",
            {"min": 4, "max": 120},
            f"{_SERVICES}/network/nat_gateway_resource.go:73",
        ),
    ),
    "azurerm_private_endpoint": (
        ValueCheck(
            "private_service_connection.subresource_names",
            "regex",
            "^([a-zA-Z0-9])([\\w\\.-]{1,61})([a-zA-Z0-9])$",
            f"{_SERVICES}/network/validate/private_link_subresource_name.go:20",
        ),
        ValueCheck(
            "private_service_connection.name",
            "regex",
            "^([a-zA-Z\\d])([a-zA-Z\\d\\-_.]{0,78})([a-zA-Z\\d_])$",
            f"{_SERVICES}/network/validate/private_link_name.go:30",
        ),
        ValueCheck(
            "private_dns_zone_group.name",
            "regex",
            "^([a-zA-Z\\d])([a-zA-Z\\d\\-_.]{0,78})([a-zA-Z\\d_])$",
            f"{_SERVICES}/network/validate/private_link_name.go:30",
        ),
    ),
    "azurerm_public_ip": (
        ValueCheck(
            "allocation_method",
            "enum",
            ["Static", "Dynamic"],
            f"{_SERVICES}/network/public_ip_resource.go:66",
        ),
        ValueCheck(
            "sku",
            "enum",
            ["Basic", "Standard"],
            f"{_SERVICES}/network/public_ip_resource.go:109",
        ),
    ),
    "azurerm_purview_account": (
        ValueCheck(
            "identity.type",
            "enum",
            ["UserAssigned", "SystemAssigned"],
            f"{_HELPERS}/resourcemanager/commonschema/identity_system_or_user.go:32",
        ),
        ValueCheck(
            "managed_resource_group_name",
            "regex",
            "^[-\\w._()]+$",
            f"{_HELPERS}/resourcemanager/resourcegroups/validate.go:25",
        ),
    ),
    "azurerm_role_assignment": (
        ValueCheck(
            "principal_type",
            "enum",
            ["User", "Group", "ServicePrincipal"],
            f"{_SERVICES}/authorization/role_assignment_resource.go:111",
        ),
        ValueCheck(
            "role_definition_name",
            "not_empty",
            None,
            f"{_SERVICES}/authorization/role_assignment_resource.go:97",
        ),
    ),
    "azurerm_storage_account": (
        ValueCheck(
            "account_kind",
            "enum",
            ["BlobStorage", "BlockBlobStorage", "FileStorage", "Storage", "StorageV2"],
            f"{_SERVICES}/storage/storage_account_resource.go:114",
        ),
        ValueCheck(
            "account_tier",
            "enum",
            ["Premium", "Standard"],
            f"{_SERVICES}/storage/storage_account_resource.go:122",
        ),
        ValueCheck(
            "account_replication_type",
            "enum",
            ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"],
            f"{_SERVICES}/storage/storage_account_resource.go:145",
        ),
        ValueCheck(
            "access_tier",
            "enum",
            ["Cold", "Cool", "Hot", "Premium"],
            f"{_SERVICES}/storage/storage_account_resource.go:160",
        ),
        ValueCheck(
            "min_tls_version",
            "enum",
            ["TLS1_1", "TLS1_3", "TLS1_2", "TLS1_0"],
            f"{_SERVICES}/storage/storage_account_resource.go:1338",
        ),
        ValueCheck(
            "network_rules.bypass",
            "enum",
            ["AzureServices", "Logging", "Metrics", "None"],
            f"{_SERVICES}/storage/storage_account_resource.go:393",
        ),
        ValueCheck(
            "network_rules.default_action",
            "enum",
            ["Allow", "Deny"],
            f"{_SERVICES}/storage/storage_account_resource.go:422",
        ),
        ValueCheck(
            "blob_properties.container_delete_retention_policy.days",
            "range",
            {"min": 1, "max": 365},
            f"{_SERVICES}/storage/storage_account_resource.go:480",
        ),
        ValueCheck(
            "blob_properties.delete_retention_policy.days",
            "range",
            {"min": 1, "max": 365},
            f"{_SERVICES}/storage/storage_account_resource.go:505",
        ),
        ValueCheck(
            "sas_policy.expiration_action",
            "enum",
            ["Block", "Log"],
            f"{_SERVICES}/storage/storage_account_resource.go:702",
        ),
        ValueCheck(
            "sas_policy.expiration_period",
            "not_empty",
            None,
            f"{_SERVICES}/storage/storage_account_resource.go:707",
        ),
        ValueCheck(
            "allowed_copy_scope",
            "enum",
            ["AAD", "PrivateLink"],
            f"{_SERVICES}/storage/storage_account_resource.go:716",
        ),
        ValueCheck(
            "identity.type",
            "enum",
            ["UserAssigned", "SystemAssigned", "SystemAssigned, UserAssigned"],
            f"{_HELPERS}/resourcemanager/commonschema/identity_system_user.go:111",
        ),
        ValueCheck(
            "name",
            "regex",
            "[a-z0-9]{3,24}",
            f"{_SERVICES}/storage/validate/storage_account_name.go:14",
        ),
    ),
    "azurerm_storage_account_network_rules": (
        ValueCheck(
            "bypass",
            "enum",
            ["AzureServices", "Logging", "Metrics", "None"],
            f"{_SERVICES}/storage/storage_account_network_rules_resource.go:63",
        ),
        ValueCheck(
            "default_action",
            "enum",
            ["Allow", "Deny"],
            f"{_SERVICES}/storage/storage_account_network_rules_resource.go:96",
        ),
    ),
    "azurerm_storage_container": (
        ValueCheck(
            "container_access_type",
            "enum",
            ["blob", "container", "private"],
            f"{_SERVICES}/storage/storage_container_resource.go:93",
        ),
    ),
    "azurerm_subnet": (
        ValueCheck(
            "address_prefixes",
            "not_empty",
            None,
            f"{_SERVICES}/network/subnet_resource.go:157",
        ),
        ValueCheck(
            "delegation.service_delegation.name",
            "enum",
            [
                "GitHub.Network/networkSettings",
                "Informatica.DataManagement/organizations",
                "Microsoft.ApiManagement/service",
                "Microsoft.Apollo/npu",
                "Microsoft.App/environments",
                "Microsoft.App/testClients",
                "Microsoft.AVS/PrivateClouds",
                "Microsoft.AzureCosmosDB/clusters",
                "Microsoft.BareMetal/AzureHostedService",
                "Microsoft.BareMetal/AzureHPC",
                "Microsoft.BareMetal/AzurePaymentHSM",
                "Microsoft.BareMetal/AzureVMware",
                "Microsoft.BareMetal/CrayServers",
                "Microsoft.BareMetal/MonitoringServers",
                "Microsoft.Batch/batchAccounts",
                "Microsoft.CloudTest/hostedpools",
                "Microsoft.CloudTest/images",
                "Microsoft.CloudTest/pools",
                "Microsoft.Codespaces/plans",
                "Microsoft.ContainerInstance/containerGroups",
                "Microsoft.ContainerService/managedClusters",
                "Microsoft.ContainerService/TestClients",
                "Microsoft.Databricks/workspaces",
                "Microsoft.DBforMySQL/flexibleServers",
                "Microsoft.DBforMySQL/servers",
                "Microsoft.DBforMySQL/serversv2",
                "Microsoft.DBforPostgreSQL/flexibleServers",
                "Microsoft.DBforPostgreSQL/serversv2",
                "Microsoft.DBforPostgreSQL/singleServers",
                "Microsoft.DelegatedNetwork/controller",
                "Microsoft.DevCenter/networkConnection",
                "Microsoft.DevOpsInfrastructure/pools",
                "Microsoft.DocumentDB/cassandraClusters",
                "Microsoft.Fidalgo/networkSettings",
                "Microsoft.HardwareSecurityModules/dedicatedHSMs",
                "Microsoft.Kusto/clusters",
                "Microsoft.LabServices/labplans",
                "Microsoft.Logic/integrationServiceEnvironments",
                "Microsoft.MachineLearningServices/workspaces",
                "Microsoft.Netapp/volumes",
                "Microsoft.Network/applicationGateways",
                "Microsoft.Network/dnsResolvers",
                "Microsoft.Network/managedResolvers",
                "Microsoft.Network/fpgaNetworkInterfaces",
                "Microsoft.Network/networkWatchers.",
                "Microsoft.Network/virtualNetworkGateways",
                "Microsoft.Orbital/orbitalGateways",
                "Microsoft.PowerAutomate/hostedRpa",
                "Microsoft.PowerPlatform/enterprisePolicies",
                "Microsoft.PowerPlatform/vnetaccesslinks",
                "Microsoft.ServiceFabricMesh/networks",
                "Microsoft.ServiceNetworking/trafficControllers",
                "Microsoft.Singularity/accounts/networks",
                "Microsoft.Singularity/accounts/npu",
                "Microsoft.Sql/managedInstances",
                "Microsoft.Sql/managedInstancesOnebox",
                "Microsoft.Sql/managedInstancesStage",
                "Microsoft.Sql/managedInstancesTest",
                "Microsoft.Sql/servers",
                "Microsoft.StoragePool/diskPools",
                "Microsoft.StreamAnalytics/streamingJobs",
                "Microsoft.Synapse/workspaces",
                "Microsoft.Web/hostingEnvironments",
                "Microsoft.Web/serverFarms",
                "NGINX.NGINXPLUS/nginxDeployments",
                "Oracle.Database/networkAttachments",
                "PaloAltoNetworks.Cloudngfw/firewalls",
                "Qumulo.Storage/fileSystems",
            ],
            f"{_SERVICES}/network/subnet_resource.go:213",
        ),
        ValueCheck(
            "delegation.service_delegation.actions",
            "enum",
            [
                "Microsoft.Network/networkinterfaces/*",
                "Microsoft.Network/publicIPAddresses/join/action",
                "Microsoft.Network/publicIPAddresses/read",
                "Microsoft.Network/virtualNetworks/read",
                "Microsoft.Network/virtualNetworks/subnets/action",
                "Microsoft.Network/virtualNetworks/subnets/join/action",
                "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
                "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
            ],
            f"{_SERVICES}/network/subnet_resource.go:221",
        ),
        ValueCheck(
            "private_endpoint_network_policies",
            "enum",
            ["Disabled", "Enabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"],
            f"{_SERVICES}/network/subnet_resource.go:283",
        ),
    ),
    "azurerm_subnet_route_table_association": (
        ValueCheck(
            "route_table_id",
            "arm_id",
            None,
            f"{_SERVICES}/network/subnet_route_table_association_resource.go:52",
        ),
    ),
    "azurerm_virtual_network": (
        ValueCheck(
            "address_space",
            "not_empty",
            None,
            f"{_SERVICES}/network/virtual_network_resource.go:86",
        ),
    ),
    "databricks_cluster": (
        ValueCheck(
            "num_workers",
            "range",
            {"min": 0, "max": None},
            f"{DATABRICKS_SOURCE} clusters/resource_cluster.go:375",
        ),
        ValueCheck(
            "runtime_engine",
            "enum",
            ["PHOTON", "STANDARD"],
            f"{DATABRICKS_SOURCE} clusters/resource_cluster.go:374",
        ),
    ),
    "databricks_ip_access_list": (
        ValueCheck(
            "list_type",
            "enum",
            ["ALLOW", "BLOCK"],
            f"{DATABRICKS_SOURCE} access/resource_ip_access_list.go:24",
        ),
        ValueCheck(
            "ip_addresses",
            "ipv4_or_cidr",
            None,
            f"{DATABRICKS_SOURCE} access/resource_ip_access_list.go:27",
        ),
    ),
    "databricks_job": (
        ValueCheck(
            "max_concurrent_runs",
            "range",
            {"min": 0, "max": None},
            f"{DATABRICKS_SOURCE} jobs/resource_job.go:570",
        ),
        ValueCheck(
            "job_cluster.new_cluster.num_workers",
            "range",
            {"min": 0, "max": None},
            f"{DATABRICKS_SOURCE} jobs/resource_job.go:897",
        ),
        ValueCheck(
            "schedule.pause_status",
            "enum",
            ["PAUSED", "UNPAUSED"],
            f"{DATABRICKS_SOURCE} jobs/resource_job.go:567",
        ),
        ValueCheck(
            "trigger.periodic.unit",
            "enum",
            ["DAYS", "HOURS", "WEEKS"],
            f"{DATABRICKS_SOURCE} jobs/resource_job.go:599",
        ),
        ValueCheck(
            "trigger.periodic.interval",
            "range",
            {"min": 1, "max": None},
            f"{DATABRICKS_SOURCE} jobs/resource_job.go:598",
        ),
    ),
    "databricks_mws_network_connectivity_config": (
        ValueCheck(
            "name",
            "regex",
            ".{3,30}",
            f"{DATABRICKS_SOURCE} mws/resource_mws_network_connectivity_config.go:15",
        ),
    ),
    "databricks_notebook": (
        # FileContentSchema's `source`: os.Stat at validation, "File %s does not exist".
        _file_exists(f"{DATABRICKS_SOURCE} workspace/file_resource.go:92-106"),
        ValueCheck(
            "language",
            "enum",
            ["SCALA", "PYTHON", "R", "SQL"],
            f"{DATABRICKS_SOURCE} workspace/resource_notebook.go:236",
        ),
    ),
    "databricks_group": (
        ValueCheck(
            "display_name",
            "not_in",
            ["users", "admins"],
            f"{DATABRICKS_SOURCE} scim/resource_group.go:24",
        ),
    ),
    "databricks_permissions": (
        ValueCheck(
            "access_control.permission_level",
            "enum",
            ["CAN_USE"],
            f"{_PERMISSIONS}:353",
            when="cluster_policy_id",
        ),
        ValueCheck(
            "access_control.permission_level",
            "enum",
            ["CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"],
            f"{_PERMISSIONS}:371",
            when="cluster_id",
        ),
        ValueCheck(
            "access_control.permission_level",
            "enum",
            ["CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"],
            f"{_PERMISSIONS}:401",
            when="job_id",
        ),
        ValueCheck(
            "access_control.permission_level",
            "enum",
            ["CAN_USE", "CAN_MANAGE", "CAN_MONITOR", "CAN_VIEW", "IS_OWNER"],
            f"{_PERMISSIONS}:569",
            when="sql_endpoint_id",
        ),
    ),
    "databricks_secret_acl": (
        ValueCheck(
            "scope",
            "regex",
            "^[\\w\\.@_/-]{1,128}$",
            f"{DATABRICKS_SOURCE} secrets/resource_secret_acl.go:23",
        ),
    ),
    "databricks_secret_scope": (
        ValueCheck(
            "name",
            "regex",
            "^[\\w\\.@_/-]{1,128}$",
            f"{DATABRICKS_SOURCE} secrets/resource_secret_scope.go:60",
        ),
    ),
    "databricks_sql_endpoint": (
        ValueCheck(
            "cluster_size",
            "enum",
            [
                "2X-Small",
                "X-Small",
                "Small",
                "Medium",
                "Large",
                "X-Large",
                "2X-Large",
                "3X-Large",
                "4X-Large",
            ],
            f"{DATABRICKS_SOURCE} sql/resource_sql_endpoint.go:64",
        ),
        ValueCheck(
            "max_num_clusters",
            "range",
            {"min": 1, "max": 30},
            f"{DATABRICKS_SOURCE} sql/resource_sql_endpoint.go:71",
        ),
        ValueCheck(
            "warehouse_type",
            "enum",
            ["PRO", "CLASSIC"],
            f"{DATABRICKS_SOURCE} sql/resource_sql_endpoint.go:86",
        ),
    ),
    "databricks_workspace_file": (
        _file_exists(f"{DATABRICKS_SOURCE} workspace/file_resource.go:92-106"),
    ),
    "databricks_workspace_binding": (
        ValueCheck(
            "securable_type",
            "enum",
            ["catalog", "external_location", "storage_credential", "credential"],
            f"{DATABRICKS_SOURCE} catalog/resource_workspace_binding.go:75",
        ),
        ValueCheck(
            "binding_type",
            "enum",
            ["BINDING_TYPE_READ_WRITE", "BINDING_TYPE_READ_ONLY"],
            f"{DATABRICKS_SOURCE} catalog/resource_workspace_binding.go:78",
        ),
    ),
}
"""What the providers refuse at plan, for the arguments the stacks set (read at the tags by
helpers of the 2026-12-07 review; each cites its line). Not here, so the real providers check
them where the registry is reachable: cross-argument rules (ConflictsWith, ExactlyOneOf,
RequiredWith, the workspace's public access with AllRules), databricks_permissions' levels per
object type beyond the four listed, and what the services refuse only at apply."""
