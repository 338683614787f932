"""A private endpoint to one sub-resource, registered in a private DNS zone."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf_cdktf_provider_azurerm.private_endpoint import (
    PrivateEndpoint,
    PrivateEndpointPrivateDnsZoneGroup,
    PrivateEndpointPrivateServiceConnection,
)
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class PrivateLinkProps:
    name: str
    """Endpoint name (pep-...); its NIC is named after it."""
    resource_group_name: str
    location: str
    subnet_id: str
    target_resource_id: str
    subresource: str
    """e.g. dfs, blob, vault, databricks_ui_api, browser_authentication."""
    private_dns_zone_id: str
    tags: dict[str, str] = field(default_factory=dict)


class PrivateLink(Construct):
    """One private endpoint with a DNS zone group, so the zone gets its A record."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateLinkProps):
        super().__init__(scope, id_)
        self.endpoint = PrivateEndpoint(
            self,
            "endpoint",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            subnet_id=props.subnet_id,
            custom_network_interface_name=f"{props.name}-nic",
            private_service_connection=PrivateEndpointPrivateServiceConnection(
                name=f"{props.name}-connection",
                private_connection_resource_id=props.target_resource_id,
                subresource_names=[props.subresource],
                is_manual_connection=False,
            ),
            private_dns_zone_group=PrivateEndpointPrivateDnsZoneGroup(
                name="default", private_dns_zone_ids=[props.private_dns_zone_id]
            ),
            tags=props.tags,
        )
        self.private_endpoint_id: str = self.endpoint.id
