"""Classic compute's egress through an Azure Firewall that allows what the workspace needs.

The sandbox's own firewall, the one hub-and-spoke pattern of Databricks' security reference
architecture (terraform-databricks-sra, azure/tf/modules/hub/firewall.tf) in one VNet: a
firewall in AzureFirewallSubnet with a policy, one rule collection group whose network rules
allow Databricks' regional service tags and whose application rules allow the package index and
the configured FQDNs, from the Databricks subnets only; and a route table that sends 0.0.0.0/0
to the firewall's private IP, which the network stack associates with both Databricks subnets.
What the rules allow comes from vocabulary/egress.py (the one home, shared with the docs and the
deployment rules). The lake, the vaults and the workspace are reached through private
endpoints in the VNet, not through this path.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.firewall import (
    Firewall,
    FirewallIpConfiguration,
    FirewallManagementIpConfiguration,
)
from cdktf_cdktf_provider_azurerm.firewall_policy import (
    FirewallPolicy,
    FirewallPolicyIntrusionDetection,
)
from cdktf_cdktf_provider_azurerm.firewall_policy_rule_collection_group import (
    FirewallPolicyRuleCollectionGroup,
    FirewallPolicyRuleCollectionGroupApplicationRuleCollection,
    FirewallPolicyRuleCollectionGroupApplicationRuleCollectionRule,
    FirewallPolicyRuleCollectionGroupApplicationRuleCollectionRuleProtocols,
    FirewallPolicyRuleCollectionGroupNetworkRuleCollection,
    FirewallPolicyRuleCollectionGroupNetworkRuleCollectionRule,
)
from cdktf_cdktf_provider_azurerm.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_azurerm.subnet import Subnet
from constructs import Construct

from components.network import VirtualNetworkRef, _check_cidr, static_public_ip
from components.placement import Placement
from policy import accept_finding
from vocabulary.egress import (
    FIREWALL_MANAGEMENT_SUBNET_NAME,
    FIREWALL_SKU_TIERS,
    FIREWALL_SUBNET_MAX_PREFIX,
    FIREWALL_SUBNET_NAME,
    Allowed,
)

DEFAULT_ROUTE = "0.0.0.0/0"


@dataclass(frozen=True, kw_only=True)
class FirewallEgressProps:
    placement: Placement
    virtual_network: VirtualNetworkRef
    name: str
    """The firewall (afw-...)."""
    policy_name: str
    public_ip_name: str
    route_table_name: str
    sku_tier: str
    """Basic, Standard or Premium."""
    subnet_cidr: str
    """AzureFirewallSubnet: /26 or larger."""
    source_cidrs: tuple[str, ...]
    """The Databricks subnets: the only sources the rules allow."""
    allowed: tuple[Allowed, ...]
    """What the rules allow (vocabulary.egress.allow_list)."""
    management_subnet_cidr: str | None = None
    """AzureFirewallManagementSubnet: required by Basic, refused otherwise."""
    management_public_ip_name: str | None = None
    """The management configuration's public IP (Basic)."""


class FirewallEgress(Construct):
    """An Azure Firewall with an allow list, and the route table that sends traffic to it."""

    def __init__(self, scope: Construct, id_: str, *, props: FirewallEgressProps):
        super().__init__(scope, id_)
        if props.sku_tier not in FIREWALL_SKU_TIERS:
            raise ValueError(
                f"sku_tier: {props.sku_tier!r}; allowed: {', '.join(FIREWALL_SKU_TIERS)}"
            )
        if (props.sku_tier == "Basic") != (props.management_subnet_cidr is not None):
            raise ValueError("management_subnet_cidr is required with Basic, refused otherwise")
        if not props.source_cidrs:
            raise ValueError("source_cidrs must name the Databricks subnets")
        _check_cidr("subnet_cidr", props.subnet_cidr, FIREWALL_SUBNET_MAX_PREFIX)
        placement = props.placement
        vnet = props.virtual_network

        def subnet(id_: str, name: str, cidr: str) -> Subnet:
            return Subnet(
                self,
                id_,
                name=name,
                resource_group_name=vnet.resource_group_name,
                virtual_network_name=vnet.name,
                address_prefixes=[cidr],
                default_outbound_access_enabled=False,
            )

        firewall_subnet = subnet("subnet", FIREWALL_SUBNET_NAME, props.subnet_cidr)
        self.public_ip = static_public_ip(self, "public-ip", props.public_ip_name, placement)
        management = None
        if props.management_subnet_cidr is not None:
            _check_cidr(
                "management_subnet_cidr", props.management_subnet_cidr, FIREWALL_SUBNET_MAX_PREFIX
            )
            management = FirewallManagementIpConfiguration(
                name="management",
                subnet_id=subnet(
                    "management-subnet",
                    FIREWALL_MANAGEMENT_SUBNET_NAME,
                    props.management_subnet_cidr,
                ).id,
                public_ip_address_id=static_public_ip(
                    self,
                    "management-public-ip",
                    props.management_public_ip_name or f"{props.public_ip_name}-mgmt",
                    placement,
                ).id,
            )
        self.policy = FirewallPolicy(
            self,
            "policy",
            name=props.policy_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=props.sku_tier,
            # Known-malicious addresses and domains are denied, not only logged (Basic offers
            # alert mode only: "Azure Firewall Basic features").
            threat_intelligence_mode="Alert" if props.sku_tier == "Basic" else "Deny",
            intrusion_detection=(
                FirewallPolicyIntrusionDetection(mode="Deny")
                if props.sku_tier == "Premium"
                else None
            ),
            tags=placement.tag_map(),
        )
        if props.sku_tier != "Premium":
            accept_finding(
                self.policy,
                "CKV_AZURE_220",
                "intrusion detection (IDPS) is a Premium feature; this policy's tier is "
                f"{props.sku_tier}, and sku_tier: Premium turns IDPS on in Deny mode",
            )
        sources = list(props.source_cidrs)
        network_rules = [
            FirewallPolicyRuleCollectionGroupNetworkRuleCollectionRule(
                name=a.requirement.key,
                description=a.requirement.what,
                protocols=["TCP"],
                source_addresses=sources,
                destination_addresses=list(a.destinations),
                destination_ports=list(a.requirement.ports),
            )
            for a in props.allowed
            if a.requirement.kind == "service_tag"
        ]
        application_rules = [
            FirewallPolicyRuleCollectionGroupApplicationRuleCollectionRule(
                name=a.requirement.key,
                description=a.requirement.what,
                protocols=[
                    FirewallPolicyRuleCollectionGroupApplicationRuleCollectionRuleProtocols(
                        type="Https", port=int(port)
                    )
                    for port in a.requirement.ports
                ],
                source_addresses=sources,
                destination_fqdns=list(a.destinations),
            )
            for a in props.allowed
            if a.requirement.kind == "fqdn"
        ]
        self.rules = FirewallPolicyRuleCollectionGroup(
            self,
            "rules",
            name="databricks-egress",
            firewall_policy_id=self.policy.id,
            priority=200,
            network_rule_collection=[
                FirewallPolicyRuleCollectionGroupNetworkRuleCollection(
                    name="databricks", priority=100, action="Allow", rule=network_rules
                )
            ],
            application_rule_collection=[
                FirewallPolicyRuleCollectionGroupApplicationRuleCollection(
                    name="destinations", priority=110, action="Allow", rule=application_rules
                )
            ],
        )
        self.firewall = Firewall(
            self,
            "firewall",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku_name="AZFW_VNet",
            sku_tier=props.sku_tier,
            firewall_policy_id=self.policy.id,
            ip_configuration=[
                FirewallIpConfiguration(
                    name="egress",
                    subnet_id=firewall_subnet.id,
                    public_ip_address_id=self.public_ip.id,
                )
            ],
            management_ip_configuration=management,
            tags=placement.tag_map(),
            # The rules belong to the policy; the firewall applies them once they exist.
            depends_on=[self.rules],
        )
        accept_finding(
            self.firewall,
            "CKV_AZURE_216",
            "a firewall managed by a policy takes its threat intelligence mode from the policy "
            "(threat_intelligence_mode Deny there); the firewall's own setting is the classic "
            "rules' one",
        )
        self.private_ip_address: str = self.firewall.ip_configuration.get(0).private_ip_address
        self.route_table = RouteTable(
            self,
            "route-table",
            name=props.route_table_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            # Routes learned from a gateway must not send the subnets around the firewall.
            bgp_route_propagation_enabled=False,
            route=[
                RouteTableRoute(
                    name="default-to-firewall",
                    address_prefix=DEFAULT_ROUTE,
                    next_hop_type="VirtualAppliance",
                    next_hop_in_ip_address=self.private_ip_address,
                )
            ],
            tags=placement.tag_map(),
        )
        self.route_table_id: str = self.route_table.id
        self.firewall_id: str = self.firewall.id
        self.public_ip_address: str = self.public_ip.ip_address
