"""components.private_endpoint: endpoints + DNS zone groups + diagnostics, addresses kept."""

from __future__ import annotations

import pytest

from components.private_endpoint import (
    DEFAULT_ID,
    DiagnosticsSpec,
    EndpointSpec,
    PrivateAccess,
    PrivateAccessProps,
)
from tests.helpers import PLACEMENT, addresses, by_name, resources, synth_construct


def access(id_: str = DEFAULT_ID, **overrides):
    values = dict(
        placement=PLACEMENT,
        target_resource_id="target-id",
        subnet_id="pep-subnet",
        endpoints=(
            EndpointSpec(
                id="private-endpoint-dfs",
                name="pep-x-dfs",
                subresource="dfs",
                private_dns_zone_id="zone-dfs",
            ),
            EndpointSpec(
                id="private-endpoint-blob",
                name="pep-x-blob",
                subresource="blob",
                private_dns_zone_id="zone-blob",
            ),
        ),
        log_analytics_workspace_id="log-id",
    )
    return synth_construct(
        lambda s: PrivateAccess(s, id_, props=PrivateAccessProps(**{**values, **overrides}))
    )


def test_each_endpoint_registers_in_its_zone_with_a_named_nic():
    endpoints = by_name(resources(access(), "azurerm_private_endpoint"))
    assert set(endpoints) == {"pep-x-dfs", "pep-x-blob"}
    dfs = endpoints["pep-x-dfs"]
    assert dfs["custom_network_interface_name"] == "pep-x-dfs-nic"
    assert dfs["subnet_id"] == "pep-subnet"
    assert dfs["private_service_connection"]["subresource_names"] == ["dfs"]
    assert dfs["private_service_connection"]["private_connection_resource_id"] == "target-id"
    assert dfs["private_dns_zone_group"]["private_dns_zone_ids"] == ["zone-dfs"]
    assert dfs["tags"] == dict(PLACEMENT.tags)


def test_target_logs_go_to_log_analytics_by_default():
    (setting,) = resources(access(), "azurerm_monitor_diagnostic_setting")
    assert setting["target_resource_id"] == "target-id"
    assert setting["enabled_log"] == [{"category_group": "allLogs"}]


def test_diagnostics_option_targets_sub_services():
    tf = access(
        diagnostics=(
            DiagnosticsSpec(
                id="diagnostics-blob",
                target_suffix="/blobServices/default",
                metrics=("Transaction",),
            ),
        )
    )
    (setting,) = resources(tf, "azurerm_monitor_diagnostic_setting")
    assert setting["target_resource_id"] == "target-id/blobServices/default"


def test_the_default_id_is_left_out_of_terraform_addresses():
    hidden = addresses(access(DEFAULT_ID))
    visible = addresses(access("access"))
    assert "azurerm_private_endpoint.private-endpoint-dfs_endpoint_80493E06" in hidden
    assert all(".access_" in address for address in visible)


def test_fails_if_there_is_no_endpoint():
    with pytest.raises(ValueError, match="endpoints must name at least one private endpoint"):
        access(endpoints=())


def test_fails_if_an_endpoint_id_is_given_twice():
    spec = EndpointSpec(id="pe", name="a", subresource="dfs", private_dns_zone_id="z")
    with pytest.raises(ValueError, match="endpoint pe given twice"):
        access(
            endpoints=(
                spec,
                EndpointSpec(id="pe", name="b", subresource="blob", private_dns_zone_id="z"),
            )
        )
