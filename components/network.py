"""What the platform consumes from a VNet: Databricks subnets, a private-endpoint subnet, DNS zones."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

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
from constructs import Construct

DATABRICKS_DELEGATION = "Microsoft.Databricks/workspaces"
_DATABRICKS_DELEGATION_ACTIONS = (
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
    "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
)

# Purpose -> zone name of every private DNS zone the platform's endpoints register in.
PRIVATE_DNS_ZONES: dict[str, str] = {
    "dfs": "privatelink.dfs.core.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "databricks": "privatelink.azuredatabricks.net",
}


def _check_cidr(field_name: str, value: str, max_prefix: int) -> None:
    if Token.is_unresolved(value):
        return
    try:
        prefix = ipaddress.IPv4Network(value).prefixlen
    except ValueError as err:
        raise ValueError(f"{field_name}: {value!r} is not an IPv4 CIDR: {err}") from None
    if prefix > max_prefix:
        raise ValueError(f"{field_name}: {value} must be /{max_prefix} or larger; got /{prefix}")


@dataclass(frozen=True, kw_only=True)
class DatabricksSubnetsProps:
    resource_group_name: str
    """Resource group of the VNet."""
    location: str
    virtual_network_name: str
    host_subnet_name: str
    host_cidr: str
    """/26 or larger (VNet-injection requirement)."""
    container_subnet_name: str
    container_cidr: str
    """/26 or larger (VNet-injection requirement)."""
    nsg_name: str
    nsg_resource_group_name: str
    """Where the NSG is created (the platform's resource group)."""
    tags: dict[str, str] = field(default_factory=dict)


class DatabricksSubnets(Construct):
    """Host and container subnets delegated to Databricks, sharing one NSG.

    The NSG starts without rules: Databricks adds the rules it needs through a network intent
    policy (with NoAzureDatabricksRules, only the VNet-internal ones).
    """

    def __init__(self, scope: Construct, id_: str, *, props: DatabricksSubnetsProps):
        super().__init__(scope, id_)
        _check_cidr("host_cidr", props.host_cidr, 26)
        _check_cidr("container_cidr", props.container_cidr, 26)
        if props.host_subnet_name == props.container_subnet_name:
            raise ValueError("host_subnet_name and container_subnet_name must differ")

        self.nsg = NetworkSecurityGroup(
            self,
            "nsg",
            name=props.nsg_name,
            resource_group_name=props.nsg_resource_group_name,
            location=props.location,
            tags=props.tags,
        )
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
                resource_group_name=props.resource_group_name,
                virtual_network_name=props.virtual_network_name,
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

        self.host_subnet_name: str = subnets["host"].name
        self.container_subnet_name: str = subnets["container"].name
        self.host_subnet_id: str = subnets["host"].id
        self.container_subnet_id: str = subnets["container"].id
        self.host_nsg_association_id: str = associations["host"].id
        self.container_nsg_association_id: str = associations["container"].id
        self.nsg_id: str = self.nsg.id


@dataclass(frozen=True, kw_only=True)
class NatEgressProps:
    name: str
    """NAT gateway name (ng-...)."""
    public_ip_name: str
    """Name of its static public IP (pip-...)."""
    resource_group_name: str
    location: str
    subnet_ids: dict[str, str]
    """Role (e.g. host, container) -> id of each subnet whose egress goes through it."""
    idle_timeout_in_minutes: int = 4
    """4-120 minutes. Default: 4 (Azure's default)."""
    tags: dict[str, str] = field(default_factory=dict)


class NatEgress(Construct):
    """A NAT gateway with one static public IP for the Databricks subnets' outbound traffic.

    Subnets are created with default outbound access off and clusters have no public IPs, so
    secure cluster connectivity needs an explicit egress path: this one, or IT's firewall.
    """

    def __init__(self, scope: Construct, id_: str, *, props: NatEgressProps):
        super().__init__(scope, id_)
        if not props.subnet_ids:
            raise ValueError("subnet_ids must name at least one subnet")
        if not 4 <= props.idle_timeout_in_minutes <= 120:
            raise ValueError(
                f"idle_timeout_in_minutes must be 4-120; got {props.idle_timeout_in_minutes}"
            )
        self.public_ip = PublicIp(
            self,
            "public-ip",
            name=props.public_ip_name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            allocation_method="Static",
            sku="Standard",
            tags=props.tags,
        )
        self.gateway = NatGateway(
            self,
            "gateway",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            sku_name="Standard",
            idle_timeout_in_minutes=props.idle_timeout_in_minutes,
            tags=props.tags,
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
    resource_group_name: str
    """Resource group of the VNet."""
    location: str
    virtual_network_name: str
    subnet_name: str
    cidr: str
    """/28 or larger."""
    nsg_name: str
    nsg_resource_group_name: str
    tags: dict[str, str] = field(default_factory=dict)


class PrivateEndpointSubnet(Construct):
    """Subnet for the platform's private endpoints, with network policies on and its own NSG."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateEndpointSubnetProps):
        super().__init__(scope, id_)
        _check_cidr("cidr", props.cidr, 28)
        self.nsg = NetworkSecurityGroup(
            self,
            "nsg",
            name=props.nsg_name,
            resource_group_name=props.nsg_resource_group_name,
            location=props.location,
            tags=props.tags,
        )
        self.subnet = Subnet(
            self,
            "subnet",
            name=props.subnet_name,
            resource_group_name=props.resource_group_name,
            virtual_network_name=props.virtual_network_name,
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


@dataclass(frozen=True, kw_only=True)
class PrivateDnsZonesProps:
    resource_group_name: str
    """Sandbox: where the zones are created. Ignored for look-ups (the ids say where)."""
    create: bool
    """True (sandbox): create every zone and link it to virtual_network_id.
    False: look up IT's existing zones by the ids in existing_zone_ids."""
    virtual_network_id: str | None = None
    """Required when create: the VNet to link the zones to."""
    existing_zone_ids: dict[str, str] = field(default_factory=dict)
    """Required when not create: purpose (dfs, blob, vault, databricks) -> zone resource id."""
    lookup_provider: TerraformProvider | None = None
    """Provider for the look-ups (IT's DNS subscription). Default: the stack's provider."""
    tags: dict[str, str] = field(default_factory=dict)


class PrivateDnsZones(Construct):
    """The privatelink zones the platform's endpoints register in: IT's, or the sandbox's own."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateDnsZonesProps):
        super().__init__(scope, id_)
        self.zone_ids: dict[str, str] = {}
        if props.create:
            if props.virtual_network_id is None:
                raise ValueError("virtual_network_id is required when create is true")
            for purpose, zone_name in PRIVATE_DNS_ZONES.items():
                zone = PrivateDnsZone(
                    self,
                    f"{purpose}-zone",
                    name=zone_name,
                    resource_group_name=props.resource_group_name,
                    tags=props.tags,
                )
                PrivateDnsZoneVirtualNetworkLink(
                    self,
                    f"{purpose}-vnet-link",
                    name=f"link-{purpose}",
                    private_dns_zone_name=zone.name,
                    resource_group_name=props.resource_group_name,
                    virtual_network_id=props.virtual_network_id,
                    registration_enabled=False,
                    tags=props.tags,
                )
                self.zone_ids[purpose] = zone.id
            return

        missing = sorted(set(PRIVATE_DNS_ZONES) - set(props.existing_zone_ids))
        if missing:
            raise ValueError(f"existing_zone_ids lacks {', '.join(missing)}")
        for purpose, zone_id in props.existing_zone_ids.items():
            if purpose not in PRIVATE_DNS_ZONES:
                raise ValueError(
                    f"existing_zone_ids: unknown purpose {purpose!r}; allowed: "
                    f"{', '.join(PRIVATE_DNS_ZONES)}"
                )
            parts = zone_id.split("/")
            zone = DataAzurermPrivateDnsZone(
                self,
                f"{purpose}-zone",
                name=parts[-1],
                resource_group_name=parts[4],
                provider=props.lookup_provider,
            )
            self.zone_ids[purpose] = zone.id
