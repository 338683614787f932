"""Purview: an account with public access off and a user-assigned identity, its private
endpoints, and read access to the lake; its identity as a Databricks service principal."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_azurerm.purview_account import PurviewAccount, PurviewAccountIdentity
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from cdktf_cdktf_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from cdktf_cdktf_provider_databricks.service_principal import ServicePrincipal
from constructs import Construct

from components.placement import Placement
from components.private_endpoint import (
    DiagnosticsSpec,
    EndpointSpec,
    PrivateAccess,
    PrivateAccessProps,
)


@dataclass(frozen=True, kw_only=True)
class PurviewEndpointNames:
    account: str
    portal: str
    blob: str
    queue: str
    namespace: str


@dataclass(frozen=True, kw_only=True)
class PurviewProps:
    name: str
    """Globally unique, 3-63 letters, digits and hyphens."""
    identity_name: str
    managed_resource_group_name: str
    placement: Placement
    subnet_id: str
    """The private-endpoint subnet."""
    zone_ids: dict[str, str]
    """Purpose (purview, purview_portal, blob, queue, servicebus) -> private DNS zone id."""
    endpoint_names: PurviewEndpointNames
    ingestion_endpoints: bool = True
    """Endpoints to the managed storage (blob, queue) and Event Hub namespace. Default: on."""
    lake_storage_account_id: str
    log_analytics_workspace_id: str


class Purview(Construct):
    """The Purview account, reachable only through its private endpoints, reading the lake."""

    def __init__(self, scope: Construct, id_: str, *, props: PurviewProps):
        super().__init__(scope, id_)
        needed = {"purview", "purview_portal"}
        if props.ingestion_endpoints:
            needed |= {"blob", "queue", "servicebus"}
        missing = sorted(needed - set(props.zone_ids))
        if missing:
            raise ValueError(f"zone_ids lacks {', '.join(missing)}")
        placement = props.placement
        # A user-assigned identity: its client id is known to Terraform, so Databricks can know
        # it as a service principal (a system-assigned identity exposes only its object id).
        self.identity = UserAssignedIdentity(
            self,
            "identity",
            name=props.identity_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            tags=placement.tag_map(),
        )
        self.account = PurviewAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            public_network_enabled=False,
            managed_resource_group_name=props.managed_resource_group_name,
            managed_event_hub_enabled=props.ingestion_endpoints,
            identity=PurviewAccountIdentity(type="UserAssigned", identity_ids=[self.identity.id]),
            tags=placement.tag_map(),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        names, zones = props.endpoint_names, props.zone_ids

        def endpoint(key: str, name: str, zone: str) -> EndpointSpec:
            return EndpointSpec(id=key, name=name, subresource=key, private_dns_zone_id=zones[zone])

        # (construct id, target, its endpoints, its diagnostics): the account and, with
        # ingestion endpoints, its managed storage and Event Hub namespace.
        accesses: list[tuple[str, str, tuple[EndpointSpec, ...], tuple[DiagnosticsSpec, ...]]] = [
            (
                "private-access",
                self.account.id,
                (
                    endpoint("account", names.account, "purview"),
                    endpoint("portal", names.portal, "purview_portal"),
                ),
                (DiagnosticsSpec(),),
            ),
        ]
        if props.ingestion_endpoints:
            managed = self.account.managed_resources.get(0)
            accesses += [
                (
                    "ingestion-storage-access",
                    managed.storage_account_id,
                    (endpoint("blob", names.blob, "blob"), endpoint("queue", names.queue, "queue")),
                    (),
                ),
                (
                    "event-hub-access",
                    managed.event_hub_namespace_id,
                    (endpoint("namespace", names.namespace, "servicebus"),),
                    (),
                ),
            ]
        for access_id, target, endpoints, diagnostics in accesses:
            PrivateAccess(
                self,
                access_id,
                props=PrivateAccessProps(
                    placement=placement,
                    target_resource_id=target,
                    subnet_id=props.subnet_id,
                    endpoints=endpoints,
                    log_analytics_workspace_id=props.log_analytics_workspace_id,
                    diagnostics=diagnostics,
                ),
            )
        RoleAssignment(
            self,
            "lake-reader",
            scope=props.lake_storage_account_id,
            role_definition_name="Storage Blob Data Reader",
            principal_id=self.identity.principal_id,
            principal_type="ServicePrincipal",
        )
        self.purview_account_id: str = self.account.id
        self.client_id: str = self.identity.client_id
        self.principal_id: str = self.identity.principal_id


@dataclass(frozen=True, kw_only=True)
class DatabricksReaderProps:
    display_name: str
    application_id: str
    workspace_id: str
    account_provider: TerraformProvider


class DatabricksReader(Construct):
    """An identity known to the Databricks account and assigned to the workspace as USER; its
    Unity Catalog read grants live with the other grants in the unity-catalog stack (grants
    are authoritative per securable, so they have one owner)."""

    def __init__(self, scope: Construct, id_: str, *, props: DatabricksReaderProps):
        super().__init__(scope, id_)
        self.service_principal = ServicePrincipal(
            self,
            "service-principal",
            application_id=props.application_id,
            display_name=props.display_name,
            provider=props.account_provider,
        )
        MwsPermissionAssignment(
            self,
            "workspace",
            workspace_id=Token.as_number(props.workspace_id),
            principal_id=Token.as_number(self.service_principal.id),
            permissions=["USER"],
            provider=props.account_provider,
        )
