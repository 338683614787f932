"""`network`: the VNet, its subnets and the private DNS zones (IT's or the sandbox's own)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, Field

from platform_config.model.base import (
    DatabricksSubnet,
    PrivateDnsZoneId,
    PrivateEndpointSubnet,
    VnetSpace,
    _Model,
    _non_empty,
    _prefix_between,
)
from vocabulary import azure, egress
from vocabulary.egress import FirewallSkuTier


def _fqdn(value: str) -> str:
    problem = egress.fqdn_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _private_ip(value: str) -> str:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError("must be an IPv4 address such as 10.0.0.4") from None
    if not address.is_private:
        raise ValueError("must be a private address (IT's firewall inside its hub VNet)")
    return value


Fqdn = Annotated[str, AfterValidator(_fqdn)]
PrivateIp = Annotated[str, AfterValidator(_private_ip)]
FirewallSubnet = Annotated[
    str,
    _prefix_between(
        "an Azure Firewall subnet",
        0,
        egress.FIREWALL_SUBNET_MAX_PREFIX,
        " (Azure Firewall's requirement)",
    ),
]


class Subnets(_Model):
    """CIDRs of the subnets the platform owns inside the VNet."""

    databricks_host: DatabricksSubnet = Field(
        description="Databricks host ('public') subnet: /26 or larger, inside the address space, "
        "shared with nothing."
    )
    databricks_container: DatabricksSubnet = Field(
        description="Databricks container ('private') subnet: /26 or larger, inside the address "
        "space, shared with nothing."
    )
    private_endpoints: PrivateEndpointSubnet = Field(
        description="Subnet of every private endpoint: /28 or larger, inside the address space."
    )


class PrivateDnsZoneIds(_Model):
    """Ids of IT's existing private DNS zones (required unless network.sandbox)."""

    dfs: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["dfs"])
    blob: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["blob"])
    vault: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["vault"])
    databricks: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["databricks"])
    purview: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['purview']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    purview_portal: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['purview_portal']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    queue: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['queue']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    servicebus: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['servicebus']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )


class Firewall(_Model):
    """The sandbox's own Azure Firewall: both Databricks subnets send 0.0.0.0/0 to it, and it
    allows what the workspace needs in its region and nothing else (docs/deployment.md)."""

    sku_tier: FirewallSkuTier = Field(
        default="Standard",
        description="Basic (about 0.40 USD an hour, up to 250 Mbit/s), Standard (1.25) or "
        "Premium (1.75, TLS inspection), before data processed. Default: Standard.",
    )
    subnet: FirewallSubnet = Field(
        description="CIDR of AzureFirewallSubnet: /26 or larger, inside the address space, "
        "shared with nothing."
    )
    management_subnet: FirewallSubnet | None = Field(
        default=None,
        description="CIDR of AzureFirewallManagementSubnet (/26 or larger): required by Basic, "
        "not allowed otherwise.",
        json_schema_extra={"required": "with sku_tier: Basic"},
    )


class Network(_Model):
    sandbox: bool = Field(
        default=False,
        description="Create the VNet and private DNS zones instead of looking up IT's. "
        "Default: use IT's existing VNet and zones.",
    )
    vnet_id: str | None = Field(
        default=None,
        description="Resource id of IT's existing VNet; not allowed with sandbox: true.",
        json_schema_extra={"required": "unless `network.sandbox`"},
    )
    address_space: Annotated[tuple[VnetSpace, ...], AfterValidator(_non_empty)] = Field(
        description="The VNet's address space (IT's, or the sandbox's): CIDRs between /16 and /24"
        " (Microsoft's VNet-injection requirement), not overlapping.",
    )
    subnets: Subnets
    private_dns_zone_ids: PrivateDnsZoneIds | None = Field(
        default=None,
        description="IT's private DNS zones, by resource id, all in one subscription; not allowed"
        " with sandbox: true (the sandbox creates its own).",
        json_schema_extra={"required": "unless `network.sandbox`"},
    )
    nat_gateway: bool | None = Field(
        default=None,
        description="Give the Databricks subnets a NAT gateway for outbound traffic (clusters "
        "have no public IPs and the subnets no default outbound access). With `firewall`, "
        "`true` is the first of two deploys that move an existing environment to the firewall: "
        "the route to the firewall takes over while the NAT gateway stays, and the next deploy "
        "without it removes it, with no moment without egress. Default: created in sandbox "
        "mode without a firewall; not in IT mode, where IT routes egress through its firewall "
        "(route_table_id).",
    )
    route_table_id: str | None = Field(
        default=None,
        description="Resource id of IT's route table (a default route to its firewall), "
        "associated with both Databricks subnets; in the workspace's subscription. IT"
        " mode needs it or nat_gateway: true, so that clusters reach the control "
        "plane (docs/deployment.md: what the firewall must allow). Default: none.",
        json_schema_extra={"required": "IT mode without `nat_gateway`"},
    )
    import_route_table_associations: bool = Field(
        default=False,
        description="IT has already associated route_table_id with the Databricks subnets (an "
        "environment deployed before the platform managed the association): import both "
        "associations instead of creating them, which azurerm refuses for a subnet that has a "
        "route table. Harmless once imported (an import of what the state holds is a no-op). "
        'Needs route_table_id. Default: off (docs/deployment.md, "IT\'s route table").',
    )

    firewall: Firewall | None = Field(
        default=None,
        description="Sandbox mode: route both Databricks subnets' egress through an Azure "
        "Firewall of the platform's own, which allows what the workspace needs and "
        "allowed_fqdns (instead of the NAT gateway). Default: none (the NAT gateway).",
    )
    it_firewall_private_ip: PrivateIp | None = Field(
        default=None,
        description="IT mode: the private IP of IT's firewall. The plan refuses route_table_id "
        "unless its 0.0.0.0/0 route goes to it (next hop VirtualAppliance).",
        json_schema_extra={"required": "with `route_table_id`"},
    )
    allowed_fqdns: tuple[Fqdn, ...] = Field(
        default=(),
        description="Hosts classic clusters (HTTPS, through the firewall) and serverless "
        "compute (its network policy) may reach besides what the workspace needs and the "
        "package index: host names, or *.example.com for subdomains (classic only). "
        "Default: none.",
    )

    @property
    def creates_nat_gateway(self) -> bool:
        if self.nat_gateway is None:
            return self.sandbox and self.firewall is None
        return self.nat_gateway
