"""`network`: the VNet, its subnets and the private DNS zones (IT's or the sandbox's own)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from platform_config.model.base import (
    DatabricksSubnet,
    PrivateDnsZoneId,
    PrivateEndpointSubnet,
    VnetSpace,
    _Model,
    _non_empty,
)
from vocabulary import azure


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
        "have no public IPs and the subnets no default outbound access). Default: created in "
        "sandbox mode; not in IT mode, where IT routes egress through its firewall "
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

    @property
    def creates_nat_gateway(self) -> bool:
        return self.sandbox if self.nat_gateway is None else self.nat_gateway
