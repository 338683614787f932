"""Terraform addresses of stateful resources are a contract.

Changing a construct id (or moving a construct) changes the address, and Terraform then destroys
the old resource and creates a new one: data in the lake, Key Vault secrets or the workspace would
be lost. If a rename is intended, add a `moved` block (cdktf: `resource.move_to(...)`) and update
this list in the same change.

Pins are keyed by the kind of stack, so every environment, shipped now or added later, is held
to them; a new kind of stack must declare its pins here (an empty set says "nothing stateful").
"""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNTS, ENVIRONMENTS
from tests.helpers import addresses

# Resources whose loss loses data: `cdktf destroy` must refuse them. Each is pinned as well.
PREVENT_DESTROY: dict[str, set[str]] = {
    "platform": {
        "azurerm_storage_account.lake_account_92054329",
        "azurerm_key_vault.key-vault-platform_vault_C2F9BD15",
        "azurerm_key_vault.key-vault-databricks_vault_A723DCED",
    },
    "databricks": {"azurerm_databricks_workspace.workspace_B76F7DCA"},
    "governance": {"azurerm_purview_account.purview_account_031844FF"},
    "unity-catalog": {
        "databricks_catalog.catalog_890A6A3F",
        "databricks_schema.catalog_schema-bronze_83F858AB",
        "databricks_schema.catalog_schema-silver_120FAA8A",
        "databricks_schema.catalog_schema-gold_84CA1B11",
        "databricks_storage_credential.lake-storage_credential_D70ED602",
        "databricks_external_location.lake-storage_location-landing_CC4F7F98",
        "databricks_external_location.lake-storage_location-bronze_96039D8A",
        "databricks_external_location.lake-storage_location-silver_5A6C3EE1",
        "databricks_external_location.lake-storage_location-gold_B9CB9D71",
        "databricks_external_location.lake-storage_location-unity-catalog_2A824154",
    },
}
# Pinned besides those: stateful, or referenced by id elsewhere.
_ALSO_PINNED: dict[str, set[str]] = {
    "network": {
        "azurerm_subnet.databricks-subnets_host-subnet_0888DDB9",
        "azurerm_subnet.databricks-subnets_container-subnet_0AE6E3D2",
        "azurerm_subnet.private-endpoint-subnet_3AE21B0B",
    },
    "platform": {
        "azurerm_storage_container.lake_container-landing_93B72706",
        "azurerm_storage_container.lake_container-bronze_9643FCAB",
        "azurerm_storage_container.lake_container-silver_3703CB1B",
        "azurerm_storage_container.lake_container-gold_CFB7C9F4",
        "azurerm_storage_container.lake_container-unity-catalog_8A59044C",
        "azurerm_log_analytics_workspace.log-analytics_workspace_0A77D0FB",
    },
    "databricks": {"azurerm_databricks_access_connector.access-connector_31F7EDB7"},
    # The disk encryption set and the DBFS root read their keys through these grants.
    "databricks-keys": {
        "azurerm_role_assignment.workspace_disks-key-user_9C2467F1",
        "azurerm_role_assignment.workspace_storage-key-user_0D4B1ECC",
        "azurerm_databricks_workspace_root_dbfs_customer_managed_key.workspace_dbfs-root-key_8C4BC7A0",
    },
    "unity-catalog": {
        "databricks_metastore_assignment.metastore_assignment_7A5CA01C",
        "databricks_group.principals_admin-group_1E208CCF",
    },
    "governance": {"azurerm_user_assigned_identity.purview_identity_76E4E3A5"},
    # Its identity holds the role assignments; a new factory would be a new identity.
    "ingestion": {"azurerm_data_factory.data-factory_8276E94C"},
    # Not data, but their ids are referenced (Data Factory starts the job by id).
    "workloads": {
        "databricks_job.job_77CC76E5",
        "databricks_sql_endpoint.sql-warehouse_7140F755",
        "databricks_cluster_policy.cluster-policy_468ACADA",
    },
}
STATEFUL: dict[str, set[str]] = {
    kind: PREVENT_DESTROY.get(kind, set()) | pins for kind, pins in _ALSO_PINNED.items()
}
NAT_EGRESS = {
    "azurerm_public_ip.nat-egress_public-ip_FB1D5A89",  # allow-lists hold its address
    "azurerm_nat_gateway.nat-egress_gateway_45FED17B",
}
"""Where the config keeps a NAT gateway: dev's firewall (network.firewall) replaces it on
purpose, and docs/deployment.md says so."""
SANDBOX_ONLY = {
    "azurerm_virtual_network.sandbox-vnet",
    "azurerm_private_dns_zone.private-dns-zones_dfs-zone_0149AB0F",
    "azurerm_private_dns_zone.private-dns-zones_blob-zone_78E4B885",
    "azurerm_private_dns_zone.private-dns-zones_vault-zone_73AB05A3",
    "azurerm_private_dns_zone.private-dns-zones_databricks-zone_FD45AA9E",
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_stateful_resources_keep_their_addresses(synthesized, env):
    for stack in synthesized.stack_ids[env]:
        kind = synthesized.kind(stack)
        assert kind in STATEFUL, f"{stack}: declare its stateful addresses in STATEFUL"
        missing = STATEFUL[kind] - addresses(synthesized.stacks[stack])
        assert not missing, f"{stack}: stateful resources would be replaced: {sorted(missing)}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_sandbox_network_keeps_its_vnet_and_zone_addresses(synthesized, config_of, env):
    if not config_of[env].network.sandbox:
        pytest.skip(f"{env} uses IT's network")
    kept = SANDBOX_ONLY | (NAT_EGRESS if config_of[env].network.creates_nat_gateway else set())
    missing = kept - addresses(synthesized.stacks[f"{env}-network"])
    assert not missing, f"{env}-network: would be replaced: {sorted(missing)}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_data_bearing_resources_carry_prevent_destroy(synthesized, env):
    checked = 0
    for stack in synthesized.stack_ids[env]:
        resources = synthesized.stacks[stack].get("resource", {})
        for address in PREVENT_DESTROY.get(synthesized.kind(stack), set()):
            resource_type, logical_id = address.split(".", 1)
            lifecycle = resources[resource_type][logical_id].get("lifecycle", {})
            assert lifecycle.get("prevent_destroy") is True, f"{stack}: {address}"
            checked += 1
    kinds = {synthesized.kind(stack) for stack in synthesized.stack_ids[env]}
    assert checked == sum(len(pins) for kind, pins in PREVENT_DESTROY.items() if kind in kinds)


def test_prevent_destroy_pins_are_pinned_addresses():
    for kind, pins in PREVENT_DESTROY.items():
        assert pins <= STATEFUL[kind]


# With encryption.customer_managed_keys: losing a key loses what it encrypts.
CUSTOMER_MANAGED_KEYS = {
    "azurerm_key_vault_key.keys_lake_15A6658D",
    "azurerm_key_vault_key.keys_databricks-services_B2CD2C99",
    "azurerm_key_vault_key.keys_databricks-disks_76DC9336",
    "azurerm_key_vault_key.keys_databricks-storage_2075A5F3",
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_customer_managed_keys_keep_their_addresses_and_cannot_be_destroyed(
    synthesized, config_of, env
):
    if not config_of[env].encryption.customer_managed_keys.enabled:
        pytest.skip(f"{env} has no customer-managed keys")
    platform = synthesized.stacks[f"{env}-platform"]
    missing = CUSTOMER_MANAGED_KEYS - addresses(platform)
    assert not missing, f"{env}-platform: keys would be replaced: {sorted(missing)}"
    for address in CUSTOMER_MANAGED_KEYS:
        resource_type, logical_id = address.split(".", 1)
        body = platform["resource"][resource_type][logical_id]
        assert body["lifecycle"]["prevent_destroy"] is True, address


# The account scope's principals: one for_each resource per kind, present when the account file
# declares that kind (its instances are keyed by name, so adding one changes no address).
ACCOUNT_PRINCIPALS = {
    "groups": "databricks_group.shared_groups_43053C1C",
    "entra-groups": "databricks_group.shared_entra-groups_897EF5CB",
    "service-principals": "databricks_service_principal.shared_service-principals_7E0EDCE8",
}


@pytest.mark.parametrize("account", ACCOUNTS)
def test_account_principals_keep_their_addresses(synthesized, account):
    from platform_config.loader import load_accounts
    from tests.conftest import CONFIG_DIR

    (config,) = [a for a in load_accounts(CONFIG_DIR) if a.account == account]
    declared = {
        "groups": any(not g.entra_object_id for g in config.groups),
        "entra-groups": any(g.entra_object_id for g in config.groups),
        "service-principals": bool(config.service_principals),
    }
    found = addresses(synthesized.stacks[synthesized.account_stack_ids[account]])
    for kind, address in ACCOUNT_PRINCIPALS.items():
        assert (address in found) is declared[kind], f"{account}: {kind} at {address}"
