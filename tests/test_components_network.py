"""components.network: Databricks subnets, the private-endpoint subnet, private DNS zones."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformOutput

from components.network import (
    DATABRICKS_DELEGATION,
    DatabricksSubnets,
    DatabricksSubnetsProps,
    NatEgress,
    NatEgressProps,
    PrivateDnsZones,
    PrivateDnsZonesProps,
    PrivateEndpointSubnet,
    PrivateEndpointSubnetProps,
    VirtualNetworkRef,
)
from tests.helpers import PLACEMENT, RG, by_name, data_sources, only, resources, synth_construct
from vocabulary.azure import PRIVATE_DNS_ZONES

VNET_ID = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v"
IT_VNET = VirtualNetworkRef(name="vnet-it", resource_group_name="rg-net")


def databricks_subnet_props(**overrides) -> DatabricksSubnetsProps:
    values = dict(
        placement=PLACEMENT,
        virtual_network=IT_VNET,
        host_subnet_name="snet-host",
        host_cidr="10.0.0.0/26",
        container_subnet_name="snet-container",
        container_cidr="10.0.0.64/26",
        nsg_name="nsg-dbw",
    )
    return DatabricksSubnetsProps(**{**values, **overrides})


def test_databricks_subnets_are_delegated_to_databricks_in_the_given_vnet():
    tf = synth_construct(lambda s: DatabricksSubnets(s, "dbx", props=databricks_subnet_props()))
    subnets = by_name(resources(tf, "azurerm_subnet"))
    assert set(subnets) == {"snet-host", "snet-container"}
    assert subnets["snet-host"]["address_prefixes"] == ["10.0.0.0/26"]
    assert subnets["snet-container"]["address_prefixes"] == ["10.0.0.64/26"]
    for subnet in subnets.values():
        assert subnet["virtual_network_name"] == "vnet-it"
        assert subnet["resource_group_name"] == "rg-net"
        assert subnet["default_outbound_access_enabled"] is False
        (delegation,) = subnet["delegation"]
        assert delegation["service_delegation"]["name"] == DATABRICKS_DELEGATION
        assert (
            "Microsoft.Network/virtualNetworks/subnets/join/action"
            in (delegation["service_delegation"]["actions"])
        )


def test_databricks_subnets_share_one_nsg_in_the_platform_resource_group():
    tf = synth_construct(lambda s: DatabricksSubnets(s, "dbx", props=databricks_subnet_props()))
    nsg = only(tf, "azurerm_network_security_group")
    assert (nsg["name"], nsg["resource_group_name"]) == ("nsg-dbw", RG)
    associations = resources(tf, "azurerm_subnet_network_security_group_association")
    assert len(associations) == 2
    (nsg_id,) = tf["resource"]["azurerm_network_security_group"]
    assert {a["network_security_group_id"] for a in associations} == {
        f"${{azurerm_network_security_group.{nsg_id}.id}}"
    }


def test_databricks_subnets_expose_each_subnets_own_name_and_association():
    """Each output refers to its own subnet: swapping host and container fails here."""

    def build(scope):
        subnets = DatabricksSubnets(scope, "dbx", props=databricks_subnet_props())
        for attribute in (
            "host_subnet_name",
            "host_subnet_id",
            "host_nsg_association_id",
            "container_subnet_name",
            "container_subnet_id",
            "container_nsg_association_id",
        ):
            TerraformOutput(scope, attribute, value=getattr(subnets, attribute))

    tf = synth_construct(build)
    outputs = {name: body["value"] for name, body in tf["output"].items()}
    by_subnet_name = {
        body["name"]: f"azurerm_subnet.{logical_id}"
        for logical_id, body in tf["resource"]["azurerm_subnet"].items()
    }
    association_of = {
        body["subnet_id"]: f"azurerm_subnet_network_security_group_association.{logical_id}"
        for logical_id, body in tf["resource"][
            "azurerm_subnet_network_security_group_association"
        ].items()
    }
    for role, subnet_name in (("host", "snet-host"), ("container", "snet-container")):
        subnet = by_subnet_name[subnet_name]
        assert outputs[f"{role}_subnet_name"] == f"${{{subnet}.name}}"
        assert outputs[f"{role}_subnet_id"] == f"${{{subnet}.id}}"
        association = association_of[f"${{{subnet}.id}}"]
        assert outputs[f"{role}_nsg_association_id"] == f"${{{association}.id}}"


ROUTE_TABLE = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt"


def test_route_table_associations_are_created_unless_it_made_them():
    def build(props):
        return lambda scope: DatabricksSubnets(scope, "dbx", props=props)

    created = synth_construct(build(databricks_subnet_props(route_table_id=ROUTE_TABLE)))
    associations = created["resource"]["azurerm_subnet_route_table_association"]
    assert len(associations) == 2 and "import" not in created
    imported = synth_construct(
        build(
            databricks_subnet_props(
                route_table_id=ROUTE_TABLE, import_route_table_associations_from=VNET_ID
            )
        )
    )
    # The importer takes the subnet's id (subnet_route_table_association_resource.go, v4.55.0):
    # one import block per association, to its own address.
    subnets = imported["resource"]["azurerm_subnet"]
    to = {
        f"{VNET_ID}/subnets/{subnets[body['subnet_id'].split('.')[1]]['name']}": (
            f"azurerm_subnet_route_table_association.{address}"
        )
        for address, body in imported["resource"]["azurerm_subnet_route_table_association"].items()
    }
    assert {block["id"]: block["to"] for block in imported["import"]} == to
    assert {i.rsplit("/", 1)[1] for i in to} == {"snet-host", "snet-container"}


def test_fails_if_databricks_subnet_is_smaller_than_26():
    with pytest.raises(ValueError, match="host_cidr: '10.0.0.0/27' must be /26 or larger"):
        synth_construct(
            lambda s: DatabricksSubnets(
                s, "dbx", props=databricks_subnet_props(host_cidr="10.0.0.0/27")
            )
        )


def test_fails_if_databricks_subnet_is_not_a_cidr():
    with pytest.raises(ValueError, match="container_cidr: '10.0.0/26' is not an IPv4 network"):
        synth_construct(
            lambda s: DatabricksSubnets(
                s, "dbx", props=databricks_subnet_props(container_cidr="10.0.0/26")
            )
        )


def test_fails_if_host_and_container_subnet_share_a_name():
    with pytest.raises(ValueError, match="must differ"):
        synth_construct(
            lambda s: DatabricksSubnets(
                s, "dbx", props=databricks_subnet_props(container_subnet_name="snet-host")
            )
        )


def pep_props(**overrides) -> PrivateEndpointSubnetProps:
    values = dict(
        placement=PLACEMENT,
        virtual_network=IT_VNET,
        subnet_name="snet-pep",
        cidr="10.0.1.0/28",
        nsg_name="nsg-pep",
    )
    return PrivateEndpointSubnetProps(**{**values, **overrides})


def test_private_endpoint_subnet_enforces_network_policies_and_has_its_own_nsg():
    tf = synth_construct(lambda s: PrivateEndpointSubnet(s, "pep", props=pep_props()))
    subnet = only(tf, "azurerm_subnet")
    assert subnet["private_endpoint_network_policies"] == "Enabled"
    assert "delegation" not in subnet
    assert only(tf, "azurerm_network_security_group")["name"] == "nsg-pep"
    only(tf, "azurerm_subnet_network_security_group_association")


def test_fails_if_private_endpoint_subnet_is_smaller_than_28():
    with pytest.raises(ValueError, match="cidr: '10.0.1.0/29' must be /28 or larger"):
        synth_construct(
            lambda s: PrivateEndpointSubnet(s, "pep", props=pep_props(cidr="10.0.1.0/29"))
        )


def zone_ids() -> dict[str, str]:
    return {
        purpose: f"/subscriptions/1/resourceGroups/rg-dns/providers/Microsoft.Network/"
        f"privateDnsZones/{zone}"
        for purpose, zone in PRIVATE_DNS_ZONES.items()
    }


def test_sandbox_creates_every_zone_linked_to_the_vnet():
    tf = synth_construct(
        lambda s: PrivateDnsZones(
            s,
            "dns",
            props=PrivateDnsZonesProps(
                placement=PLACEMENT, create=True, virtual_network_id=VNET_ID
            ),
        )
    )
    zones = by_name(resources(tf, "azurerm_private_dns_zone"))
    assert set(zones) == {
        "privatelink.dfs.core.windows.net",
        "privatelink.blob.core.windows.net",
        "privatelink.vaultcore.azure.net",
        "privatelink.azuredatabricks.net",
    }
    links = resources(tf, "azurerm_private_dns_zone_virtual_network_link")
    assert len(links) == 4
    assert all(link["virtual_network_id"] == VNET_ID for link in links)
    assert all(link["registration_enabled"] is False for link in links)
    assert "data" not in tf


def test_it_mode_looks_up_existing_zones_and_creates_none():
    tf = synth_construct(
        lambda s: PrivateDnsZones(
            s,
            "dns",
            props=PrivateDnsZonesProps(
                placement=PLACEMENT, create=False, existing_zone_ids=zone_ids()
            ),
        )
    )
    assert "resource" not in tf
    lookups = by_name(data_sources(tf, "azurerm_private_dns_zone"))
    assert set(lookups) == set(PRIVATE_DNS_ZONES.values())
    assert {z["resource_group_name"] for z in lookups.values()} == {"rg-dns"}


def test_it_mode_can_read_zones_through_another_provider():
    from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures

    def build(scope):
        hub = AzurermProvider(
            scope, "hub", alias="hub", subscription_id="1", features=[AzurermProviderFeatures()]
        )
        PrivateDnsZones(
            scope,
            "dns",
            props=PrivateDnsZonesProps(
                placement=PLACEMENT, create=False, existing_zone_ids=zone_ids(), lookup_provider=hub
            ),
        )

    tf = synth_construct(build)
    assert {z["provider"] for z in data_sources(tf, "azurerm_private_dns_zone")} == {"azurerm.hub"}


def test_fails_if_it_mode_lacks_a_zone():
    ids = zone_ids()
    del ids["vault"]
    with pytest.raises(ValueError, match="existing_zone_ids lacks vault"):
        synth_construct(
            lambda s: PrivateDnsZones(
                s,
                "dns",
                props=PrivateDnsZonesProps(
                    placement=PLACEMENT, create=False, existing_zone_ids=ids
                ),
            )
        )


def test_fails_if_it_mode_names_an_unknown_zone():
    ids = {**zone_ids(), "queue": zone_ids()["blob"]}
    with pytest.raises(ValueError, match="unknown purpose 'queue'"):
        synth_construct(
            lambda s: PrivateDnsZones(
                s,
                "dns",
                props=PrivateDnsZonesProps(
                    placement=PLACEMENT, create=False, existing_zone_ids=ids
                ),
            )
        )


def test_fails_if_sandbox_has_no_vnet_to_link():
    with pytest.raises(ValueError, match="virtual_network_id is required"):
        synth_construct(
            lambda s: PrivateDnsZones(
                s, "dns", props=PrivateDnsZonesProps(placement=PLACEMENT, create=True)
            )
        )


def nat(**overrides):
    values = dict(
        name="ng-dbw",
        public_ip_name="pip-ng-dbw",
        placement=PLACEMENT,
        subnet_ids={"host": "host-id", "container": "container-id"},
    )
    return synth_construct(
        lambda s: NatEgress(s, "nat", props=NatEgressProps(**{**values, **overrides}))
    )


def test_nat_egress_gives_each_subnet_one_static_standard_ip():
    tf = nat()
    (gateway_id,) = tf["resource"]["azurerm_nat_gateway"]
    assert only(tf, "azurerm_nat_gateway")["sku_name"] == "Standard"
    ip = only(tf, "azurerm_public_ip")
    assert (ip["allocation_method"], ip["sku"]) == ("Static", "Standard")
    only(tf, "azurerm_nat_gateway_public_ip_association")
    associations = resources(tf, "azurerm_subnet_nat_gateway_association")
    assert {a["subnet_id"] for a in associations} == {"host-id", "container-id"}
    assert {a["nat_gateway_id"] for a in associations} == {
        f"${{azurerm_nat_gateway.{gateway_id}.id}}"
    }


def test_nat_egress_idle_timeout_option():
    assert (
        only(nat(idle_timeout_in_minutes=30), "azurerm_nat_gateway")["idle_timeout_in_minutes"]
        == 30
    )


def test_fails_if_nat_egress_has_no_subnet():
    with pytest.raises(ValueError, match="subnet_ids must name at least one subnet"):
        nat(subnet_ids={})


def test_fails_if_nat_idle_timeout_out_of_range():
    with pytest.raises(ValueError, match="idle_timeout_in_minutes must be 4-120; got 2"):
        nat(idle_timeout_in_minutes=2)


def test_a_vnet_link_names_its_zone_as_the_installed_bindings_take_it(monkeypatch):
    """azurerm 4: zone name and resource group; azurerm 5: the zone's id (docs/longevity.md)."""
    from types import SimpleNamespace

    from components import network

    zone: Any = SimpleNamespace(id="zone-id", name="privatelink.dfs.core.windows.net")
    assert network.zone_link_target(zone, "rg") == {
        "private_dns_zone_name": "privatelink.dfs.core.windows.net",
        "resource_group_name": "rg",
    }  # the bindings this project pins (azurerm 4.55)

    class Azurerm5Link:
        def __init__(self, scope, id_, *, name, private_dns_zone_id, virtual_network_id):
            pass

    monkeypatch.setattr(network, "PrivateDnsZoneVirtualNetworkLink", Azurerm5Link)
    assert network.zone_link_target(zone, "rg") == {"private_dns_zone_id": "zone-id"}
