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
        DataLake(
            scope,
            "lake",
            props=lake_props(
                customer_managed_key=keys.keys["lake"], key_identity_name="id-mdp-dev-lake-cmk"
            ),
        )

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


def test_the_lake_reads_its_key_through_an_identity_known_at_plan_and_keeps_it():
    """Not the account's own identity: given to the deployed lake by an update, its principal
    plans null (the SDK marks nothing unknown on update) and the grant reading it fails."""
    tf = keyed_lake()
    account = only(tf, "azurerm_storage_account")
    (identity_name, identity) = next(iter(tf["resource"]["azurerm_user_assigned_identity"].items()))
    assert identity["name"] == "id-mdp-dev-lake-cmk"
    reference = f"${{azurerm_user_assigned_identity.{identity_name}"
    assert account["identity"] == {"type": "UserAssigned", "identity_ids": [f"{reference}.id}}"]}
    # The key resource sets the key; the account's own block would take it off again.
    assert account["lifecycle"]["ignore_changes"] == ["network_rules", "customer_managed_key"]
    (grant,) = [
        g
        for g in resources(tf, "azurerm_role_assignment")
        if g["role_definition_name"] == KEY_USER_ROLE
    ]
    assert grant["principal_id"] == f"{reference}.principal_id}}"
    assert "keys_lake_" in grant["scope"] and grant["scope"].endswith(".resource_versionless_id}")
    cmk = only(tf, "azurerm_storage_account_customer_managed_key")
    assert "key_version" not in cmk  # versionless: Azure Storage follows rotations
    assert cmk["user_assigned_identity_id"] == f"{reference}.id}}"
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
            a["check_id"]: a["reason"]
            for a in accepted
            if a["stack"].startswith(f"{env}-") and a["check_id"] in CMK_FINDINGS
        }
        if not config.encryption.customer_managed_keys.enabled:
            assert set(found) == CMK_FINDINGS, env
            continue
        # With keys, the lake has its key; the DBFS root's is set by the databricks-keys stack,
        # which checkov does not read beside the workspace: accepted, naming where it is.
        assert set(found) == {"CKV2_AZURE_48"}, env
        assert "databricks-keys stack" in found["CKV2_AZURE_48"], env
        keys_stack = json.loads(
            (synth_dir / "stacks" / f"{env}-databricks-keys" / "cdk.tf.json").read_text()
        )
        assert keys_stack["resource"]["azurerm_databricks_workspace_root_dbfs_customer_managed_key"]


def _key(name: str):
    from components.databricks import WorkspaceKey

    return WorkspaceKey(
        id=f"https://kv.vault.azure.net/keys/{name}/0123456789abcdef0123456789abcdef",
        resource_id=f"{VAULT}/keys/{name}",
    )


def _keys():
    from components.databricks import WorkspaceKeys

    return WorkspaceKeys(
        managed_services=_key("services"),
        managed_disks=_key("disks"),
        workspace_storage=_key("storage"),
    )


def test_the_workspace_takes_its_keys_and_publishes_the_identities_it_makes():
    from tests.test_components_databricks import workspace

    tf = workspace(keys=_keys())
    ws = only(tf, "azurerm_databricks_workspace")
    assert ws["customer_managed_key_enabled"] is True
    assert ws["managed_services_cmk_key_vault_key_id"] == _key("services").id
    assert ws["managed_disk_cmk_key_vault_key_id"] == _key("disks").id
    assert ws["managed_disk_cmk_rotation_to_latest_version_enabled"] is True
    # No grant here: the identities exist only once this workspace is applied with its keys.
    assert not [
        g
        for g in resources(tf, "azurerm_role_assignment")
        if g["role_definition_name"] == KEY_USER_ROLE
    ]
    assert not resources(tf, "azurerm_databricks_workspace_root_dbfs_customer_managed_key")
    # They are read back after the workspace (read during apply whenever it changes), never
    # from the resource's own lists, which hold [] in the plan of the update adding the keys.
    data = tf["data"]["azurerm_databricks_workspace"]
    ((_, read),) = data.items()
    assert read["depends_on"] == [
        f"azurerm_databricks_workspace.{next(iter(tf['resource']['azurerm_databricks_workspace']))}"
    ]
    assert read["name"] == ws["name"] and read["resource_group_name"] == ws["resource_group_name"]


def test_the_key_grants_wait_for_the_identities_and_the_dbfs_root_for_its_grant():
    from components.databricks import WorkspaceKeyGrants, WorkspaceKeyGrantsProps

    tf = synth_construct(
        lambda s: WorkspaceKeyGrants(
            s,
            "ws",
            props=WorkspaceKeyGrantsProps(
                workspace_resource_id="/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w",
                keys=_keys(),
                disk_identity_principal_id="disk-principal",
                storage_identity_principal_id="storage-principal",
            ),
        )
    )
    grants = {g["scope"]: g for g in resources(tf, "azurerm_role_assignment")}
    assert grants[f"{VAULT}/keys/disks"]["principal_id"] == "disk-principal"
    storage_grant = grants[f"{VAULT}/keys/storage"]
    assert storage_grant["principal_id"] == "storage-principal"
    for grant in grants.values():
        assert grant["role_definition_name"] == KEY_USER_ROLE
        (precondition,) = grant["lifecycle"]["precondition"]
        assert precondition["condition"].startswith("${can(regex(")
        assert "apply the databricks stack" in precondition["error_message"]
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


def test_the_near_expiry_notice_falls_inside_the_version_s_life_and_a_key_can_be_2048():
    """Key Vault refuses a notice later than 7 days before expiry; with the shortest expiry the
    config allows (rotation + 28) the notice moves earlier than the usual 30 days."""
    from components.encryption import notify_before_expiry_days

    assert notify_before_expiry_days(365) == 30 and notify_before_expiry_days(35) == 28
    tf = keyed_lake(
        rotate_after_days=7,
        expire_after_days=35,
        keys=(
            KeySpec(id="lake", name="cmk-lake"),
            KeySpec(id="adf", name="cmk-adf", key_size=2048),
        ),
    )
    keys = {k["name"]: k for k in resources(tf, "azurerm_key_vault_key")}
    assert keys["cmk-lake"]["rotation_policy"]["notify_before_expiry"] == "P28D"
    assert (keys["cmk-lake"]["key_size"], keys["cmk-adf"]["key_size"]) == (3072, 2048)
    with pytest.raises(ValueError, match="adf.key_size 1024 is not one of"):
        keyed_lake(
            keys=(KeySpec(id="lake", name="cmk-lake"), KeySpec(id="adf", name="a", key_size=1024))
        )
