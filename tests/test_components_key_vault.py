"""components.key_vault: RBAC, purge-protected, private Key Vaults."""

from __future__ import annotations

import pytest

from components.key_vault import PrivateKeyVault, PrivateKeyVaultProps
from tests.helpers import PLACEMENT, only, synth_construct


def vault(**overrides):
    values = dict(
        name="kv-mdp-dev-dbw-01",
        placement=PLACEMENT,
        tenant_id="tenant",
        private_endpoint_subnet_id="subnet-id",
        private_endpoint_name="pep-kv",
        private_dns_zone_id="zone-vault",
        log_analytics_workspace_id="log-id",
    )
    return synth_construct(
        lambda s: PrivateKeyVault(s, "kv", props=PrivateKeyVaultProps(**{**values, **overrides}))
    )


@pytest.fixture(scope="module")
def default_vault():
    return vault()


def test_vault_uses_rbac_and_purge_protection(default_vault):
    kv = only(default_vault, "azurerm_key_vault")
    assert kv["rbac_authorization_enabled"] is True
    assert kv["purge_protection_enabled"] is True
    assert kv["soft_delete_retention_days"] == 90
    assert kv["sku_name"] == "standard"


def test_vault_has_no_public_access(default_vault):
    kv = only(default_vault, "azurerm_key_vault")
    assert kv["public_network_access_enabled"] is False
    assert kv["network_acls"]["default_action"] == "Deny"


def test_vault_cannot_be_destroyed(default_vault):
    assert only(default_vault, "azurerm_key_vault")["lifecycle"]["prevent_destroy"] is True


def test_vault_private_endpoint_registers_in_the_vault_zone(default_vault):
    endpoint = only(default_vault, "azurerm_private_endpoint")
    assert endpoint["name"] == "pep-kv"
    assert endpoint["private_service_connection"]["subresource_names"] == ["vault"]
    assert endpoint["private_dns_zone_group"]["private_dns_zone_ids"] == ["zone-vault"]


def test_vault_sends_all_logs(default_vault):
    setting = only(default_vault, "azurerm_monitor_diagnostic_setting")
    assert setting["enabled_log"] == [{"category_group": "allLogs"}]


def test_premium_sku_option():
    assert only(vault(sku_name="premium"), "azurerm_key_vault")["sku_name"] == "premium"


def test_soft_delete_retention_option():
    kv = only(vault(soft_delete_retention_days=7), "azurerm_key_vault")
    assert kv["soft_delete_retention_days"] == 7


def test_fails_if_name_breaks_key_vault_rules():
    with pytest.raises(ValueError, match="name: Key Vault name '1kv'"):
        vault(name="1kv")


def test_fails_if_sku_is_unknown():
    with pytest.raises(ValueError, match="sku_name 'basic' is not one of standard, premium"):
        vault(sku_name="basic")


def test_fails_if_retention_out_of_range():
    with pytest.raises(ValueError, match="soft_delete_retention_days must be 7-90 days; got 120"):
        vault(soft_delete_retention_days=120)


WRITER = "00000000-0000-0000-0000-0000000000c1"
DATABRICKS_APP = "00000000-0000-0000-0000-0000000000f1"


def test_secret_writers_are_secrets_officers_on_an_rbac_vault():
    from tests.helpers import resources

    tf = vault(secret_writers=(WRITER,))
    (assignment,) = resources(tf, "azurerm_role_assignment")
    assert assignment["role_definition_name"] == "Key Vault Secrets Officer"
    assert assignment["principal_id"] == WRITER
    assert assignment["scope"].startswith("${azurerm_key_vault.")
    assert resources(tf, "azurerm_key_vault_access_policy") == []


def test_an_access_policy_reader_switches_the_vault_to_access_policies():
    """Databricks' Key-Vault-backed secret scopes support only the access-policy model."""
    from tests.helpers import resources

    tf = vault(secret_writers=(WRITER,), access_policy_readers=(DATABRICKS_APP,))
    assert only(tf, "azurerm_key_vault")["rbac_authorization_enabled"] is False
    policies = {p["object_id"]: p for p in resources(tf, "azurerm_key_vault_access_policy")}
    assert policies[DATABRICKS_APP]["secret_permissions"] == ["Get", "List"]
    assert {"Set", "Delete"} <= set(policies[WRITER]["secret_permissions"])
    assert resources(tf, "azurerm_role_assignment") == []


def test_fails_if_an_object_id_is_not_a_guid():
    with pytest.raises(ValueError, match="'the-writers' is not an Entra object id"):
        vault(secret_writers=("the-writers",))
