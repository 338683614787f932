"""What the rehearsal provider returns: per resource, the values Azure and Databricks would.

A provider fills the computed values of a resource from what the service returns for that
resource's configuration: an ARM id built from its own name and resource group, a principal id
only where an identity was asked for, a disk encryption set only where a disk key was given. A
value that is the same for every resource of a type, or filled where Azure returns nothing, lets
a rehearsal pass where the deploy fails (a grant reading `managed_disk_identity[0]` of a
workspace that has no disk key) or fail where it passes. So each type the stacks use has a spec
here, evaluated by the rehearsal provider (rehearsal/schema_provider.py) on the resource's own
planned values when it applies it, in the previous release as in the current one:

- a string may hold placeholders: `{attr}` a top-level value of the resource (`{attr:last}` the
  last segment of an id), `{subscription_id}` / `{account_id}` / `{host}` the provider's
  configuration, `{guid}` / `{hexN}` / `{HEXN}` / `{digits}` / `{octet}` (1-254) values derived
  from the resource's identifying values (the same in every attribute of one resource), `{uuid}`
  one derived from the attribute too (two identities of one resource differ);
- `returned(value)`: what the service answers for an argument left unset, stored by the
  provider at apply (a plugin-framework resource then fails as inconsistent, as it does);
- `when(test, then, otherwise)`: a value that depends on the configuration, each citing the
  provider code that decides it (`set(path)`: the argument is set and not empty;
  `contains(path, text)`);
- a nested block's spec is a dict applied to each of its elements.

A type the stacks start using without an entry fails the rehearsal (`missing_types`), and a test
fails when a stack reads a computed-only attribute that has no spec here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000e1"
"""Only where no provider configuration names one (the azurerm provider's subscription_id)."""
TENANT = "00000000-0000-0000-0000-0000000000e2"
METASTORE = "00000000-0000-0000-0000-000000000202"
WORKSPACE_ID = "1234567890123456"
WORKSPACE_URL = f"adb-{WORKSPACE_ID}.7.azuredatabricks.net"
"""The region's metastore and a workspace as data sources read them."""


def arm(namespace: str, *segments: str, group: str = "{resource_group_name}") -> str:
    """An ARM resource id: /subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<...>."""
    base = f"/subscriptions/{{subscription_id}}/resourceGroups/{group}/providers/{namespace}"
    return "/".join((base, *segments))


def when(test: Mapping[str, Any], then: Any, otherwise: Any) -> dict[str, Any]:
    return {"$if": dict(test), "then": then, "else": otherwise}


def is_set(path: str) -> dict[str, str]:
    return {"set": path}


def contains(path: str, text: str) -> dict[str, list[str]]:
    return {"contains": [path, text]}


def one_of(path: str, *values: Any) -> dict[str, list[Any]]:
    """The argument is one of values (null counts as None)."""
    return {"in": [path, list(values)]}


def returned(value: Any) -> dict[str, Any]:
    """What the service returns for an argument that is optional and not computed: the
    provider stores it after apply even when the configuration left it unset."""
    return {"$returned": value}


def _system_identity() -> dict[str, Any]:
    """An identity block's computed half. azurerm 4.55.0 flattens the identity with go-azure-
    helpers' FlattenLegacySystemAndUserAssignedMap (vendor/github.com/hashicorp/go-azure-helpers/
    resourcemanager/identity/legacy_system_and_user_assigned_map.go:136-168): principal_id and
    tenant_id come from the system-assigned identity only, "" for UserAssigned alone; without an
    identity block there is no element to fill (identity = [])."""
    assigned = contains("identity.type", "SystemAssigned")
    return {
        "principal_id": when(assigned, "{uuid}", ""),
        "tenant_id": when(assigned, TENANT, ""),
    }


_DATABRICKS_IDENTITY = {
    "principal_id": "{uuid}",
    "tenant_id": TENANT,
    "type": "SystemAssigned",
}

AZURERM_RESOURCES: Mapping[str, Mapping[str, Any]] = {
    # Azure reports no key as "" (the provider sets it so); a mock would invent one.
    "azurerm_data_factory": {
        "id": arm("Microsoft.DataFactory", "factories", "{name}"),
        "identity": _system_identity(),
        "customer_managed_key_id": "",
        "customer_managed_key_identity_id": "",
    },
    "azurerm_data_factory_credential_user_managed_identity": {
        "id": "{data_factory_id}/credentials/{name}"
    },
    "azurerm_data_factory_custom_dataset": {"id": "{data_factory_id}/datasets/{name}"},
    "azurerm_data_factory_integration_runtime_azure": {
        "id": "{data_factory_id}/integrationruntimes/{name}"
    },
    "azurerm_data_factory_linked_custom_service": {"id": "{data_factory_id}/linkedservices/{name}"},
    "azurerm_data_factory_managed_private_endpoint": {
        "id": "{data_factory_id}/managedVirtualNetworks/default/managedPrivateEndpoints/{name}"
    },
    "azurerm_data_factory_pipeline": {"id": "{data_factory_id}/pipelines/{name}"},
    "azurerm_data_factory_trigger_schedule": {"id": "{data_factory_id}/triggers/{name}"},
    "azurerm_databricks_access_connector": {
        "id": arm("Microsoft.Databricks", "accessConnectors", "{name}"),
        "identity": _system_identity(),
    },
    # internal/services/databricks/databricks_workspace_resource.go at v4.55.0, read (after
    # create and after every update), :847-853: storage_account_identity and
    # managed_disk_identity are flattened (flattenWorkspaceManagedIdentity, :1271) from the
    # workspace's properties.storageAccountIdentity / managedDiskIdentity; absent, both are [].
    # When Azure returns them is the service's behaviour, not the provider's code: once the
    # workspace prepares encryption (customer_managed_key_enabled) or has a managed disk key
    # (the disk encryption set it then creates), per Azure Databricks' customer-managed key
    # pages and the provider's acceptance tests (databricks_workspace_resource_test.go).
    # :897-901: disk_encryption_set_id is "" without a disk key. Both are computed-only, and the
    # SDK plans an update with the state's value: a workspace given its keys by an update plans
    # [] for both, and holds them only after the apply.
    "azurerm_databricks_workspace": {
        "id": arm("Microsoft.Databricks", "workspaces", "{name}"),
        "workspace_id": "{digits}",
        "workspace_url": "adb-{digits}.7.azuredatabricks.net",
        "managed_resource_group_id": (
            "/subscriptions/{subscription_id}/resourceGroups/{managed_resource_group_name}"
        ),
        "storage_account_identity": when(
            is_set("customer_managed_key_enabled"), [_DATABRICKS_IDENTITY], []
        ),
        "managed_disk_identity": when(
            is_set("managed_disk_cmk_key_vault_key_id"), [_DATABRICKS_IDENTITY], []
        ),
        "disk_encryption_set_id": when(
            is_set("managed_disk_cmk_key_vault_key_id"),
            arm(
                "Microsoft.Compute",
                "diskEncryptionSets",
                "des-{hex12}",
                group="{managed_resource_group_name}",
            ),
            "",
        ),
        # A block: its spec applies to its one element. Databricks names the account itself.
        "custom_parameters": {
            "storage_account_name": "dbstorage{hex13}",
            "storage_account_sku_name": "Standard_GRS",
            "nat_gateway_name": "nat-gateway",
            "public_ip_name": "nat-gw-public-ip",
            "vnet_address_prefix": "10.139",
        },
    },
    "azurerm_databricks_workspace_root_dbfs_customer_managed_key": {"id": "{workspace_id}"},
    # firewall_resource.go:629-653 at v4.55.0: ip_configuration's private_ip_address is the
    # address Azure gave the firewall in its AzureFirewallSubnet (its first free one, .4); one
    # per firewall here. The route table's next hop reads it, nothing assumes its value.
    "azurerm_firewall": {
        "id": arm("Microsoft.Network", "azureFirewalls", "{name}"),
        "ip_configuration": {"private_ip_address": "10.{octet}.0.4"},
    },
    # firewall_policy_resource.go:206-215: what refers to the policy, filled by Azure later.
    "azurerm_firewall_policy": {
        "id": arm("Microsoft.Network", "firewallPolicies", "{name}"),
        "child_policies": [],
        "firewalls": [],
        "rule_collection_groups": [],
    },
    "azurerm_firewall_policy_rule_collection_group": {
        "id": "{firewall_policy_id}/ruleCollectionGroups/{name}"
    },
    "azurerm_key_vault": {
        "id": arm("Microsoft.KeyVault", "vaults", "{name}"),
        "vault_uri": "https://{name}.vault.azure.net/",
    },
    # Keys have data-plane ids (versioned and not) and Resource Manager ids (a role's scope).
    "azurerm_key_vault_key": {
        "id": "https://{key_vault_id:last}.vault.azure.net/keys/{name}/{hex32}",
        "versionless_id": "https://{key_vault_id:last}.vault.azure.net/keys/{name}",
        "version": "{hex32}",
        "resource_id": "{key_vault_id}/keys/{name}/versions/{hex32}",
        "resource_versionless_id": "{key_vault_id}/keys/{name}",
    },
    "azurerm_key_vault_access_policy": {"id": "{key_vault_id}/objectId/{object_id}"},
    "azurerm_log_analytics_workspace": {
        "id": arm("Microsoft.OperationalInsights", "workspaces", "{name}"),
        "workspace_id": "{guid}",
        "sku": "PerGB2018",
        "retention_in_days": 30,
    },
    "azurerm_monitor_diagnostic_setting": {"id": "{target_resource_id}|{name}"},
    # Alerts at v4.55.0: ids built from their own names (monitor_action_group_resource.go:454,
    # monitor_metric_alert_resource.go:396, monitor_scheduled_query_rules_alert_v2_resource.go:
    # 421). A metric alert sends target_resource_type and _location as configured, "" when
    # unset (:419-420, :456), and reads them back (:558-559): a single-resource alert's stay "".
    # A log alert reads the API version that created it, the one the provider calls
    # (scheduledqueryrules 2023-03-15-preview, :15, :669-670), and whether its workspace alerts
    # storage is on (:695-696), which follows workspace_alerts_storage_enabled.
    "azurerm_monitor_action_group": {
        "id": arm("Microsoft.Insights", "actionGroups", "{name}"),
    },
    "azurerm_monitor_metric_alert": {
        "id": arm("Microsoft.Insights", "metricAlerts", "{name}"),
        "target_resource_type": "",
        "target_resource_location": "",
    },
    "azurerm_monitor_scheduled_query_rules_alert_v2": {
        "id": arm("Microsoft.Insights", "scheduledQueryRules", "{name}"),
        "created_with_api_version": "2023-03-15-preview",
        "is_a_legacy_log_analytics_rule": False,
        "is_workspace_alerts_storage_configured": when(
            {"equals": ["workspace_alerts_storage_enabled", True]}, True, False
        ),
    },
    # consumption_budget_base.go at v4.55.0: the id the create sets (:281) and the etag Azure
    # answers (:311-314), one per budget.
    "azurerm_consumption_budget_resource_group": {
        "id": "{resource_group_id}/providers/Microsoft.Consumption/budgets/{name}",
        "etag": '"{hex8}"',
    },
    "azurerm_nat_gateway": {
        "id": arm("Microsoft.Network", "natGateways", "{name}"),
        "resource_guid": "{guid}",
    },
    "azurerm_nat_gateway_public_ip_association": {"id": "{nat_gateway_id}|{public_ip_address_id}"},
    "azurerm_network_security_group": {
        "id": arm("Microsoft.Network", "networkSecurityGroups", "{name}")
    },
    "azurerm_private_dns_zone": {"id": arm("Microsoft.Network", "privateDnsZones", "{name}")},
    "azurerm_private_dns_zone_virtual_network_link": {
        "id": arm(
            "Microsoft.Network",
            "privateDnsZones",
            "{private_dns_zone_name}",
            "virtualNetworkLinks",
            "{name}",
        )
    },
    "azurerm_private_endpoint": {
        "id": arm("Microsoft.Network", "privateEndpoints", "{name}"),
        "private_service_connection": {"private_ip_address": "10.0.0.4"},
    },
    # public_ip_resource.go:451 at v4.55.0: `ip_address` is props.IPAddress, the address Azure
    # assigned to this resource: with Static allocation at create, with Dynamic only once it is
    # attached (empty before). One per public IP; the databricks stack allows the NAT's.
    "azurerm_public_ip": {
        "id": arm("Microsoft.Network", "publicIPAddresses", "{name}"),
        "ip_address": when(one_of("allocation_method", "Static"), "20.61.0.{octet}", ""),
    },
    # purview_account_resource.go:229, :340-352: Azure's managed resources; the Event Hub
    # namespace only with managed_event_hub_enabled (default true).
    "azurerm_purview_account": {
        "id": arm("Microsoft.Purview", "accounts", "{name}"),
        "identity": _system_identity(),
        "managed_resource_group_name": "managed-rg-{name}",
        "managed_resources": [
            {
                "event_hub_namespace_id": when(
                    {"equals": ["managed_event_hub_enabled", False]},
                    "",
                    arm(
                        "Microsoft.EventHub",
                        "namespaces",
                        "Atlas-{hex8}",
                        group="managed-rg-{name}",
                    ),
                ),
                "resource_group_id": "/subscriptions/{subscription_id}/resourceGroups/"
                "managed-rg-{name}",
                "storage_account_id": arm(
                    "Microsoft.Storage", "storageAccounts", "scan{hex12}", group="managed-rg-{name}"
                ),
            }
        ],
    },
    # route_table_resource.go:244 at v4.55.0: the subnets associated with it (by their own
    # resources, after the table exists): none when it is created.
    "azurerm_route_table": {
        "id": arm("Microsoft.Network", "routeTables", "{name}"),
        "subnets": [],
    },
    "azurerm_role_assignment": {
        "id": "{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
        "name": "{guid}",
        "principal_type": "ServicePrincipal",
        "role_definition_id": (
            "/subscriptions/{subscription_id}/providers/Microsoft.Authorization/"
            "roleDefinitions/{uuid}"
        ),
    },
    "azurerm_storage_account": {
        "id": arm("Microsoft.Storage", "storageAccounts", "{name}"),
        "identity": _system_identity(),
        # storage_account_helpers_endpoints_credentials.go:163-164, :219-228: Azure's primary
        # endpoints, "" where the account kind has none (dfs: Storage and FileStorage; blob:
        # FileStorage). account_kind defaults to StorageV2.
        "primary_dfs_endpoint": when(
            one_of("account_kind", "Storage", "FileStorage"),
            "",
            "https://{name}.dfs.core.windows.net/",
        ),
        "primary_blob_endpoint": when(
            one_of("account_kind", "FileStorage"), "", "https://{name}.blob.core.windows.net/"
        ),
        "access_tier": "Hot",
    },
    "azurerm_storage_account_customer_managed_key": {"id": "{storage_account_id}"},
    "azurerm_storage_account_network_rules": {"id": "{storage_account_id}"},
    "azurerm_storage_container": {
        "id": "{storage_account_id}/blobServices/default/containers/{name}",
        "resource_manager_id": "{storage_account_id}/blobServices/default/containers/{name}",
    },
    "azurerm_subnet": {
        "id": arm(
            "Microsoft.Network", "virtualNetworks", "{virtual_network_name}", "subnets", "{name}"
        )
    },
    "azurerm_subnet_nat_gateway_association": {"id": "{subnet_id}"},
    "azurerm_subnet_network_security_group_association": {"id": "{subnet_id}"},
    "azurerm_subnet_route_table_association": {"id": "{subnet_id}"},
    "azurerm_user_assigned_identity": {
        "id": arm("Microsoft.ManagedIdentity", "userAssignedIdentities", "{name}"),
        "principal_id": "{uuid}",
        "client_id": "{uuid}",
        "tenant_id": TENANT,
    },
    "azurerm_virtual_network": {
        "id": arm("Microsoft.Network", "virtualNetworks", "{name}"),
        "guid": "{guid}",
    },
}

AZURERM_DATA: Mapping[str, Mapping[str, Any]] = {
    "azurerm_client_config": {
        "client_id": "00000000-0000-0000-0000-000000000108",
        "object_id": "00000000-0000-0000-0000-000000000109",
        "subscription_id": "{subscription_id}",
        "tenant_id": TENANT,
    },
    "azurerm_private_dns_zone": {"id": arm("Microsoft.Network", "privateDnsZones", "{name}")},
    # key_vault_secret_data_source.go at v4.55.0: a secret someone wrote before the deploy (the
    # alerts' webhook URL), its value as written and its ids from the vault's and its own name.
    "azurerm_key_vault_secret": {
        "id": "https://{key_vault_id:last}.vault.azure.net/secrets/{name}/{hex32}",
        "value": "https://hooks.example.invalid/{hex16}",
        "versionless_id": "https://{key_vault_id:last}.vault.azure.net/secrets/{name}",
        "resource_id": "{key_vault_id}/secrets/{name}/versions/{hex32}",
        "resource_versionless_id": "{key_vault_id}/secrets/{name}",
    },
    # IT's route table, as the provider alone would answer for a table it knows nothing of: no
    # routes. The rehearsal plays IT with an override (rehearsal/workspace.py) that routes
    # 0.0.0.0/0 to the firewall the stack names, as docs/deployment.md asks IT to.
    "azurerm_route_table": {
        "id": arm("Microsoft.Network", "routeTables", "{name}"),
        "location": "westeurope",
        "bgp_route_propagation_enabled": True,
        "route": [],
        "subnets": [],
        "tags": {},
    },
    # Read by releases before the workspace named its own storage account (the previous
    # release may still use it): the workspace's managed resource group's storage account.
    "azurerm_resources": {
        "resources": [
            {
                "id": arm(
                    "Microsoft.Storage",
                    "storageAccounts",
                    "dbstoragerehearsal",
                    group="rg-dbw-managed",
                ),
                "name": "dbstoragerehearsal",
                "type": "Microsoft.Storage/storageAccounts",
                "location": "westeurope",
                "resource_group_name": "rg-dbw-managed",
                "tags": {},
            }
        ]
    },
    "azurerm_virtual_network": {
        "id": arm("Microsoft.Network", "virtualNetworks", "{name}"),
        "guid": "{guid}",
    },
}

DATABRICKS_RESOURCES: Mapping[str, Mapping[str, Any]] = {
    # Account and workspace principals: numeric SCIM ids (principal_id takes a number).
    "databricks_group": {"id": "{digits}", "acl_principal_id": "groups/{display_name}"},
    "databricks_service_principal": {
        "id": "{digits}",
        "application_id": "{uuid}",
        "acl_principal_id": "servicePrincipals/{application_id}",
    },
    "databricks_group_member": {"id": "{group_id}|{member_id}"},
    "databricks_mws_permission_assignment": {"id": "{workspace_id}|{principal_id}"},
    "databricks_entitlements": {"id": "entitlements/{digits}"},
    "databricks_mws_network_connectivity_config": {
        "id": "{account_id}/{guid}",
        "network_connectivity_config_id": "{guid}",
        "account_id": "{account_id}",
    },
    # Plugin-framework resources (vocabulary.providers.FRAMEWORK_RESOURCES). At v1.99.0
    # resource_account_network_policy.go's Create (:241-251) stores the API's answer, which
    # holds the account id, in an argument that is optional and not computed (:121-127): left
    # unset, the apply fails as inconsistent (databricks/terraform-provider-databricks#5477).
    # workspace_network_option's answer is what it sent (:163-173).
    "databricks_account_network_policy": {"account_id": returned("{account_id}")},
    "databricks_workspace_network_option": {},
    # settings/resource_notification_destination.go at v1.99.0: the id the API generates (a
    # UUID), and the type computed from the config block that is set (:14-51, :119).
    "databricks_notification_destination": {
        "id": "{guid}",
        "destination_type": when(is_set("config.email"), "EMAIL", "WEBHOOK"),
    },
    # resource_budget_policy.go at v1.99.0 (:287-301): the policy_id the API generates.
    "databricks_budget_policy": {"policy_id": "{guid}"},
    "databricks_metastore_assignment": {"id": "{workspace_id}|{metastore_id}"},
    "databricks_storage_credential": {
        "id": "{name}",
        "storage_credential_id": "{guid}",
        "metastore_id": METASTORE,
    },
    "databricks_external_location": {
        "id": "{name}",
        "credential_id": "{guid}",
        "metastore_id": METASTORE,
    },
    "databricks_catalog": {"id": "{name}", "metastore_id": METASTORE, "full_name": "{name}"},
    "databricks_schema": {
        "id": "{catalog_name}.{name}",
        "schema_id": "{guid}",
        "metastore_id": METASTORE,
    },
    "databricks_grants": {"id": "grants/{guid}"},
    "databricks_workspace_binding": {"id": "{workspace_id}|{securable_type}|{securable_name}"},
    # Workspace objects: a policy and a warehouse have hex ids, a cluster and a job their own.
    "databricks_cluster_policy": {"id": "{HEX16}", "policy_id": "{HEX16}"},
    "databricks_cluster": {"id": "1202-211500-{hex8}", "cluster_id": "1202-211500-{hex8}"},
    "databricks_sql_endpoint": {"id": "{hex16}", "data_source_id": "{guid}"},
    "databricks_job": {"id": "{digits}", "url": "https://{host}/#job/{digits}"},
    "databricks_permissions": {"id": "/permissions/{digits}"},
    "databricks_secret_scope": {"id": "{name}"},
    "databricks_ip_access_list": {"id": "{guid}"},
    "databricks_workspace_conf": {"id": "_"},
    "databricks_disable_legacy_access_setting": {"id": "global", "etag": "{hex16}"},
    "databricks_disable_legacy_dbfs_setting": {"id": "global", "etag": "{hex16}"},
    "databricks_default_namespace_setting": {"id": "global", "etag": "{hex16}"},
    "databricks_secret_acl": {"id": "{scope}|||{principal}"},
    "databricks_directory": {"id": "{path}", "object_id": "{digits}", "workspace_path": "{path}"},
    "databricks_notebook": {
        "id": "{path}",
        "object_id": "{digits}",
        "url": "https://{host}/#workspace{path}",
        "workspace_path": "/Workspace{path}",
    },
    "databricks_workspace_file": {
        "id": "{path}",
        "object_id": "{digits}",
        "url": "https://{host}/#workspace{path}",
        "workspace_path": "/Workspace{path}",
    },
}

DATABRICKS_DATA: Mapping[str, Mapping[str, Any]] = {
    "databricks_cluster_policy": {"id": "{HEX16}"},
    "databricks_group": {"id": "{digits}"},
    "databricks_metastore": {"id": METASTORE, "metastore_id": METASTORE},
    # A person in the account: a numeric SCIM id, an ACL principal by user name.
    "databricks_user": {"id": "{digits}", "acl_principal_id": "users/{user_name}"},
}

TABLES: Mapping[str, tuple[Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]]] = {
    "azurerm": (AZURERM_RESOURCES, AZURERM_DATA),
    "databricks": (DATABRICKS_RESOURCES, DATABRICKS_DATA),
}

READS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    # data source -> (the resource type it reads, the arguments that find the object). The
    # rehearsal provider keeps what it applied per test file, so these read the object as the
    # rehearsal made it (the workspace's identities after the apply that gave it its keys),
    # and fail as Azure does when it does not exist.
    "azurerm_databricks_workspace": (
        "azurerm_databricks_workspace",
        ("name", "resource_group_name"),
    ),
}

PROVIDER_DEFAULTS: Mapping[str, Mapping[str, str]] = {
    # What a placeholder takes when the provider's configuration does not say it.
    "azurerm": {"subscription_id": SUBSCRIPTION},
    "databricks": {
        "account_id": "00000000-0000-0000-0000-00000000000a",
        "host": WORKSPACE_URL,
    },
}


def missing_types(resource_types: Iterable[str], data_types: Iterable[str]) -> list[str]:
    """The types a rehearsal uses that have no mock values here."""
    missing = []
    for kind, types in (("resource", resource_types), ("data", data_types)):
        for type_name in sorted(set(types)):
            provider = type_name.split("_", 1)[0]
            if provider not in TABLES:
                continue
            table = TABLES[provider][0 if kind == "resource" else 1]
            if type_name not in table and not (kind == "data" and type_name in READS):
                missing.append(f"{kind} {type_name}")
    return missing


def has_spec(provider: str, kind: str, type_name: str, path: str) -> bool:
    """Whether a dotted attribute path of a type has a value here."""
    table = TABLES[provider][0 if kind == "resource" else 1]
    spec: Any = table.get(type_name)
    for segment in path.split("."):
        while isinstance(spec, list) and spec:
            spec = spec[0]
        while isinstance(spec, dict) and "$if" in spec:
            spec = spec["then"]
            while isinstance(spec, list) and spec:
                spec = spec[0]
        if not isinstance(spec, dict) or segment not in spec:
            return False
        spec = spec[segment]
    return True
