"""Azure's own rules and vocabularies, checked offline before Terraform sees a value.

This is the one home of every rule and allowed-value list that both the configuration model
(`platform_config.model`) and the constructs (`components/`) apply: the model builds its pydantic
Literals from the `Literal` types here and the constructs check their props against the tuples
derived from them, so no allowed value or limit is written twice. It imports nothing of the
project's (a leaf), so every layer may use it.

Sources: Azure resource naming rules ("Naming rules and restrictions for Azure resources"),
Databricks VNet-injection requirements, the list of public-cloud region names.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal, get_args

# Vocabularies: each Literal type is what the config model accepts; the tuple is what the
# constructs check at synth time.
ReplicationType = Literal["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"]
REPLICATION_TYPES: tuple[str, ...] = get_args(ReplicationType)
GEO_REDUNDANT_REPLICATION: tuple[str, ...] = ("GRS", "RAGRS", "GZRS", "RAGZRS")
KeyVaultSku = Literal["standard", "premium"]
KEY_VAULT_SKUS: tuple[str, ...] = get_args(KeyVaultSku)
# Unity Catalog, private link and secret ACLs need premium.
DatabricksSku = Literal["premium"]
DATABRICKS_SKUS: tuple[str, ...] = get_args(DatabricksSku)
# The compliance security profile's standards a workspace takes (azurerm 4.55's
# databricks_workspace_resource.go:358-361, the workspaces API's ComplianceStandard).
ComplianceStandard = Literal["HIPAA", "PCI_DSS"]
COMPLIANCE_STANDARDS: tuple[str, ...] = get_args(ComplianceStandard)
# Defaults, used by the config model's fields and the constructs' props alike.
DEFAULT_REPLICATION: ReplicationType = "ZRS"
DEFAULT_KEY_VAULT_SKU: KeyVaultSku = "standard"
DEFAULT_DATABRICKS_SKU: DatabricksSku = "premium"
DEFAULT_LOG_RETENTION_DAYS = 30

# Purpose -> zone name of every private DNS zone the platform's endpoints register in.
PrivateDnsZonePurpose = Literal["dfs", "blob", "vault", "databricks"]
PRIVATE_DNS_ZONES: dict[str, str] = {
    "dfs": "privatelink.dfs.core.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "databricks": "privatelink.azuredatabricks.net",
}
assert tuple(PRIVATE_DNS_ZONES) == get_args(PrivateDnsZonePurpose)
# The zones Purview's endpoints need besides those above (account, portal, and its managed
# ingestion storage's queue and Event Hub namespace; its blob endpoint uses the blob zone).
GOVERNANCE_DNS_ZONES: dict[str, str] = {
    "purview": "privatelink.purview.azure.com",
    "purview_portal": "privatelink.purviewstudio.azure.com",
    "queue": "privatelink.queue.core.windows.net",
    "servicebus": "privatelink.servicebus.windows.net",
}
ALL_DNS_ZONES: dict[str, str] = {**PRIVATE_DNS_ZONES, **GOVERNANCE_DNS_ZONES}

# Resource providers ("Resource providers for Azure services", learn.microsoft.com/azure/
# azure-resource-manager/management/azure-services-resource-providers): an azurerm resource
# type's prefix -> the namespace its API lives in. A subscription must have a namespace
# registered before its API can be called.
RESOURCE_PROVIDER_OF_TYPE: tuple[tuple[str, str], ...] = (
    ("azurerm_storage_", "Microsoft.Storage"),
    ("azurerm_key_vault", "Microsoft.KeyVault"),
    ("azurerm_databricks_", "Microsoft.Databricks"),
    ("azurerm_data_factory", "Microsoft.DataFactory"),
    ("azurerm_purview_", "Microsoft.Purview"),
    ("azurerm_log_analytics_", "Microsoft.OperationalInsights"),
    ("azurerm_monitor_", "Microsoft.Insights"),
    ("azurerm_user_assigned_identity", "Microsoft.ManagedIdentity"),
    ("azurerm_federated_identity_credential", "Microsoft.ManagedIdentity"),
    ("azurerm_virtual_network", "Microsoft.Network"),
    ("azurerm_subnet", "Microsoft.Network"),
    ("azurerm_network_", "Microsoft.Network"),
    ("azurerm_private_endpoint", "Microsoft.Network"),
    ("azurerm_private_dns_", "Microsoft.Network"),
    ("azurerm_nat_gateway", "Microsoft.Network"),
    ("azurerm_public_ip", "Microsoft.Network"),
    ("azurerm_route_table", "Microsoft.Network"),
    ("azurerm_firewall", "Microsoft.Network"),
    ("azurerm_consumption_", "Microsoft.Consumption"),
    # Registered in every subscription (Azure's own), or no API of their own.
    ("azurerm_role_assignment", ""),
    ("azurerm_resource_provider_registration", ""),
)
# What a service creates in the subscription on its own, whose namespaces must be registered
# too: a Databricks workspace creates VMs, disks, a VNet's NICs and storage in its managed
# resource group (the seed's "register the compute resource provider"); Unity Catalog's file
# events create Event Grid subscriptions; Purview creates a storage account and an Event Hub
# namespace.
SERVICE_RESOURCE_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Microsoft.Databricks": (
        "Microsoft.Compute",
        "Microsoft.Network",
        "Microsoft.Storage",
        "Microsoft.ManagedIdentity",
    ),
    "Microsoft.Purview": ("Microsoft.EventHub", "Microsoft.Storage"),
}
FILE_EVENTS_RESOURCE_PROVIDERS: tuple[str, ...] = ("Microsoft.EventGrid",)


def resource_provider_of(resource_type: str) -> str | None:
    """The namespace of an azurerm resource type ('' when none needs registering), or None when
    the type is not in RESOURCE_PROVIDER_OF_TYPE."""
    for prefix, namespace in RESOURCE_PROVIDER_OF_TYPE:
        if resource_type.startswith(prefix):
            return namespace
    return None


def resource_providers(resource_types: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Sorted namespaces that resources of these azurerm types need registered, with what the
    services create on their own. A type missing from the map raises ValueError."""
    unknown = sorted(t for t in resource_types if resource_provider_of(t) is None)
    if unknown:
        raise ValueError(
            f"no resource provider namespace known for {', '.join(unknown)}: add its prefix to "
            "azure.RESOURCE_PROVIDER_OF_TYPE"
        )
    own = {resource_provider_of(t) or "" for t in resource_types} - {""}
    return tuple(sorted(own | {d for ns in own for d in SERVICE_RESOURCE_PROVIDERS.get(ns, ())}))


# Limits with their allowed ranges (inclusive).
LOG_RETENTION_DAYS = (30, 730)
KEY_VAULT_SOFT_DELETE_DAYS = (7, 90)
# Customer-managed keys: the sizes and operations Azure Storage, managed disks, Azure Databricks
# and Data Factory all accept, and Key Vault's rotation policy bounds (minimum 7 days).
CMK_KEY_TYPES: tuple[str, ...] = ("RSA", "RSA-HSM")
CMK_KEY_SIZES: tuple[int, ...] = (2048, 3072, 4096)
CMK_KEY_OPERATIONS: tuple[str, ...] = ("wrapKey", "unwrapKey")
CMK_ROTATION_DAYS = (7, 3650)
AZURE_DATABRICKS_LOCAL = "azure_databricks_object_id"
"""The Terraform local holding the configured AzureDatabricks application's object id
(databricks.azure_databricks_object_id) in a stack that grants it a key."""
BLOB_SOFT_DELETE_DAYS = (1, 365)
NAT_IDLE_TIMEOUT_MINUTES = (4, 120)
TAG_NAME_MAX, TAG_VALUE_MAX = 512, 256
TAGS_PER_RESOURCE_MAX = 50
TAG_NAME_FORBIDDEN = "<>%&\\?/"

# Terraform evaluates these in any string it reads (interpolation and directives).
TERRAFORM_TEMPLATE_MARKERS: tuple[str, ...] = ("${", "%{")

# `az account list-locations --query "[].name"` for the public cloud (physical regions only).
AZURE_LOCATIONS: frozenset[str] = frozenset(
    {
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "chilecentral",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southindia",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
    }
)

# Microsoft's VNet-injection requirements for Azure Databricks.
VNET_PREFIX_MIN, VNET_PREFIX_MAX = 16, 24
DATABRICKS_SUBNET_MAX_PREFIX = 26
# Azure reserves 5 addresses per subnet; a /28 is the smallest useful private-endpoint subnet.
PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX = 28

_STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_KEY_VAULT = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
_SUBSCRIPTION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_RESOURCE_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResourceId:
    """The parts of an ARM resource id of a top-level resource."""

    subscription: str
    resource_group: str
    namespace: str
    type: str
    name: str

    @property
    def id(self) -> str:
        """The id as Azure writes it (any part may be a token: the id is then one too)."""
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{self.namespace}/{self.type}/{self.name}"
        )


_UNIQUE_HINT = "; it is also globally unique across Azure: set 'name_suffix' if it is taken"


def storage_account_name_problem(name: str, *, hint: str = _UNIQUE_HINT) -> str | None:
    """Why `name` is not a valid storage account name, or None."""
    if not _STORAGE_ACCOUNT.match(name):
        return (
            f"storage account name {name!r} must be 3-24 characters of lowercase letters and "
            f"digits only (no hyphens){hint}"
        )
    return None


def key_vault_name_problem(name: str, *, hint: str = _UNIQUE_HINT) -> str | None:
    """Why `name` is not a valid Key Vault name, or None."""
    if not _KEY_VAULT.match(name):
        return (
            f"Key Vault name {name!r} must be 3-24 characters of letters, digits and hyphens, "
            f"start with a letter, end with a letter or digit and have no '--'{hint}"
        )
    return None


def is_guid(value: str) -> bool:
    """A lowercase GUID: subscription, tenant, object and application ids."""
    return bool(_SUBSCRIPTION_ID.match(value))


is_subscription_id = is_guid


def resource_name(value: str) -> str:
    """The name a resource id ends with, whatever its type (a private DNS zone's, a private
    endpoint's); the empty string for an empty id."""
    return value.rstrip("/").rpartition("/")[2]


def parse_resource_id(value: str, namespace: str, resource_type: str) -> ResourceId | None:
    """The parts of an ARM id of the given type, or None if it is not one.

    The one parser of resource ids: nothing else in the project splits an id on "/".
    """
    match = _RESOURCE_ID.match(value)
    if not match:
        return None
    if (match["namespace"].lower(), match["type"].lower()) != (
        namespace.lower(),
        resource_type.lower(),
    ):
        return None
    return ResourceId(
        subscription=match["subscription"],
        resource_group=match["resource_group"],
        namespace=match["namespace"],
        type=match["type"],
        name=match["name"],
    )


def require_resource_id(value: str, namespace: str, resource_type: str) -> ResourceId:
    """parse_resource_id for values already validated: ValueError naming the expected type."""
    parsed = parse_resource_id(value, namespace, resource_type)
    if parsed is None:
        raise ValueError(
            f"{value!r} is not a {namespace}/{resource_type} resource id: /subscriptions/<id>"
            f"/resourceGroups/<rg>/providers/{namespace}/{resource_type}/<name>"
        )
    return parsed


def template_marker(value: str) -> str | None:
    """The first Terraform template marker in a string (`${` or `%{`), or None.

    Terraform reads every string of a configuration as a template, so a value holding one would
    land in the plan as a live expression (e.g. reading a data source into a tag).
    """
    for marker in TERRAFORM_TEMPLATE_MARKERS:
        if marker in value:
            return marker
    return None


def check_range(field_name: str, value: int, allowed: tuple[int, int], unit: str = "") -> None:
    """ValueError naming the field, the value and the range when value is outside allowed."""
    low, high = allowed
    if not low <= value <= high:
        unit = f" {unit}" if unit else ""
        raise ValueError(f"{field_name} must be {low}-{high}{unit}; got {value}")


def check_allowed(field_name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        raise ValueError(
            f"{field_name} {value!r} is not one of {', '.join(str(a) for a in allowed)}"
        )


def max_prefix_problem(value: str, max_prefix: int) -> str | None:
    """Why a CIDR is smaller than /max_prefix (or not a CIDR), or None."""
    try:
        prefix = network(value).prefixlen
    except ValueError:
        return "is not an IPv4 network in CIDR notation with zero host bits (e.g. 10.20.0.0/24)"
    if prefix > max_prefix:
        return f"must be /{max_prefix} or larger; got /{prefix}"
    return None


def network(value: str) -> ipaddress.IPv4Network:
    """A strict IPv4 CIDR (host bits must be zero), or ValueError saying what is allowed."""
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        raise ValueError(
            f"{value!r} is not an IPv4 network in CIDR notation with zero host bits "
            f"(e.g. 10.20.0.0/24): {err}"
        ) from None
