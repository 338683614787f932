"""`<env>-network`: what the platform consumes from IT's network (or a sandbox's own)."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.data_azurerm_virtual_network import DataAzurermVirtualNetwork
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from cdktf_cdktf_provider_azurerm.virtual_network import VirtualNetwork
from constructs import Construct

from components.network import (
    DatabricksSubnets,
    DatabricksSubnetsProps,
    NatEgress,
    NatEgressProps,
    PrivateDnsZones,
    PrivateDnsZonesProps,
    PrivateEndpointSubnet,
    PrivateEndpointSubnetProps,
)
from platform_config import PlatformConfig
from stacks.base import AzureStack


class NetworkStack(AzureStack):
    def __init__(self, scope: Construct, *, config: PlatformConfig):
        super().__init__(scope, "network", config=config)
        net = config.network
        if net.sandbox:
            vnet = VirtualNetwork(
                self,
                "sandbox-vnet",
                name=self.names.vnet,
                resource_group_name=config.resource_group,
                location=config.location,
                address_space=list(net.address_space),
                tags=self.tags,
            )
            vnet_name, vnet_resource_group = vnet.name, config.resource_group
        else:
            assert net.vnet_id is not None  # enforced by platform_config.rules
            parts = net.vnet_id.split("/")
            vnet_name, vnet_resource_group = parts[-1], parts[4]
            vnet = DataAzurermVirtualNetwork(
                self, "it-vnet", name=vnet_name, resource_group_name=vnet_resource_group
            )
        self.virtual_network_id: str = vnet.id

        self.databricks_subnets = DatabricksSubnets(
            self,
            "databricks-subnets",
            props=DatabricksSubnetsProps(
                resource_group_name=vnet_resource_group,
                location=config.location,
                virtual_network_name=vnet_name,
                host_subnet_name=self.names.subnet_databricks_host,
                host_cidr=net.subnets.databricks_host,
                container_subnet_name=self.names.subnet_databricks_container,
                container_cidr=net.subnets.databricks_container,
                nsg_name=self.names.nsg_databricks,
                nsg_resource_group_name=config.resource_group,
                tags=self.tags,
            ),
        )
        if net.creates_nat_gateway:
            NatEgress(
                self,
                "nat-egress",
                props=NatEgressProps(
                    name=self.names.nat_gateway,
                    public_ip_name=self.names.nat_public_ip,
                    resource_group_name=config.resource_group,
                    location=config.location,
                    subnet_ids={
                        "host": self.databricks_subnets.host_subnet_id,
                        "container": self.databricks_subnets.container_subnet_id,
                    },
                    tags=self.tags,
                ),
            )
        pep_subnet = PrivateEndpointSubnet(
            self,
            "private-endpoint-subnet",
            props=PrivateEndpointSubnetProps(
                resource_group_name=vnet_resource_group,
                location=config.location,
                virtual_network_name=vnet_name,
                subnet_name=self.names.subnet_private_endpoints,
                cidr=net.subnets.private_endpoints,
                nsg_name=self.names.nsg_private_endpoints,
                nsg_resource_group_name=config.resource_group,
                tags=self.tags,
            ),
        )
        self.private_endpoint_subnet_id: str = pep_subnet.subnet_id

        lookup_provider = None
        existing: dict[str, str] = {}
        if net.private_dns_zone_ids is not None:
            existing = net.private_dns_zone_ids.model_dump()
            dns_subscription = next(iter(existing.values())).split("/")[2]
            if dns_subscription != config.subscription_id:
                # IT's zones usually live in the hub's subscription: read them there.
                lookup_provider = AzurermProvider(
                    self,
                    "azurerm-it-dns",
                    alias="it_dns",
                    subscription_id=dns_subscription,
                    storage_use_azuread=True,
                    resource_provider_registrations="none",
                    features=[AzurermProviderFeatures()],
                )
        zones = PrivateDnsZones(
            self,
            "private-dns-zones",
            props=PrivateDnsZonesProps(
                resource_group_name=config.resource_group,
                create=net.sandbox,
                virtual_network_id=self.virtual_network_id,
                existing_zone_ids=existing,
                lookup_provider=lookup_provider,
                tags=self.tags,
            ),
        )
        self.private_dns_zone_ids: dict[str, str] = zones.zone_ids
