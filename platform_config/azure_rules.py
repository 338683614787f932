"""Azure's own rules, checked offline before Terraform sees a value.

Sources: Azure resource naming rules ("Naming rules and restrictions for Azure resources"),
Databricks VNet-injection requirements, the list of public-cloud region names.
"""

from __future__ import annotations

import ipaddress
import re

# `az account list-locations --query "[].name"` for the public cloud (physical regions only).
AZURE_LOCATIONS: frozenset[str] = frozenset(
    {
        "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast",
        "austriaeast", "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral",
        "canadaeast", "centralindia", "centralus", "chilecentral", "eastasia", "eastus",
        "eastus2", "francecentral", "francesouth", "germanynorth", "germanywestcentral",
        "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
        "jioindiacentral", "jioindiawest", "koreacentral", "koreasouth", "malaysiawest",
        "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast",
        "norwaywest", "polandcentral", "qatarcentral", "southafricanorth", "southafricawest",
        "southcentralus", "southindia", "southeastasia", "spaincentral", "swedencentral",
        "swedensouth", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth",
        "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus", "westus2",
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
_SUBSCRIPTION_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_RESOURCE_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$",
    re.IGNORECASE,
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


def is_subscription_id(value: str) -> bool:
    return bool(_SUBSCRIPTION_ID.match(value))


def parse_resource_id(value: str, namespace: str, resource_type: str) -> dict[str, str] | None:
    """Split an ARM id of the given type into subscription, resource_group and name."""
    match = _RESOURCE_ID.match(value)
    if not match:
        return None
    if (match["namespace"].lower(), match["type"].lower()) != (
        namespace.lower(),
        resource_type.lower(),
    ):
        return None
    return {k: match[k] for k in ("subscription", "resource_group", "name")}


def network(value: str) -> ipaddress.IPv4Network:
    """A strict IPv4 CIDR (host bits must be zero), or ValueError saying what is allowed."""
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        raise ValueError(
            f"{value!r} is not an IPv4 network in CIDR notation with zero host bits "
            f"(e.g. 10.20.0.0/24): {err}"
        ) from None
