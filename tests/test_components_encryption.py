"""components.encryption and the keys' consumers: keys with rotation that cannot be destroyed,
the least role on each key, the lake and the workspace encrypted with theirs."""

from __future__ import annotations

from typing import Any

import pytest

from components.data_lake import DataLake
from components.encryption import (
    KEY_USER_ROLE,
    EncryptionKeys,
    EncryptionKeysProps,
    KeySpec,
)
from tests.helpers import only, resources, synth_construct
from tests.test_components_data_lake import props as lake_props

VAULT = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"


def keys_props(**overrides: Any) -> EncryptionKeysProps:
    values: dict[str, Any] = dict(
        key_vault_id=VAULT,
        hsm=True,
        keys=(KeySpec(id="lake", name="cmk-lake"), KeySpec(id="other", name="cmk-other")),
        tags={"environment": "dev"},
    )
    return EncryptionKeysProps(**{**values, **overrides})


def keyed_lake(**key_overrides: Any) -> dict[str, Any]:
    def build(scope):
        keys = EncryptionKeys(scope, "keys", props=keys_props(**key_overrides))
        DataLake(scope, "lake", props=lake_props(customer_managed_key=keys.keys["lake"]))

    return synth_construct(build)


def test_keys_rotate_wrap_only_and_cannot_be_destroyed():
    tf = keyed_lake()
    keys = resources(tf, "azurerm_key_vault_key")
    assert [k["name"] for k in keys] == ["cmk-lake", "cmk-other"]
    for key in keys:
        assert key["key_type"] == "RSA-HSM" and key["key_size"] == 3072
        assert key["key_opts"] == ["wrapKey", "unwrapKey"]
        assert key["rotation_policy"] == {"automatic": {"time_after_creation": "P365D"}}
        assert key["lifecycle"] == {"prevent_destroy": True}


def test_an_expiry_comes_with_a_notice_and_a_standard_vault_gets_software_keys():
    tf = keyed_lake(hsm=False, rotate_after_days=90, expire_after_days=180)
    key = resources(tf, "azurerm_key_vault_key")[0]
    assert key["key_type"] == "RSA"
    assert key["rotation_policy"] == {
        "automatic": {"time_after_creation": "P90D"},
        "expire_after": "P180D",
        "notify_before_expiry": "P30D",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key_size": 1024}, "key_size 1024 is not one of 2048, 3072, 4096"),
        ({"rotate_after_days": 3}, "rotate_after_days"),
        ({"rotate_after_days": 90, "expire_after_days": 100}, r"at least rotate_after_days \+ 28"),
        ({"keys": ()}, "keys must be non-empty"),
    ],
)
def test_bad_key_settings_are_refused_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        keyed_lake(**overrides)


def test_the_lake_reads_its_key_through_its_own_identity_and_keeps_it():
    tf = keyed_lake()
    account = only(tf, "azurerm_storage_account")
    assert account["identity"] == {"type": "SystemAssigned"}
    # The key resource sets the key; the account's own block would take it off again.
    assert account["lifecycle"]["ignore_changes"] == ["network_rules", "customer_managed_key"]
    (grant,) = [
        g
        for g in resources(tf, "azurerm_role_assignment")
        if g["role_definition_name"] == KEY_USER_ROLE
    ]
    assert grant["principal_id"].endswith(".identity[0].principal_id}")
    assert "keys_lake_" in grant["scope"] and grant["scope"].endswith(".resource_versionless_id}")
    cmk = only(tf, "azurerm_storage_account_customer_managed_key")
    assert "key_version" not in cmk  # versionless: Azure Storage follows rotations
    assert cmk["depends_on"] == [
        next(
            f"azurerm_role_assignment.{n}"
            for n, g in tf["resource"]["azurerm_role_assignment"].items()
            if g is grant
        )
    ]


def test_a_lake_without_a_key_has_no_identity_and_ignores_only_its_firewall():
    from tests.test_components_data_lake import lake

    tf, _ = lake()
    account = only(tf, "azurerm_storage_account")
    assert "identity" not in account
    assert account["lifecycle"]["ignore_changes"] == ["network_rules"]


CMK_FINDINGS = {"CKV2_AZURE_1", "CKV2_AZURE_48"}  # the lake's and the DBFS root's keys


def test_microsoft_managed_keys_are_accepted_only_where_keys_are_off(synth_dir, config_of):
    import json

    accepted = json.loads((synth_dir / "policy-exceptions.json").read_text())
    for env, config in config_of.items():
        found = {
            a["check_id"]
            for a in accepted
            if a["stack"].startswith(f"{env}-") and a["check_id"] in CMK_FINDINGS
        }
        keys = config.encryption.customer_managed_keys.enabled
        assert found == (set() if keys else CMK_FINDINGS), env


def _key(name: str):
    from components.databricks import WorkspaceKey

    return WorkspaceKey(
        id=f"https://kv.vault.azure.net/keys/{name}/0123456789abcdef0123456789abcdef",
        resource_id=f"{VAULT}/keys/{name}",
    )


def test_the_workspace_takes_its_keys_then_grants_the_identities_it_made():
    from components.databricks import WorkspaceKeys
    from tests.test_components_databricks import workspace

    tf = workspace(
        keys=WorkspaceKeys(
            managed_services=_key("services"),
            managed_disks=_key("disks"),
            workspace_storage=_key("storage"),
        )
    )
    ws = only(tf, "azurerm_databricks_workspace")
    assert ws["customer_managed_key_enabled"] is True
    assert ws["managed_services_cmk_key_vault_key_id"] == _key("services").id
    assert ws["managed_disk_cmk_key_vault_key_id"] == _key("disks").id
    assert ws["managed_disk_cmk_rotation_to_latest_version_enabled"] is True
    grants = {
        g["scope"]: g
        for g in resources(tf, "azurerm_role_assignment")
        if g["role_definition_name"] == KEY_USER_ROLE
    }
    # The second step: identities the workspace made, each on its own key.
    assert grants[f"{VAULT}/keys/disks"]["principal_id"].endswith(
        ".managed_disk_identity[0].principal_id}"
    )
    storage_grant = grants[f"{VAULT}/keys/storage"]
    assert storage_grant["principal_id"].endswith(".storage_account_identity[0].principal_id}")
    dbfs = only(tf, "azurerm_databricks_workspace_root_dbfs_customer_managed_key")
    assert dbfs["key_vault_key_id"] == _key("storage").id
    (after,) = dbfs["depends_on"]
    assert after.startswith("azurerm_role_assignment.ws_storage-key-user_")


def test_a_workspace_without_keys_sets_none():
    from tests.test_components_databricks import workspace

    tf = workspace()
    ws = only(tf, "azurerm_databricks_workspace")
    assert not {k for k in ws if "cmk" in k or k == "customer_managed_key_enabled"}
    assert not resources(tf, "azurerm_databricks_workspace_root_dbfs_customer_managed_key")
