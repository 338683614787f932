"""`<env>-network`: what the platform consumes from IT's network (or a sandbox's own)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Postcondition, TerraformLocal, TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.data_azurerm_route_table import DataAzurermRouteTable
from cdktf_cdktf_provider_azurerm.data_azurerm_virtual_network import DataAzurermVirtualNetwork
from cdktf_cdktf_provider_azurerm.virtual_network import VirtualNetwork
from constructs import Construct

from components.egress import DEFAULT_ROUTE, FirewallEgress, FirewallEgressProps
from components.network import (
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
from platform_config import PlatformConfig
from stacks import providers
from stacks.base import EnvironmentStack
from vocabulary.azure import require_resource_id
from vocabulary.egress import IT_FIREWALL_LOCAL


@dataclass(frozen=True, kw_only=True)
class DatabricksSubnetOutputs:
    host_subnet_name: str
    container_subnet_name: str
    host_nsg_association_id: str
    container_nsg_association_id: str


@dataclass(frozen=True, kw_only=True)
class PrivateDnsZoneIds:
    """Id of the private DNS zone of each purpose (see azure.PRIVATE_DNS_ZONES)."""

    dfs: str
    blob: str
    vault: str
    databricks: str
    purview: str | None = None
    """The governance zones: set when governance is enabled."""
    purview_portal: str | None = None
    queue: str | None = None
    servicebus: str | None = None


@dataclass(frozen=True, kw_only=True)
class NetworkOutputs:
    """What `<env>-network` publishes."""

    virtual_network_id: str
    databricks_subnets: DatabricksSubnetOutputs
    private_endpoint_subnet_id: str
    private_dns_zone_ids: PrivateDnsZoneIds
    egress_public_ip: str | None = None
    """With a NAT gateway or the sandbox's firewall: its public IP address, the clusters' egress
    address, which a public workspace's IP access list must allow (the databricks stack adds
    it)."""
    firewall_id: str | None = None
    """With the sandbox's firewall: its id (the platform stack sends its logs to Log
    Analytics)."""


class NetworkStack(EnvironmentStack):
    def __init__(self, scope: Construct, *, config: PlatformConfig):
        super().__init__(scope, "network", config=config)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        net = config.network
        names = self.names
        if net.sandbox:
            vnet = VirtualNetwork(
                self,
                "sandbox-vnet",
                name=names.vnet,
                resource_group_name=config.resource_group,
                location=config.location,
                address_space=list(net.address_space),
                tags=self.tags,
            )
            vnet_ref = VirtualNetworkRef(name=vnet.name, resource_group_name=config.resource_group)
            virtual_network_id = vnet.id
        else:
            assert net.vnet_id is not None  # enforced by platform_config.checks
            it_vnet = require_resource_id(net.vnet_id, "Microsoft.Network", "virtualNetworks")
            # In the workspace's subscription (a VNet-injection requirement; the config rules
            # refuse another), so the stack's provider reads it and creates the subnets.
            lookup = DataAzurermVirtualNetwork(
                self,
                "it-vnet",
                name=it_vnet.name,
                resource_group_name=it_vnet.resource_group,
            )
            vnet_ref = VirtualNetworkRef(
                name=it_vnet.name, resource_group_name=it_vnet.resource_group
            )
            virtual_network_id = lookup.id

        firewall = None
        route_table_id = net.route_table_id
        if net.firewall is not None:
            firewall = FirewallEgress(
                self,
                "firewall-egress",
                props=FirewallEgressProps(
                    placement=self.placement,
                    virtual_network=vnet_ref,
                    name=names.firewall,
                    policy_name=names.firewall_policy,
                    public_ip_name=names.firewall_public_ip,
                    route_table_name=names.route_table,
                    sku_tier=net.firewall.sku_tier,
                    subnet_cidr=net.firewall.subnet,
                    management_subnet_cidr=net.firewall.management_subnet,
                    management_public_ip_name=names.firewall_management_public_ip,
                    source_cidrs=(net.subnets.databricks_host, net.subnets.databricks_container),
                    allowed=config.egress_allow_list,
                ),
            )
            route_table_id = firewall.route_table_id
        elif net.route_table_id is not None and net.it_firewall_private_ip is not None:
            it_routes(self, net.route_table_id, net.it_firewall_private_ip)

        databricks_subnets = DatabricksSubnets(
            self,
            "databricks-subnets",
            props=DatabricksSubnetsProps(
                placement=self.placement,
                virtual_network=vnet_ref,
                host_subnet_name=names.subnet_databricks_host,
                host_cidr=net.subnets.databricks_host,
                container_subnet_name=names.subnet_databricks_container,
                container_cidr=net.subnets.databricks_container,
                nsg_name=names.nsg_databricks,
                route_table_id=route_table_id,
                import_route_table_associations_from=net.vnet_id
                if net.import_route_table_associations
                else None,
            ),
        )
        nat = None
        if net.creates_nat_gateway:
            nat = NatEgress(
                self,
                "nat-egress",
                props=NatEgressProps(
                    name=names.nat_gateway,
                    public_ip_name=names.nat_public_ip,
                    placement=self.placement,
                    subnet_ids={
                        "host": databricks_subnets.host_subnet_id,
                        "container": databricks_subnets.container_subnet_id,
                    },
                ),
            )
        pep_subnet = PrivateEndpointSubnet(
            self,
            "private-endpoint-subnet",
            props=PrivateEndpointSubnetProps(
                placement=self.placement,
                virtual_network=vnet_ref,
                subnet_name=names.subnet_private_endpoints,
                cidr=net.subnets.private_endpoints,
                nsg_name=names.nsg_private_endpoints,
            ),
        )

        existing: dict[str, str] = {}
        lookup_provider = None
        if net.private_dns_zone_ids is not None:
            existing = {
                purpose: zone_id
                for purpose, zone_id in net.private_dns_zone_ids.model_dump().items()
                if zone_id and purpose in config.dns_zone_purposes
            }
            # IT's zones usually live in the hub's subscription: read them there. All four
            # are in one subscription (rules.network_issues); the first names it.
            first_zone = require_resource_id(
                next(iter(existing.values())), "Microsoft.Network", "privateDnsZones"
            )
            lookup_provider = providers.azurerm_for(
                self, first_zone, alias="it_dns", home_subscription_id=config.subscription_id
            )
        zones = PrivateDnsZones(
            self,
            "private-dns-zones",
            props=PrivateDnsZonesProps(
                placement=self.placement,
                create=net.sandbox,
                virtual_network_id=virtual_network_id,
                existing_zone_ids=existing,
                purposes=config.dns_zone_purposes,
                lookup_provider=lookup_provider,
            ),
        )
        self.outputs = self.publish(
            NetworkOutputs(
                virtual_network_id=virtual_network_id,
                databricks_subnets=DatabricksSubnetOutputs(
                    host_subnet_name=databricks_subnets.host_subnet_name,
                    container_subnet_name=databricks_subnets.container_subnet_name,
                    host_nsg_association_id=databricks_subnets.host_nsg_association_id,
                    container_nsg_association_id=databricks_subnets.container_nsg_association_id,
                ),
                private_endpoint_subnet_id=pep_subnet.subnet_id,
                private_dns_zone_ids=PrivateDnsZoneIds(**zones.zone_ids),
                # The route to the firewall takes precedence over a NAT gateway kept beside it.
                egress_public_ip=(
                    firewall.public_ip_address
                    if firewall
                    else nat.public_ip.ip_address
                    if nat
                    else None
                ),
                firewall_id=firewall.firewall_id if firewall else None,
            )
        )


def it_routes(scope: Construct, route_table_id: str, firewall_ip: str) -> None:
    """Reads IT's route table and fails the plan unless its default route goes to IT's firewall:
    clusters would otherwise leave past it, or not at all."""
    table = require_resource_id(route_table_id, "Microsoft.Network", "routeTables")
    default = DEFAULT_ROUTE
    # A local, so that what the stack expects of IT is one named value (the rehearsal plays IT
    # with it: rehearsal/workspace.py).
    TerraformLocal(scope, IT_FIREWALL_LOCAL, firewall_ip)
    DataAzurermRouteTable(
        scope,
        "it-route-table",
        name=table.name,
        resource_group_name=table.resource_group,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition=(
                        "${anytrue([for r in self.route : r.address_prefix == "
                        f'"{default}" && r.next_hop_type == "VirtualAppliance" && '
                        f"r.next_hop_in_ip_address == local.{IT_FIREWALL_LOCAL}])}}"
                    ),
                    error_message=(
                        f"IT's route table {table.name} (network.route_table_id) must send "
                        f"{default} to IT's firewall, next hop VirtualAppliance "
                        f"{firewall_ip} (network.it_firewall_private_ip): the Databricks "
                        "subnets' egress would bypass it. Ask IT to fix the route, or correct "
                        "network.it_firewall_private_ip (docs/deployment.md, What IT provides)."
                    ),
                )
            ]
        ),
    )
