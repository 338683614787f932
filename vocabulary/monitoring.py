"""Azure Monitor's vocabulary the alerts use: the metrics each resource type emits (with their
dimensions), the alerts Azure Monitor Baseline Alerts recommends, and the log queries.

One home: the alert constructs (components/alerts.py) are built from it, the deployment rule
`alert-metric-exists` checks every synthesized metric alert against it, and docs/operations.md
cites the same sources. A leaf: it imports nothing of the project's.

Each metric is as Microsoft's "Supported metrics" page of its resource type names it (metric
names and dimension names are case-sensitive in a metric alert's criteria).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY_VAULT_LOGGING = (
    "Azure Key Vault logging (Event Grid notification events, near expiry and expired, are "
    "logged whether or not an event subscription exists)",
    "https://learn.microsoft.com/azure/key-vault/general/logging",
)


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[str, ...]
    source: tuple[str, str]


def _supported(namespace: str) -> tuple[str, str]:
    slug = namespace.lower().replace("/", "-").replace(".", "-")
    return (
        f"Azure Monitor: Supported metrics for {namespace}",
        f"https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/{slug}-metrics",
    )


FACTORIES = "Microsoft.DataFactory/factories"
STORAGE = "Microsoft.Storage/storageAccounts"
VAULTS = "Microsoft.KeyVault/vaults"

_RUNS = ("FailureType", "CancelledBy", "Name")
_STORAGE_API = ("GeoType", "ApiName", "Authentication")
_VAULT_API = ("ActivityType", "ActivityName", "StatusCode", "StatusCodeClass")
METRICS: tuple[Metric, ...] = (
    Metric(FACTORIES, "PipelineFailedRuns", _RUNS, _supported(FACTORIES)),
    Metric(FACTORIES, "PipelineSucceededRuns", _RUNS, _supported(FACTORIES)),
    Metric(STORAGE, "Availability", _STORAGE_API, _supported(STORAGE)),
    Metric(
        STORAGE,
        "Transactions",
        ("ResponseType", *_STORAGE_API, "TransactionType"),
        _supported(STORAGE),
    ),
    Metric(VAULTS, "Availability", _VAULT_API, _supported(VAULTS)),
    Metric(VAULTS, "ServiceApiResult", _VAULT_API, _supported(VAULTS)),
)
"""The metrics the alerts may use, with the dimensions their criteria may filter on."""

THROTTLING_RESPONSES: tuple[str, ...] = (
    "ServerBusyError",
    "ClientThrottlingError",
    "ServerTimeoutError",
)
"""The Transactions metric's ResponseType values that mean the account is throttling (Azure
Storage: "Scalability and performance targets", Storage metrics' ResponseType dimension)."""


def metric(namespace: str, name: str) -> Metric | None:
    for known in METRICS:
        if known.namespace.lower() == namespace.lower() and known.name == name:
            return known
    return None


_KEY_VAULT_LOGS = (
    # The typed empty table keeps the query valid on a workspace that has no AzureDiagnostics
    # table yet (a new environment): Azure checks a log alert's query when it creates it.
    "union isfuzzy=true\n"
    "    (datatable(TimeGenerated: datetime, ResourceProvider: string, Resource: string,"
    " OperationName: string, id_s: string, httpStatusCode_d: real, CallerIPAddress: string,"
    " identity_claim_oid_g: string)[]),\n"
    "    AzureDiagnostics\n"
    '| where ResourceProvider == "MICROSOFT.KEYVAULT"\n'
)
KEY_EXPIRY_QUERY = (
    _KEY_VAULT_LOGS + '| where OperationName endswith "NearExpiryEventGridNotification"'
    ' or OperationName endswith "ExpiredEventGridNotification"\n'
    "| project TimeGenerated, Resource, OperationName, id_s"
)
"""Keys, secrets and certificates near expiry or expired: Key Vault logs the Event Grid
notifications it raises (KEY_VAULT_LOGGING; SecretNearExpiryEventGridNotification and its
kin) to the AuditEvent category, which the platform already sends to Log Analytics. `endswith`,
not `has`: `has` matches whole terms, and the operation's name is one term."""
DENIED_REQUESTS_QUERY = (
    _KEY_VAULT_LOGS + "| where httpStatusCode_d in (401, 403)\n"
    "| project TimeGenerated, Resource, OperationName, httpStatusCode_d, CallerIPAddress,"
    " identity_claim_oid_g"
)
"""Requests the vaults refused, one row each (the alert counts rows): unauthenticated (401) or
not allowed (403)."""

SECRET_NAME = re.compile(r"[0-9a-zA-Z-]{1,127}")
"""A Key Vault secret's name ("Naming rules and restrictions for Azure resources")."""
