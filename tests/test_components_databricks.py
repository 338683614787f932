"""components.databricks: the Access Connector and the VNet-injected workspace."""

from __future__ import annotations

import pytest

from components.databricks import (
    AccessConnector,
    AccessConnectorProps,
    Workspace,
    WorkspaceProps,
    WorkspaceStorageAccess,
)
from tests.helpers import PLACEMENT, by_name, only, resources, synth_construct

LAKE_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"


def container_id(name: str) -> str:
    return f"{LAKE_ID}/blobServices/default/containers/{name}"


def connector(**overrides):
    values = dict(
        name="dbac-mdp-dev",
        placement=PLACEMENT,
        storage_account_id=LAKE_ID,
        data_container_ids={n: container_id(n) for n in ("bronze", "silver")},
        read_only_container_ids={"landing": container_id("landing")},
        tenant_id="tenant",
    )
    return synth_construct(
        lambda s: AccessConnector(s, "ac", props=AccessConnectorProps(**{**values, **overrides}))
    )


@pytest.fixture(scope="module")
def default_connector():
    return connector()


def roles_by_scope(tf) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for assignment in resources(tf, "azurerm_role_assignment"):
        out.setdefault(assignment["scope"], set()).add(assignment["role_definition_name"])
    return out


def test_connector_has_a_system_assigned_identity(default_connector):
    ac = only(default_connector, "azurerm_databricks_access_connector")
    assert ac["identity"] == {"type": "SystemAssigned"}


def test_blob_data_contributor_is_scoped_to_containers_not_the_account(default_connector):
    roles = roles_by_scope(default_connector)
    assert roles[container_id("bronze")] == {"Storage Blob Data Contributor"}
    assert roles[container_id("silver")] == {"Storage Blob Data Contributor"}
    assert "Storage Blob Data Contributor" not in roles[LAKE_ID]


def test_read_only_containers_get_blob_data_reader(default_connector):
    assert roles_by_scope(default_connector)[container_id("landing")] == {
        "Storage Blob Data Reader"
    }


def test_account_roles_allow_listing_and_file_events(default_connector):
    assert roles_by_scope(default_connector)[LAKE_ID] == {
        "Reader",
        "Storage Queue Data Contributor",
        "EventGrid EventSubscription Contributor",
    }


def test_role_assignments_go_to_the_connector_identity(default_connector):
    (ac_id,) = default_connector["resource"]["azurerm_databricks_access_connector"]
    principals = {
        a["principal_id"] for a in resources(default_connector, "azurerm_role_assignment")
    }
    assert principals == {
        f"${{azurerm_databricks_access_connector.{ac_id}.identity[0].principal_id}}"
    }


def test_lake_firewall_admits_the_connector_by_resource_access_rule(default_connector):
    rules = only(default_connector, "azurerm_storage_account_network_rules")
    (ac_id,) = default_connector["resource"]["azurerm_databricks_access_connector"]
    assert rules["storage_account_id"] == LAKE_ID
    assert rules["default_action"] == "Deny"
    assert rules["private_link_access"] == [
        {
            "endpoint_resource_id": f"${{azurerm_databricks_access_connector.{ac_id}.id}}",
            "endpoint_tenant_id": "tenant",
        }
    ]


def test_read_only_containers_option_defaults_to_none():
    tf = connector(read_only_container_ids={})
    assert "Storage Blob Data Reader" not in {
        a["role_definition_name"] for a in resources(tf, "azurerm_role_assignment")
    }


def test_fails_if_no_data_container_is_given():
    with pytest.raises(ValueError, match="data_container_ids must name at least one container"):
        connector(data_container_ids={})


def test_fails_if_container_is_both_read_only_and_read_write():
    with pytest.raises(ValueError, match=r"containers \['landing'\] are both"):
        connector(data_container_ids={"landing": container_id("landing")})


def workspace(**overrides):
    values = dict(
        name="dbw-mdp-dev",
        placement=PLACEMENT,
        managed_resource_group_name="rg-mdp-dev-dbw-managed",
        virtual_network_id="vnet-id",
        host_subnet_name="snet-host",
        container_subnet_name="snet-container",
        host_nsg_association_id="assoc-host",
        container_nsg_association_id="assoc-container",
        private_endpoint_subnet_id="pep-subnet",
        ui_api_private_endpoint_name="pep-dbw-ui-api",
        browser_authentication_private_endpoint_name="pep-dbw-browser-auth",
        databricks_private_dns_zone_id="zone-dbx",
        log_analytics_workspace_id="log-id",
    )
    return synth_construct(
        lambda s: Workspace(s, "ws", props=WorkspaceProps(**{**values, **overrides}))
    )


@pytest.fixture(scope="module")
def default_workspace():
    return workspace()


def test_workspace_is_premium_and_vnet_injected_without_public_ips(default_workspace):
    ws = only(default_workspace, "azurerm_databricks_workspace")
    assert ws["sku"] == "premium"
    params = ws["custom_parameters"]
    assert params["no_public_ip"] is True
    assert params["virtual_network_id"] == "vnet-id"
    assert params["public_subnet_name"] == "snet-host"
    assert params["private_subnet_name"] == "snet-container"
    assert params["public_subnet_network_security_group_association_id"] == "assoc-host"
    assert params["private_subnet_network_security_group_association_id"] == "assoc-container"


def test_workspace_is_private_by_default(default_workspace):
    ws = only(default_workspace, "azurerm_databricks_workspace")
    assert ws["public_network_access_enabled"] is False
    assert ws["network_security_group_rules_required"] == "NoAzureDatabricksRules"


def test_workspace_cannot_be_destroyed(default_workspace):
    ws = only(default_workspace, "azurerm_databricks_workspace")
    assert ws["lifecycle"]["prevent_destroy"] is True


def test_workspace_has_ui_api_and_browser_auth_endpoints_by_default(default_workspace):
    endpoints = by_name(resources(default_workspace, "azurerm_private_endpoint"))
    assert {
        n: e["private_service_connection"]["subresource_names"] for n, e in endpoints.items()
    } == {
        "pep-dbw-ui-api": ["databricks_ui_api"],
        "pep-dbw-browser-auth": ["browser_authentication"],
    }
    for endpoint in endpoints.values():
        assert endpoint["private_dns_zone_group"]["private_dns_zone_ids"] == ["zone-dbx"]
        assert endpoint["subnet_id"] == "pep-subnet"


def test_workspace_sends_all_logs(default_workspace):
    setting = only(default_workspace, "azurerm_monitor_diagnostic_setting")
    assert setting["enabled_log"] == [{"category_group": "allLogs"}]


def test_browser_authentication_endpoint_option():
    endpoints = by_name(
        resources(workspace(browser_authentication_endpoint=False), "azurerm_private_endpoint")
    )
    assert set(endpoints) == {"pep-dbw-ui-api"}


def test_public_network_access_option():
    ws = only(workspace(public_network_access=True), "azurerm_databricks_workspace")
    assert ws["public_network_access_enabled"] is True
    assert ws["network_security_group_rules_required"] == "AllRules"
    assert ws["custom_parameters"]["no_public_ip"] is True


def _private_storage(**overrides):
    values = dict(
        access_connector_id="connector-id",
        subscription_id="00000000-0000-0000-0000-000000000000",
        dfs_private_endpoint_name="pep-dbw-storage-dfs",
        blob_private_endpoint_name="pep-dbw-storage-blob",
        dfs_private_dns_zone_id="zone-dfs",
        blob_private_dns_zone_id="zone-blob",
    )
    return WorkspaceStorageAccess(**{**values, **overrides})


@pytest.mark.parametrize("firewall", [True, False])
def test_workspace_storage_endpoints_with_the_firewall_or_before_it(firewall):
    """firewall False: the first of two deploys on an existing workspace (the endpoints first,
    so that classic compute keeps its storage when the firewall comes on)."""
    tf = workspace(private_storage=_private_storage(firewall=firewall))
    ws = only(tf, "azurerm_databricks_workspace")
    endpoints = by_name(resources(tf, "azurerm_private_endpoint"))
    assert {"pep-dbw-storage-dfs", "pep-dbw-storage-blob"} <= set(endpoints)
    if firewall:
        assert ws["default_storage_firewall_enabled"] is True
        assert ws["access_connector_id"] == "connector-id"
    else:
        assert "default_storage_firewall_enabled" not in ws and "access_connector_id" not in ws


def test_fails_if_sku_is_not_premium():
    with pytest.raises(
        ValueError,
        match="sku .Unity Catalog and private link need premium. .standard. is not one of premium",
    ):
        workspace(sku="standard")


def test_enhanced_security_is_the_workspace_s_own_block_on_azure():
    """The databricks provider's settings resources say to use azurerm's block on Azure; the
    profile needs monitoring and automatic cluster updates, and takes HIPAA and PCI_DSS."""
    from components.databricks import EnhancedSecurity

    tf = workspace(
        enhanced_security=EnhancedSecurity(
            monitoring=True, automatic_cluster_update=True, compliance_standards=("HIPAA",)
        )
    )
    ws = only(tf, "azurerm_databricks_workspace")
    assert ws["enhanced_security_compliance"] == {
        "automatic_cluster_update_enabled": True,
        "compliance_security_profile_enabled": True,
        "compliance_security_profile_standards": ["HIPAA"],
        "enhanced_security_monitoring_enabled": True,
    }
    assert "enhanced_security_compliance" not in only(workspace(), "azurerm_databricks_workspace")
    with pytest.raises(ValueError, match="needs monitoring and automatic_cluster_update"):
        workspace(enhanced_security=EnhancedSecurity(monitoring=True, compliance_standards=()))
    with pytest.raises(ValueError, match="compliance_standards 'SOC2' is not one of HIPAA"):
        workspace(
            enhanced_security=EnhancedSecurity(
                monitoring=True, automatic_cluster_update=True, compliance_standards=("SOC2",)
            )
        )
