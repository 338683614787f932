"""Private endpoints register in the private DNS zone of their sub-resource."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary.azure import ALL_DNS_ZONES

# Private-link subresource -> the purpose of the zone its records go to (vocabulary.azure).
SUBRESOURCE_ZONES: dict[str, str] = {
    "dfs": "dfs",
    "blob": "blob",
    "vault": "vault",
    "databricks_ui_api": "databricks",
    "browser_authentication": "databricks",
    "account": "purview",
    "portal": "purview_portal",
    "queue": "queue",
    "namespace": "servicebus",
}


@rule(
    "private-endpoint-dns",
    "Every private endpoint has a DNS zone group whose zone is the privatelink zone of its "
    "subresource, so the service's name resolves to the endpoint's private address.",
    "Azure Private Endpoint private DNS zone values",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-dns",
)
def _private_endpoint_dns(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, endpoint in env.resources("azurerm_private_endpoint"):
        connection = endpoint.get("private_service_connection") or {}
        (subresource,) = connection.get("subresource_names") or [""]
        group = endpoint.get("private_dns_zone_group") or {}
        zone_ids = group.get("private_dns_zone_ids") or []
        if not zone_ids:
            yield Finding(
                stack,
                address,
                "no private DNS zone group: the "
                "service's name would still resolve to its public address",
            )
            continue
        expected = ALL_DNS_ZONES.get(SUBRESOURCE_ZONES.get(subresource, ""))
        if expected is None:
            yield Finding(
                stack,
                address,
                f"subresource {subresource!r} has no "
                "known privatelink zone: add it to SUBRESOURCE_ZONES with Microsoft's zone name",
            )
            continue
        for zone_id in zone_ids:
            found = env.lookup(stack, zone_id)
            name = found.get("name") if found else None
            if name != expected:
                yield Finding(
                    stack,
                    address,
                    f"{subresource} registers in {name or zone_id}, not {expected}",
                )
