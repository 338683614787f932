"""Terraform addresses of stateful resources are a contract.

Changing a construct id (or moving a construct) changes the address, and Terraform then destroys
the old resource and creates a new one: data in the lake, Key Vault secrets or the workspace would
be lost. If a rename is intended, add a `moved` block (cdktf: `resource.move_to(...)`) and update
this list in the same change.
"""

from __future__ import annotations

import pytest

STATEFUL: dict[str, set[str]] = {
    "network": {
        "azurerm_subnet.databricks-subnets_host-subnet_0888DDB9",
        "azurerm_subnet.databricks-subnets_container-subnet_0AE6E3D2",
        "azurerm_subnet.private-endpoint-subnet_3AE21B0B",
    },
    "platform": {
        "azurerm_storage_account.lake_account_92054329",
        "azurerm_storage_container.lake_container-landing_93B72706",
        "azurerm_storage_container.lake_container-bronze_9643FCAB",
        "azurerm_storage_container.lake_container-silver_3703CB1B",
        "azurerm_storage_container.lake_container-gold_CFB7C9F4",
        "azurerm_storage_container.lake_container-unity-catalog_8A59044C",
        "azurerm_key_vault.key-vault-platform_vault_C2F9BD15",
        "azurerm_key_vault.key-vault-databricks_vault_A723DCED",
        "azurerm_log_analytics_workspace.log-analytics_workspace_0A77D0FB",
    },
    "databricks": {
        "azurerm_databricks_workspace.workspace_B76F7DCA",
        "azurerm_databricks_access_connector.access-connector_31F7EDB7",
    },
}
SANDBOX_ONLY = {
    "azurerm_virtual_network.sandbox-vnet",
    "azurerm_public_ip.nat-egress_public-ip_FB1D5A89",  # allow-lists hold its address
    "azurerm_nat_gateway.nat-egress_gateway_45FED17B",
    "azurerm_private_dns_zone.private-dns-zones_dfs-zone_0149AB0F",
    "azurerm_private_dns_zone.private-dns-zones_blob-zone_78E4B885",
    "azurerm_private_dns_zone.private-dns-zones_vault-zone_73AB05A3",
    "azurerm_private_dns_zone.private-dns-zones_databricks-zone_FD45AA9E",
}
PREVENT_DESTROY = (
    "azurerm_storage_account", "azurerm_key_vault", "azurerm_databricks_workspace",
)


def addresses(tf) -> set[str]:
    return {f"{t}.{name}" for t, items in tf.get("resource", {}).items() for name in items}


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("stack", sorted(STATEFUL))
def test_stateful_resources_keep_their_addresses(stacks, env, stack):
    missing = STATEFUL[stack] - addresses(stacks[f"{env}-{stack}"])
    assert not missing, f"{env}-{stack}: stateful resources would be replaced: {sorted(missing)}"


def test_sandbox_network_keeps_its_vnet_and_zone_addresses(stacks):
    missing = SANDBOX_ONLY - addresses(stacks["dev-network"])
    assert not missing, f"dev-network: would be replaced: {sorted(missing)}"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stateful_resources_carry_prevent_destroy(stacks, env):
    for stack in STATEFUL:
        tf = stacks[f"{env}-{stack}"]
        for resource_type in PREVENT_DESTROY:
            for name, resource in tf.get("resource", {}).get(resource_type, {}).items():
                assert resource["lifecycle"]["prevent_destroy"] is True, f"{resource_type}.{name}"
