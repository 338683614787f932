"""What the mocked providers return: values shaped as Azure and Databricks return them.

A `mock_provider` invents a random string for every computed value it is not told. The stacks
feed those values to other resources, and the providers parse what they are given: an ARM id
is split into its segments, a principal id becomes a number, a workspace URL is dialled. A
random string would pass where the real value fails, or fail where it passes. So each resource
and data source type the stacks use gets the values its real provider would compute, in their
real shapes: the ARM id of that resource type, numeric Databricks ids, a workspace URL. A type
the stacks start using without an entry here fails the rehearsal (`missing_types`), so the
table grows with the stacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000e1"
TENANT = "00000000-0000-0000-0000-0000000000e2"
GROUP = "rg-rehearsal"
MANAGED_GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-pview-managed"
WORKSPACE_ID = "1234567890123456"
WORKSPACE_URL = f"adb-{WORKSPACE_ID}.7.azuredatabricks.net"


def arm(namespace: str, *segments: str, group: str = GROUP) -> str:
    """An ARM resource id: /subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<...>."""
    base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{namespace}"
    return "/".join((base, *segments))


def _uuid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012x}"


_LAKE = arm("Microsoft.Storage", "storageAccounts", "strehearsallake")
_VNET = arm("Microsoft.Network", "virtualNetworks", "vnet-rehearsal")
_FACTORY = arm("Microsoft.DataFactory", "factories", "adf-rehearsal")
_IDENTITY = {"principal_id": _uuid(0x101), "tenant_id": TENANT}
_VAULT_URI = "https://kv-rehearsal.vault.azure.net/"
_KEY_VERSION = "0123456789abcdef0123456789abcdef"

AZURERM_RESOURCES: Mapping[str, Mapping[str, Any]] = {
    # Azure reports no key as "" (the provider sets it so); a mock would invent one.
    "azurerm_data_factory": {
        "id": _FACTORY,
        "identity": _IDENTITY,
        "customer_managed_key_id": "",
        "customer_managed_key_identity_id": "",
    },
    "azurerm_data_factory_credential_user_managed_identity": {
        "id": f"{_FACTORY}/credentials/cred-rehearsal"
    },
    "azurerm_data_factory_custom_dataset": {"id": f"{_FACTORY}/datasets/ds_rehearsal"},
    "azurerm_data_factory_integration_runtime_azure": {
        "id": f"{_FACTORY}/integrationruntimes/ir-rehearsal"
    },
    "azurerm_data_factory_linked_custom_service": {"id": f"{_FACTORY}/linkedservices/ls_rehearsal"},
    "azurerm_data_factory_managed_private_endpoint": {
        "id": f"{_FACTORY}/managedVirtualNetworks/default/managedPrivateEndpoints/mpe-rehearsal"
    },
    "azurerm_data_factory_pipeline": {"id": f"{_FACTORY}/pipelines/pl_rehearsal"},
    "azurerm_data_factory_trigger_schedule": {"id": f"{_FACTORY}/triggers/tr_rehearsal"},
    "azurerm_databricks_access_connector": {
        "id": arm("Microsoft.Databricks", "accessConnectors", "dbac-rehearsal"),
        "identity": _IDENTITY,
    },
    "azurerm_databricks_workspace": {
        "id": arm("Microsoft.Databricks", "workspaces", "dbw-rehearsal"),
        "workspace_id": WORKSPACE_ID,
        "workspace_url": WORKSPACE_URL,
        "managed_resource_group_id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dbw-managed",
        "storage_account_identity": [{"principal_id": _uuid(0x102), "tenant_id": TENANT}],
        # The disk encryption set's identity, once a managed disk key is set.
        "managed_disk_identity": [
            {"principal_id": _uuid(0x10A), "tenant_id": TENANT, "type": "SystemAssigned"}
        ],
        "disk_encryption_set_id": arm(
            "Microsoft.Compute", "diskEncryptionSets", "des-rehearsal", group="rg-dbw-managed"
        ),
        # A block: one object for its one element. Databricks names the account itself.
        "custom_parameters": {"storage_account_name": "dbstoragerehearsal0001"},
    },
    "azurerm_databricks_workspace_root_dbfs_customer_managed_key": {
        "id": arm("Microsoft.Databricks", "workspaces", "dbw-rehearsal"),
    },
    "azurerm_key_vault": {
        "id": arm("Microsoft.KeyVault", "vaults", "kv-rehearsal"),
        "vault_uri": _VAULT_URI,
    },
    # Keys have data-plane ids (versioned and not) and Resource Manager ids (a role's scope).
    "azurerm_key_vault_key": {
        "id": f"{_VAULT_URI}keys/cmk-rehearsal/{_KEY_VERSION}",
        "versionless_id": f"{_VAULT_URI}keys/cmk-rehearsal",
        "version": _KEY_VERSION,
        "resource_id": arm(
            "Microsoft.KeyVault",
            "vaults",
            "kv-rehearsal",
            "keys",
            "cmk-rehearsal",
            "versions",
            _KEY_VERSION,
        ),
        "resource_versionless_id": arm(
            "Microsoft.KeyVault", "vaults", "kv-rehearsal", "keys", "cmk-rehearsal"
        ),
    },
    "azurerm_key_vault_access_policy": {
        "id": arm("Microsoft.KeyVault", "vaults", "kv-rehearsal", "objectId", _uuid(0x103))
    },
    "azurerm_log_analytics_workspace": {
        "id": arm("Microsoft.OperationalInsights", "workspaces", "log-rehearsal"),
        "workspace_id": _uuid(0x104),
    },
    "azurerm_monitor_diagnostic_setting": {
        "id": f"{_LAKE}|diag-log-analytics",
    },
    "azurerm_nat_gateway": {"id": arm("Microsoft.Network", "natGateways", "ng-rehearsal")},
    "azurerm_nat_gateway_public_ip_association": {
        "id": f"{arm('Microsoft.Network', 'natGateways', 'ng-rehearsal')}|"
        f"{arm('Microsoft.Network', 'publicIPAddresses', 'pip-rehearsal')}"
    },
    "azurerm_network_security_group": {
        "id": arm("Microsoft.Network", "networkSecurityGroups", "nsg-rehearsal")
    },
    "azurerm_private_dns_zone": {
        "id": arm("Microsoft.Network", "privateDnsZones", "privatelink.rehearsal.net")
    },
    "azurerm_private_dns_zone_virtual_network_link": {
        "id": arm(
            "Microsoft.Network",
            "privateDnsZones",
            "privatelink.rehearsal.net",
            "virtualNetworkLinks",
            "link-rehearsal",
        )
    },
    "azurerm_private_endpoint": {
        "id": arm("Microsoft.Network", "privateEndpoints", "pep-rehearsal")
    },
    "azurerm_public_ip": {
        "id": arm("Microsoft.Network", "publicIPAddresses", "pip-rehearsal"),
        "ip_address": "203.0.113.10",
    },
    "azurerm_purview_account": {
        "id": arm("Microsoft.Purview", "accounts", "pview-rehearsal"),
        "identity": _IDENTITY,
        "managed_resources": [
            {
                "event_hub_namespace_id": arm(
                    "Microsoft.EventHub", "namespaces", "atlas-rehearsal", group="rg-pview-managed"
                ),
                "resource_group_id": MANAGED_GROUP_ID,
                "storage_account_id": arm(
                    "Microsoft.Storage",
                    "storageAccounts",
                    "scanrehearsal",
                    group="rg-pview-managed",
                ),
            }
        ],
    },
    "azurerm_role_assignment": {
        "id": f"{_LAKE}/providers/Microsoft.Authorization/roleAssignments/{_uuid(0x105)}",
        "principal_type": "ServicePrincipal",
    },
    "azurerm_storage_account": {
        "id": _LAKE,
        "identity": _IDENTITY,
        "primary_dfs_endpoint": "https://strehearsallake.dfs.core.windows.net/",
        "primary_blob_endpoint": "https://strehearsallake.blob.core.windows.net/",
    },
    "azurerm_storage_account_customer_managed_key": {"id": _LAKE},
    "azurerm_storage_account_network_rules": {"id": _LAKE},
    "azurerm_storage_container": {
        "id": f"{_LAKE}/blobServices/default/containers/rehearsal",
    },
    "azurerm_subnet": {"id": f"{_VNET}/subnets/snet-rehearsal"},
    "azurerm_subnet_nat_gateway_association": {"id": f"{_VNET}/subnets/snet-rehearsal"},
    "azurerm_subnet_network_security_group_association": {"id": f"{_VNET}/subnets/snet-rehearsal"},
    "azurerm_subnet_route_table_association": {"id": f"{_VNET}/subnets/snet-rehearsal"},
    "azurerm_user_assigned_identity": {
        "id": arm("Microsoft.ManagedIdentity", "userAssignedIdentities", "id-rehearsal"),
        "principal_id": _uuid(0x106),
        "client_id": _uuid(0x107),
        "tenant_id": TENANT,
    },
    "azurerm_virtual_network": {"id": _VNET},
}

AZURERM_DATA: Mapping[str, Mapping[str, Any]] = {
    "azurerm_client_config": {
        "client_id": _uuid(0x108),
        "object_id": _uuid(0x109),
        "subscription_id": SUBSCRIPTION,
        "tenant_id": TENANT,
    },
    "azurerm_private_dns_zone": {
        "id": arm("Microsoft.Network", "privateDnsZones", "privatelink.rehearsal.net")
    },
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
    "azurerm_virtual_network": {"id": _VNET, "guid": _uuid(0x10A)},
}

DATABRICKS_RESOURCES: Mapping[str, Mapping[str, Any]] = {
    # Account and workspace principals: numeric SCIM ids (principal_id takes a number).
    "databricks_group": {"id": "812345678901234"},
    "databricks_service_principal": {"id": "712345678901234"},
    "databricks_group_member": {"id": "812345678901234|712345678901234"},
    "databricks_mws_permission_assignment": {"id": f"{WORKSPACE_ID}|812345678901234"},
    "databricks_entitlements": {"id": "group/812345678901234"},
    "databricks_mws_network_connectivity_config": {
        "id": f"{_uuid(0xA)}/{_uuid(0x201)}",
        "network_connectivity_config_id": _uuid(0x201),
    },
    "databricks_metastore_assignment": {"id": f"{WORKSPACE_ID}|{_uuid(0x202)}"},
    "databricks_storage_credential": {"id": "sc-rehearsal", "storage_credential_id": _uuid(0x203)},
    "databricks_external_location": {"id": "el-rehearsal"},
    "databricks_catalog": {"id": "rehearsal", "metastore_id": _uuid(0x202)},
    "databricks_schema": {"id": "rehearsal.bronze", "schema_id": _uuid(0x204)},
    "databricks_grants": {"id": "catalog/rehearsal"},
    "databricks_workspace_binding": {"id": f"{WORKSPACE_ID}|catalog|rehearsal"},
    # Workspace objects: a policy and a warehouse have hex ids, a cluster and a job their own.
    "databricks_cluster_policy": {"id": "E0123456789ABCDE", "policy_id": "E0123456789ABCDE"},
    "databricks_cluster": {"id": "1202-211500-rehears1", "cluster_id": "1202-211500-rehears1"},
    "databricks_sql_endpoint": {"id": "0123456789abcdef", "data_source_id": _uuid(0x205)},
    "databricks_job": {"id": "912345678901234"},
    "databricks_permissions": {"id": "/jobs/912345678901234"},
    "databricks_secret_scope": {"id": "rehearsal"},
    "databricks_ip_access_list": {"id": _uuid(0x206)},
    "databricks_workspace_conf": {"id": "_"},
    "databricks_disable_legacy_access_setting": {"id": "global", "etag": "rehearsal"},
    "databricks_disable_legacy_dbfs_setting": {"id": "global", "etag": "rehearsal"},
    "databricks_enhanced_security_monitoring_workspace_setting": {
        "id": "global",
        "etag": "rehearsal",
    },
    "databricks_compliance_security_profile_workspace_setting": {
        "id": "global",
        "etag": "rehearsal",
    },
    "databricks_secret_acl": {"id": "rehearsal|||mdp-rehearsal"},
    "databricks_directory": {"id": "/Shared/rehearsal", "object_id": 1234567890123},
    "databricks_notebook": {
        "id": "/Shared/rehearsal/nb",
        "object_id": 1234567890124,
        "url": f"https://{WORKSPACE_URL}/#workspace/Shared/rehearsal/nb",
    },
    "databricks_workspace_file": {
        "id": "/Shared/rehearsal/file",
        "object_id": 1234567890125,
        "url": f"https://{WORKSPACE_URL}/#workspace/Shared/rehearsal/file",
    },
}

DATABRICKS_DATA: Mapping[str, Mapping[str, Any]] = {
    "databricks_cluster_policy": {"id": "E0123456789ABCDF"},
    "databricks_group": {"id": "812345678901235"},
    "databricks_metastore": {"id": _uuid(0x202), "metastore_id": _uuid(0x202)},
}

TABLES: Mapping[str, tuple[Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]]] = {
    "azurerm": (AZURERM_RESOURCES, AZURERM_DATA),
    "databricks": (DATABRICKS_RESOURCES, DATABRICKS_DATA),
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
            if type_name not in table:
                missing.append(f"{kind} {type_name}")
    return missing


def mock_provider_blocks(provider: str, aliases: Iterable[str | None]) -> str:
    """`mock_provider` blocks (HCL) for provider, one per alias, with the tables' values."""
    resources, data = TABLES[provider]
    body = []
    for type_name, values in sorted(resources.items()):
        body.append(f'  mock_resource "{type_name}" {{\n    defaults = {_hcl(values)}\n  }}')
    for type_name, values in sorted(data.items()):
        body.append(f'  mock_data "{type_name}" {{\n    defaults = {_hcl(values)}\n  }}')
    blocks = []
    for alias in sorted(aliases, key=lambda a: a or ""):
        head = f'mock_provider "{provider}" {{\n' + (f'  alias = "{alias}"\n' if alias else "")
        blocks.append(head + "\n".join(body) + "\n}\n")
    return "\n".join(blocks)


def _hcl(value: Any) -> str:
    """A value as an HCL expression (JSON is HCL's object and tuple syntax)."""
    import json

    return json.dumps(value, sort_keys=True)
