"""Private access to a resource: its private endpoints, registered in private DNS zones, and the
diagnostic settings that send its logs to Log Analytics.

Every private resource of the platform (the lake, the Key Vaults, the workspace; Data Factory
and Purview next) is reached the same way, so `PrivateAccess` builds all of it from one props
object, and `PrivateLink` is its one endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.private_endpoint import (
    PrivateEndpoint,
    PrivateEndpointPrivateDnsZoneGroup,
    PrivateEndpointPrivateServiceConnection,
)
from constructs import Construct

from components.monitoring import Diagnostics, DiagnosticsProps
from components.placement import Placement

# cdktf leaves a construct id of "Default" out of Terraform logical ids: a resource's parent
# creates its PrivateAccess with this id, so the endpoints and diagnostic settings have the
# addresses they would have as the parent's direct children (and had before this construct).
DEFAULT_ID = "Default"


@dataclass(frozen=True, kw_only=True)
class PrivateLinkProps:
    name: str
    """Endpoint name (pep-..., from the naming helper); its NIC is named after it."""
    placement: Placement
    subnet_id: str
    target_resource_id: str
    subresource: str
    """e.g. dfs, blob, vault, databricks_ui_api, browser_authentication."""
    private_dns_zone_id: str


class PrivateLink(Construct):
    """One private endpoint with a DNS zone group, so the zone gets its A record."""

    def __init__(self, scope: Construct, id_: str, *, props: PrivateLinkProps):
        super().__init__(scope, id_)
        placement = props.placement
        self.endpoint = PrivateEndpoint(
            self,
            "endpoint",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
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
            tags=placement.tag_map(),
        )
        self.private_endpoint_id: str = self.endpoint.id


@dataclass(frozen=True, kw_only=True)
class EndpointSpec:
    id: str
    """Construct id of the endpoint: part of its Terraform address, so fixed once deployed."""
    name: str
    subresource: str
    private_dns_zone_id: str


@dataclass(frozen=True, kw_only=True)
class DiagnosticsSpec:
    id: str = "diagnostics"
    """Construct id of the diagnostic setting. Default: diagnostics."""
    target_suffix: str = ""
    """Appended to the target's id, e.g. /blobServices/default for a storage sub-service.
    Default: the target itself."""
    log_category_groups: tuple[str, ...] = ("allLogs",)
    """Default: allLogs. Empty for metric-only targets."""
    metrics: tuple[str, ...] = ()
    """Default: none."""


@dataclass(frozen=True, kw_only=True)
class PrivateAccessProps:
    placement: Placement
    target_resource_id: str
    subnet_id: str
    """The private-endpoint subnet."""
    endpoints: tuple[EndpointSpec, ...]
    log_analytics_workspace_id: str
    diagnostics: tuple[DiagnosticsSpec, ...] = (DiagnosticsSpec(),)
    """Default: one setting sending the target's allLogs."""


class PrivateAccess(Construct):
    """The private endpoints of one resource and its diagnostic settings.

    Create it with id DEFAULT_ID (see above) in the construct that owns the resource.
    """

    def __init__(self, scope: Construct, id_: str, *, props: PrivateAccessProps):
        super().__init__(scope, id_)
        if not props.endpoints:
            raise ValueError("endpoints must name at least one private endpoint")
        for label, ids in (
            ("endpoint", [e.id for e in props.endpoints]),
            ("endpoint name", [e.name for e in props.endpoints]),
            ("diagnostics", [d.id for d in props.diagnostics]),
        ):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{label} {', '.join(twice)} given twice")
        self.endpoints: dict[str, PrivateLink] = {
            endpoint.subresource: PrivateLink(
                self,
                endpoint.id,
                props=PrivateLinkProps(
                    name=endpoint.name,
                    placement=props.placement,
                    subnet_id=props.subnet_id,
                    target_resource_id=props.target_resource_id,
                    subresource=endpoint.subresource,
                    private_dns_zone_id=endpoint.private_dns_zone_id,
                ),
            )
            for endpoint in props.endpoints
        }
        for spec in props.diagnostics:
            Diagnostics(
                self,
                spec.id,
                props=DiagnosticsProps(
                    target_resource_id=f"{props.target_resource_id}{spec.target_suffix}",
                    log_analytics_workspace_id=props.log_analytics_workspace_id,
                    log_category_groups=spec.log_category_groups,
                    metrics=spec.metrics,
                ),
            )
