"""components.data_lake: the ADLS Gen2 account, its containers, endpoints and diagnostics."""

from __future__ import annotations

import pytest

from components.data_lake import DataLake, DataLakeProps
from platform_config.data_contract import LAKE_CONTAINERS
from tests.helpers import PLACEMENT, by_name, only, resources, synth_construct

LOG_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/l"


def props(**overrides) -> DataLakeProps:
    values = dict(
        name="stmdpdevlake01",
        containers=LAKE_CONTAINERS,
        placement=PLACEMENT,
        private_endpoint_subnet_id="subnet-id",
        dfs_private_dns_zone_id="zone-dfs",
        blob_private_dns_zone_id="zone-blob",
        dfs_private_endpoint_name="pep-lake-dfs",
        blob_private_endpoint_name="pep-lake-blob",
        log_analytics_workspace_id=LOG_ID,
    )
    return DataLakeProps(**{**values, **overrides})


def lake(**overrides):
    built = {}

    def build(scope):
        built["lake"] = DataLake(scope, "lake", props=props(**overrides))

    tf = synth_construct(build)
    return tf, built["lake"]


@pytest.fixture(scope="module")
def default_lake():
    return lake()


def test_account_is_hns_and_forbids_shared_keys(default_lake):
    account = only(default_lake[0], "azurerm_storage_account")
    assert account["is_hns_enabled"] is True
    assert account["shared_access_key_enabled"] is False
    assert account["default_to_oauth_authentication"] is True
    assert account["local_user_enabled"] is False


def test_account_is_private_and_encrypted(default_lake):
    account = only(default_lake[0], "azurerm_storage_account")
    assert account["public_network_access_enabled"] is False
    assert account["allow_nested_items_to_be_public"] is False
    assert account["min_tls_version"] == "TLS1_2"
    assert account["https_traffic_only_enabled"] is True
    assert account["infrastructure_encryption_enabled"] is True
    assert account["network_rules"]["default_action"] == "Deny"


def test_account_keeps_soft_deleted_blobs_and_containers_for_seven_days(default_lake):
    blob = only(default_lake[0], "azurerm_storage_account")["blob_properties"]
    assert blob["delete_retention_policy"]["days"] == 7
    assert blob["container_delete_retention_policy"]["days"] == 7


def test_account_cannot_be_destroyed_and_leaves_firewall_rules_to_their_owner(default_lake):
    lifecycle = only(default_lake[0], "azurerm_storage_account")["lifecycle"]
    assert lifecycle["prevent_destroy"] is True
    assert lifecycle["ignore_changes"] == ["network_rules"]


def test_medallion_and_unity_catalog_containers_are_private(default_lake):
    containers = by_name(resources(default_lake[0], "azurerm_storage_container"))
    assert set(containers) == {"landing", "bronze", "silver", "gold", "unity-catalog"}
    assert {c["container_access_type"] for c in containers.values()} == {"private"}


def test_dfs_and_blob_private_endpoints_register_in_their_zones(default_lake):
    endpoints = by_name(resources(default_lake[0], "azurerm_private_endpoint"))
    assert set(endpoints) == {"pep-lake-dfs", "pep-lake-blob"}
    for sub in ("dfs", "blob"):
        endpoint = endpoints[f"pep-lake-{sub}"]
        assert endpoint["subnet_id"] == "subnet-id"
        assert endpoint["private_service_connection"]["subresource_names"] == [sub]
        assert endpoint["private_service_connection"]["is_manual_connection"] is False
        assert endpoint["private_dns_zone_group"]["private_dns_zone_ids"] == [f"zone-{sub}"]


def test_account_blob_and_queue_services_send_diagnostics(default_lake):
    settings = resources(default_lake[0], "azurerm_monitor_diagnostic_setting")
    targets = sorted(s["target_resource_id"].rsplit("}", 1)[-1] for s in settings)
    assert targets == ["", "/blobServices/default", "/queueServices/default"]
    assert {s["log_analytics_workspace_id"] for s in settings} == {LOG_ID}


def test_container_ids_are_exposed_per_container(default_lake):
    _, construct = default_lake
    assert set(construct.container_ids) == set(LAKE_CONTAINERS)


@pytest.mark.parametrize("replication", ["LRS", "GZRS"])
def test_replication_type_option(replication):
    tf, _ = lake(replication_type=replication)
    assert only(tf, "azurerm_storage_account")["account_replication_type"] == replication


def test_soft_delete_days_option():
    tf, _ = lake(soft_delete_days=30)
    blob = only(tf, "azurerm_storage_account")["blob_properties"]
    assert blob["delete_retention_policy"]["days"] == 30


def test_containers_option():
    tf, _ = lake(containers=("raw", "curated"))
    assert set(by_name(resources(tf, "azurerm_storage_container"))) == {"raw", "curated"}


def test_fails_if_name_breaks_storage_account_rules():
    with pytest.raises(ValueError, match="name: storage account name 'st-lake'"):
        lake(name="st-lake")


def test_fails_if_replication_type_is_unknown():
    with pytest.raises(ValueError, match="replication_type 'XRS' is not one of LRS, ZRS"):
        lake(replication_type="XRS")


def test_fails_if_soft_delete_days_out_of_range():
    with pytest.raises(ValueError, match="soft_delete_days must be 1-365 days; got 0"):
        lake(soft_delete_days=0)


def test_fails_if_containers_repeat():
    with pytest.raises(ValueError, match="non-empty and unique"):
        lake(containers=("raw", "raw"))
