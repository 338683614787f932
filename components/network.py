"""What the platform consumes from a VNet: Databricks subnets, endpoint subnet, DNS zones."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_azurerm.data_azurerm_private_dns_zone import DataAzurermPrivateDnsZone
from cdktf_cdktf_provider_azurerm.nat_gateway import NatGateway
from cdktf_cdktf_provider_azurerm.nat_gateway_public_ip_association import (
    NatGatewayPublicIpAssociation,
)
from cdktf_cdktf_provider_azurerm.network_security_group import NetworkSecurityGroup
from cdktf_cdktf_provider_azurerm.private_dns_zone import PrivateDnsZone
from cdktf_cdktf_provider_azurerm.private_dns_zone_virtual_network_link import (
    PrivateDnsZoneVirtualNetworkLink,
)
from cdktf_cdktf_provider_azurerm.public_ip import PublicIp
from cdktf_cdktf_provider_azurerm.subnet import (
    Subnet,
    SubnetDelegation,
    SubnetDelegationServiceDelegation,
)
from cdktf_cdktf_provider_azurerm.subnet_nat_gateway_association import (
    SubnetNatGatewayAssociation,
)
from cdktf_cdktf_provider_azurerm.subnet_network_security_group_association import (
    SubnetNetworkSecurityGroupAssociation,
)
from cdktf_cdktf_provider_azurerm.subnet_route_table_association import (
    SubnetRouteTableAssociation,
)
from constructs import Construct

from components.placement import Placement
from vocabulary.azure import (
    ALL_DNS_ZONES,
    DATABRICKS_SUBNET_MAX_PREFIX,
    NAT_IDLE_TIMEOUT_MINUTES,
    PRIVATE_DNS_ZONES,
    PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX,
    check_range,
    max_prefix_problem,
    require_resource_id,
)

DATABRICKS_DELEGATION = "Microsoft.Databricks/workspaces"
_DATABRICKS_DELEGATION_ACTIONS = (
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
    "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
)


def _check_cidr(field_name: str, value: str, max_prefix: int) -> None:
    if Token.is_unresolved(value):
        return
    problem = max_prefix_problem(value, max_prefix)
    if problem:
        raise ValueError(f"{field_name}: {value!r} {problem}")


@dataclass(frozen=True, kw_only=True)
class VirtualNetworkRef:
    """The VNet subnets are created in: IT's (looked up) or the sandbox's."""

    name: str
    resource_group_name: str


@dataclass(frozen=True, kw_only=True)
class DatabricksSubnetsProps:
    placement: Placement
    """Where the NSG is created (the platform's resource group), its location and tags."""
    virtual_network: VirtualNetworkRef
    host_subnet_name: str
    host_cidr: str
    """/26 or larger (VNet-injection requirement)."""
    container_subnet_name: str
    container_cidr: str
    """/26 or larger (VNet-injection requirement)."""
    nsg_name: str
    route_table_id: str | None = None
    """IT's route table (UDR to its firewall) for both subnets' egress. Default: none (a NAT
    gateway, NatEgress, gives the egress instead)."""
    import_route_table_associations_from: str | None = None
    """The VNet's resource id, to import the associations of route_table_id that IT already
    made (import blocks, id = the subnet's id, as the resource's importer takes it) instead of
    creating them. Default: None (created)."""


class DatabricksSubnets(Construct):
    """Host and container subnets delegated to Databricks, sharing one NSG.

    The NSG starts without rules: Databricks adds the rules it needs through a network intent
    policy (with NoAzureDatabricksRules, only the VNet-internal ones).
    """

    def __init__(self, scope: Construct, id_: str, *, props: DatabricksSubnetsProps):
        super().__init__(scope, id_)
        _check_cidr("host_cidr", props.host_cidr, DATABRICKS_SUBNET_MAX_PREFIX)
        _check_cidr("container_cidr", props.container_cidr, DATABRICKS_SUBNET_MAX_PREFIX)
        if props.host_subnet_name == props.container_subnet_name:
            raise ValueError("host_subnet_name and container_subnet_name must differ")

        self.nsg = NetworkSecurityGroup(
            self,
            "nsg",
            name=props.nsg_name,
            resource_group_name=props.placement.resource_group_name,
            location=props.placement.location,
            tags=props.placement.tag_map(),
        )
        vnet = props.virtual_network
        subnets: dict[str, Subnet] = {}
        associations: dict[str, SubnetNetworkSecurityGroupAssociation] = {}
        for role, name, cidr in (
            ("host", props.host_subnet_name, props.host_cidr),
            ("container", props.container_subnet_name, props.container_cidr),
        ):
            subnets[role] = Subnet(
                self,
                f"{role}-subnet",
                name=name,
                resource_group_name=vnet.resource_group_name,
                virtual_network_name=vnet.name,
                address_prefixes=[cidr],
                default_outbound_access_enabled=False,
                delegation=[
                    SubnetDelegation(
                        name="databricks",
                        service_delegation=SubnetDelegationServiceDelegation(
                            name=DATABRICKS_DELEGATION,
                            actions=list(_DATABRICKS_DELEGATION_ACTIONS),
                        ),
                    )
                ],
            )
            associations[role] = SubnetNetworkSecurityGroupAssociation(
                self,
                f"{role}-nsg-association",
                subnet_id=subnets[role].id,
                network_security_group_id=self.nsg.id,
            )

        if props.route_table_id is not None:
            for role, subnet in subnets.items():
                association = SubnetRouteTableAssociation(
                    self,
                    f"{role}-route-table-association",
                    subnet_id=subnet.id,
                    route_table_id=props.route_table_id,
                )
                vnet_id = props.import_route_table_associations_from
                if vnet_id is not None:
                    # azurerm refuses to create an association for a subnet that has a route
                    # table ("needs to be imported": subnet_route_table_association_resource.go
                    # at v4.55.0); its importer takes the subnet's id.
                    name = props.host_subnet_name if role == "host" else props.container_subnet_name
                    association.import_from(f"{vnet_id}/subnets/{name}")
        self.host_subnet_name: str = subnets["host"].name
        self.container_subnet_name: str = subnets["container"].name
        self.host_subnet_id: str = subnets["host"].id
        self.container_subnet_id: str = subnets["container"].id
        self.host_nsg_association_id: str = associations["host"].id
        self.container_nsg_association_id: str = associations["container"].id
        self.nsg_id: str = self.nsg.id


def static_public_ip(scope: Construct, id_: str, name: str, placement: Placement) -> PublicIp:
    """A Standard, static public IP: the egress address of a NAT gateway or a firewall."""
    return PublicIp(
        scope,
        id_,
        name=name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        allocation_method="Static",
        sku="Standard",
        tags=placement.tag_map(),
    )


@dataclass(frozen=True, kw_only=True)
class NatEgressProps:
    name: str
    """NAT gateway name (ng-...)."""
    public_ip_name: str
    """Name of its static public IP (pip-...)."""
    placement: Placement
    subnet_ids: dict[str, str]
    """Role (e.g. host, container) -> id of each subnet whose egress goes through it."""
    idle_timeout_in_minutes: int = 4
    """4-120 minutes. Default: 4 (Azure's default)."""


class NatEgress(Construct):
    """A NAT gateway with one static public IP for the Databricks subnets' outbound traffic.

    Subnets are created with default outbound access off and clusters have no public IPs, so
    secure cluster connectivity needs an explicit egress path: this one, or IT's firewall.
    """

    def __init__(self, scope: Construct, id_: str, *, props: NatEgressProps):
        super().__init__(scope, id_)
        if not props.subnet_ids:
            raise ValueError("subnet_ids must name at least one subnet")
        check_range(
            "idle_timeout_in_minutes", props.idle_timeout_in_minutes, NAT_IDLE_TIMEOUT_MINUTES
        )
        placement = props.placement
        self.public_ip = static_public_ip(self, "public-ip", props.public_ip_name, placement)
        self.gateway = NatGateway(
            self,
            "gateway",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku_name="Standard",
            idle_timeout_in_minutes=props.idle_timeout_in_minutes,
            tags=placement.tag_map(),
        )
        NatGatewayPublicIpAssociation(
            self,
            "public-ip-association",
            nat_gateway_id=self.gateway.id,
            public_ip_address_id=self.public_ip.id,
        )
        for role, subnet_id in sorted(props.subnet_ids.items()):
            SubnetNatGatewayAssociation(
                self, f"{role}-association", subnet_id=subnet_id, nat_gateway_id=self.gateway.id
            )
        self.nat_gateway_id: str = self.gateway.id
        self.public_ip_address: str = self.public_ip.ip_address


@dataclass(frozen=True, kw_only=True)
class PrivateEndpointSubnetProps:
    placement: Placement
    """Where the NSG is created (the platform's resource group), its location and tags."""
    virtual_network: VirtualNetworkRef
    subnet_name: str
    cidr: str
    """/28 or larger."""
    nsg_name: str


class PrivateEndpointSubnet(Construct):
    """Subnet for the platform's private endpoints, with network policies on and its own NSG."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateEndpointSubnetProps):
        super().__init__(scope, id_)
        _check_cidr("cidr", props.cidr, PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX)
        self.nsg = NetworkSecurityGroup(
            self,
            "nsg",
            name=props.nsg_name,
            resource_group_name=props.placement.resource_group_name,
            location=props.placement.location,
            tags=props.placement.tag_map(),
        )
        vnet = props.virtual_network
        self.subnet = Subnet(
            self,
            "subnet",
            name=props.subnet_name,
            resource_group_name=vnet.resource_group_name,
            virtual_network_name=vnet.name,
            address_prefixes=[props.cidr],
            default_outbound_access_enabled=False,
            # NSGs and route tables apply to private endpoints only with policies enabled.
            private_endpoint_network_policies="Enabled",
        )
        SubnetNetworkSecurityGroupAssociation(
            self,
            "nsg-association",
            subnet_id=self.subnet.id,
            network_security_group_id=self.nsg.id,
        )
        self.subnet_id: str = self.subnet.id


def zone_link_target(zone: PrivateDnsZone, resource_group_name: str) -> dict[str, Any]:
    """How a VNet link names its zone: azurerm 4 by name and resource group, azurerm 5 by id
    (`private_dns_zone_id`; docs/longevity.md). The installed bindings say which, so the same
    code synthesizes on both; on azurerm 4 the output is what it always was."""
    parameters = inspect.signature(PrivateDnsZoneVirtualNetworkLink.__init__).parameters
    if "private_dns_zone_id" in parameters:
        return {"private_dns_zone_id": zone.id}
    return {"private_dns_zone_name": zone.name, "resource_group_name": resource_group_name}


@dataclass(frozen=True, kw_only=True)
class PrivateDnsZonesProps:
    placement: Placement
    """Sandbox: where the zones are created and their tags. Look-ups use the ids' own resource
    groups."""
    create: bool
    """True (sandbox): create every zone and link it to virtual_network_id.
    False: look up IT's existing zones by the ids in existing_zone_ids."""
    virtual_network_id: str | None = None
    """Required when create: the VNet to link the zones to."""
    existing_zone_ids: dict[str, str] = field(default_factory=dict)
    """Required when not create: purpose (dfs, blob, vault, databricks) -> zone resource id."""
    purposes: tuple[str, ...] = tuple(PRIVATE_DNS_ZONES)
    """The zones to create or look up (see azure.ALL_DNS_ZONES). Default: the platform's
    four (dfs, blob, vault, databricks)."""
    lookup_provider: TerraformProvider | None = None
    """Provider for the look-ups (IT's DNS subscription). Default: the stack's provider."""


class PrivateDnsZones(Construct):
    """The privatelink zones the platform's endpoints register in: IT's, or the sandbox's own."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateDnsZonesProps):
        super().__init__(scope, id_)
        self.zone_ids: dict[str, str] = {}
        if props.create:
            if props.virtual_network_id is None:
                raise ValueError("virtual_network_id is required when create is true")
            unknown = sorted(set(props.purposes) - set(ALL_DNS_ZONES))
            if unknown:
                raise ValueError(
                    f"purposes: unknown {unknown}; allowed: {', '.join(ALL_DNS_ZONES)}"
                )
            for purpose in props.purposes:
                zone_name = ALL_DNS_ZONES[purpose]
                zone = PrivateDnsZone(
                    self,
                    f"{purpose}-zone",
                    name=zone_name,
                    resource_group_name=props.placement.resource_group_name,
                    tags=props.placement.tag_map(),
                )
                PrivateDnsZoneVirtualNetworkLink(
                    self,
                    f"{purpose}-vnet-link",
                    name=f"link-{purpose}",
                    **zone_link_target(zone, props.placement.resource_group_name),
                    virtual_network_id=props.virtual_network_id,
                    registration_enabled=False,
                    tags=props.placement.tag_map(),
                )
                self.zone_ids[purpose] = zone.id
            return

        missing = sorted(set(props.purposes) - set(props.existing_zone_ids))
        if missing:
            raise ValueError(f"existing_zone_ids lacks {', '.join(missing)}")
        for purpose, zone_id in props.existing_zone_ids.items():
            if purpose not in props.purposes:
                raise ValueError(
                    f"existing_zone_ids: unknown purpose {purpose!r}; allowed: "
                    f"{', '.join(props.purposes)}"
                )
            zone_ref = require_resource_id(zone_id, "Microsoft.Network", "privateDnsZones")
            lookup = DataAzurermPrivateDnsZone(
                self,
                f"{purpose}-zone",
                name=zone_ref.name,
                resource_group_name=zone_ref.resource_group,
                provider=props.lookup_provider,
            )
            self.zone_ids[purpose] = lookup.id
