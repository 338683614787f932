"""What the deploying and the plan identities need, derived from what each stack deploys.

    python -m tooling.variants cdktf.variants                                (make docs)
    python -m policy.rights --write-docs docs/deployment.md cdktf.variants

One source for the deployer's rights: each right is required by the resource types (or
providers, backends, settings) that a stack's synthesized Terraform holds, so the table in
docs/deployment.md (between RIGHTS_START and RIGHTS_END) follows the stacks; a test fails when
it is stale. README.md and docs/delivery.md point to it instead of listing roles.

The table is read from every environment with every option on (tooling/variants.py) and the
account scopes: per kind of stack and network mode, each right labelled with the option that
brings it. An environment added, or one that turns an option on, leaves it as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.synthesized import load_manifest, load_stack

Json = dict[str, Any]

RIGHTS_START, RIGHTS_END = "<!-- deployer-rights:start -->", "<!-- deployer-rights:end -->"

_ASSIGN = (
    "Assign Azure roles using Azure RBAC: prerequisites (`Microsoft.Authorization/"
    "roleAssignments/write`: Role Based Access Control Administrator or User Access "
    "Administrator)",
    "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-portal",
)
_VAULT_MODEL = (
    "Key Vault: Migrate from vault access policy to an Azure role-based access control "
    'permission model ("Changing the permission model requires unrestricted '
    "'Microsoft.Authorization/roleAssignments/write' permission, which is part of the Owner "
    'and User Access Administrator roles")',
    "https://learn.microsoft.com/azure/key-vault/general/rbac-migration",
)
_KEYS = (
    "Provide access to Key Vault keys, certificates, and secrets with Azure role-based access "
    "control (Key Vault Crypto Officer: every action on keys; Key Vault Reader: metadata)",
    "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
)
_JOIN = (
    "Azure Virtual Network: Permissions (joining a subnet needs "
    "`Microsoft.Network/virtualNetworks/subnets/join/action`, in Network Contributor)",
    "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet#permissions",
)
_DNS = (
    "Azure Private Endpoint DNS integration (the zone group writes A records into the zones)",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration",
)
_ACCOUNT_ADMIN = (
    "Azure Databricks: Account admins (account-level identities, workspace assignments and "
    "metastores are managed by account admins)",
    "https://learn.microsoft.com/azure/databricks/admin/#account-admins",
)
_WORKSPACE_ADMIN = (
    "Azure Databricks: Workspace admins",
    "https://learn.microsoft.com/azure/databricks/admin/#workspace-admins",
)
_METASTORE = (
    "Admin privileges in Unity Catalog (CREATE CATALOG, CREATE EXTERNAL LOCATION and CREATE "
    "STORAGE CREDENTIAL on the metastore; a workspace enabled for Unity Catalog automatically "
    "gives its workspace admins these by default)",
    "https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/"
    "manage-privileges/admin-privileges",
)
_FIREWALL = (
    "Azure Firewall: Deploy and configure Azure Firewall policy (the firewall, its policy and "
    "a route table that sends the workload subnet's 0.0.0.0/0 to it)",
    "https://learn.microsoft.com/azure/firewall/deploy-ps-policy",
)
_ROUTES = (
    "Azure built-in roles: Reader (`*/read`: a route table and its routes)",
    "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader",
)
_SECRETS = (
    "Provide access to Key Vault keys, certificates, and secrets with Azure role-based access "
    "control (Key Vault Secrets User: read secret contents)",
    "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
)
_STATE = (
    "Terraform: azurerm backend (use_azuread_auth: Storage Blob Data Owner or Contributor on "
    "the container)",
    "https://developer.hashicorp.com/terraform/language/backend/azurerm",
)


@dataclass(frozen=True, order=True)
class Right:
    identity: str
    """deployer or plan."""
    role: str
    scope: str
    because: str
    source: tuple[str, str]
    when: str = ""
    """The option (or network mode) that brings this right; empty when the stack kind always
    needs it. The table names options, not environments."""


def _resources(tf: Json) -> Iterator[tuple[str, str, Json]]:
    for type_name, items in tf.get("resource", {}).items():
        for name, body in items.items():
            yield type_name, name, body


def _in_it_mode(tf: Json) -> bool:
    """The stack uses IT's network: it looks up IT's VNet or zones instead of creating them."""
    data = tf.get("data", {})
    return "azurerm_virtual_network" in data or "azurerm_private_dns_zone" in data


def _azurerm(tf: Json, it_network: bool) -> Iterator[Right]:
    types = {type_name for type_name, _, _ in _resources(tf)}
    azurerm = sorted(t for t in types if t.startswith("azurerm_"))
    if not azurerm:
        return
    yield Right(
        "deployer",
        "Contributor",
        "the environment's resource group",
        "creates and changes the stack's azurerm resources",
        (
            "Azure built-in roles: Contributor",
            "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged#contributor",
        ),
    )
    yield Right(
        "plan",
        "Reader",
        "the environment's resource group",
        "refreshes what the stack created",
        (
            "Azure built-in roles: Reader",
            "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader",
        ),
    )
    if "azurerm_firewall" in types:
        yield Right(
            "deployer",
            "Contributor",
            "the environment's resource group",
            "azurerm_firewall, azurerm_firewall_policy_rule_collection_group, azurerm_route_"
            "table: the firewall, its allow list and the route that sends the Databricks "
            "subnets' egress through it; whoever holds it decides what may leave",
            _FIREWALL,
            "with the sandbox's firewall",
        )
    if tf.get("data", {}).get("azurerm_key_vault_secret"):
        for identity in ("deployer", "plan"):
            yield Right(
                identity,
                "Key Vault Secrets User",
                "the platform Key Vault",
                "reads the alerts' webhook URL (alerts.webhook_secret) at plan, through the "
                "vault's data plane (a runner inside the network)",
                _SECRETS,
                "with an alerts webhook",
            )
    it_tables = tf.get("data", {}).get("azurerm_route_table")
    if it_tables:
        for identity in ("deployer", "plan"):
            yield Right(
                identity,
                "Reader",
                "IT's route table",
                "reads it and fails the plan unless its 0.0.0.0/0 route goes to IT's firewall "
                "(network.it_firewall_private_ip)",
                _ROUTES,
                "with IT's firewall",
            )
    if "azurerm_role_assignment" in types:
        yield Right(
            "deployer",
            "User Access Administrator, or Role Based Access Control Administrator without a "
            "condition that limits it to some roles",
            "the environment's resource group",
            "azurerm_role_assignment (the roles it assigns include storage, Key Vault and "
            "identity roles)",
            _ASSIGN,
        )
    vaults = [b for t, _, b in _resources(tf) if t == "azurerm_key_vault"]
    if any(body.get("rbac_authorization_enabled") is False for body in vaults):
        yield Right(
            "deployer",
            "Owner or User Access Administrator",
            "the vault with access policies (or its resource group)",
            "azurerm_key_vault with rbac_authorization_enabled = false: a vault switched "
            "between permission models",
            _VAULT_MODEL,
            "with a Key-Vault-backed secret scope",
        )
    if "azurerm_key_vault_key" in types:
        # A data-plane role: the vault's own role assignment would be created by the same apply
        # and take minutes to apply, so it is granted beforehand, on the resource group.
        yield Right(
            "deployer",
            "Key Vault Crypto Officer",
            "the environment's resource group (before the first deploy with customer-managed keys)",
            "azurerm_key_vault_key: creates the customer-managed keys and their rotation "
            "policies through the vault's data plane (a runner inside the network)",
            _KEYS,
            "with customer-managed keys",
        )
        yield Right(
            "plan",
            "Key Vault Reader",
            "the environment's resource group",
            "reads the keys and their rotation policies through the vault's data plane",
            _KEYS,
            "with customer-managed keys",
        )
    if it_network:
        joins = {
            "azurerm_subnet",
            "azurerm_private_endpoint",
            "azurerm_databricks_workspace",
            "azurerm_subnet_route_table_association",
        } & types
        if joins:
            yield Right(
                "deployer",
                "Network Contributor",
                "IT's VNet (and its route table)",
                "joins IT's subnets: azurerm_subnet, azurerm_subnet_route_table_association, "
                "azurerm_private_endpoint, azurerm_databricks_workspace (VNet injection)",
                _JOIN,
                "with IT's network",
            )
            yield Right(
                "plan",
                "Reader",
                "IT's VNet",
                "reads the subnets it created there",
                _JOIN,
                "with IT's network",
            )
        if "azurerm_private_endpoint" in types:
            yield Right(
                "deployer",
                "Private DNS Zone Contributor",
                "IT's private DNS zones",
                "azurerm_private_endpoint with a DNS zone group",
                _DNS,
                "with IT's network",
            )
    for provider in _providers(tf, "azurerm"):
        if provider.get("resource_providers_to_register"):
            yield Right(
                "deployer",
                "Contributor (or a role with `*/register/action`)",
                "the subscription",
                "resource_providers_to_register (register_resource_providers: true)",
                (
                    "Azure resource providers and types: register a resource provider",
                    "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types",
                ),
                "with register_resource_providers",
            )


def _providers(tf: Json, name: str) -> list[Json]:
    configs = tf.get("provider", {}).get(name, [])
    return configs if isinstance(configs, list) else [configs]


def _databricks(tf: Json) -> Iterator[Right]:
    account = [p for p in _providers(tf, "databricks") if p.get("account_id")]
    workspace = [p for p in _providers(tf, "databricks") if not p.get("account_id")]
    if account:
        yield Right(
            "deployer",
            "Databricks account admin",
            "the Databricks account",
            "the account-level provider (groups, service principals, workspace assignments, "
            "metastore assignment, network connectivity)",
            _ACCOUNT_ADMIN,
        )
        yield Right(
            "plan",
            "Databricks account admin (the account API has no read-only role)",
            "the Databricks account",
            "reads the account-level objects the stack manages",
            _ACCOUNT_ADMIN,
        )
    created = tf.get("resource", {})
    on_metastore = [
        privilege
        for type_name, privilege in (
            ("databricks_catalog", "CREATE CATALOG"),
            ("databricks_external_location", "CREATE EXTERNAL LOCATION"),
            ("databricks_storage_credential", "CREATE STORAGE CREDENTIAL"),
        )
        if created.get(type_name)
    ]
    if on_metastore:
        yield Right(
            "deployer",
            ", ".join(on_metastore),
            "the metastore (a metastore admin grants them; an automatically enabled "
            "workspace's admins hold them)",
            "creates the environment's catalog, external locations and storage credential",
            _METASTORE,
        )
    if workspace:
        yield Right(
            "deployer",
            "Databricks workspace admin (the workspace's creator is one; the admin group)",
            "the environment's workspace",
            "the workspace-level provider (Unity Catalog objects, compute, jobs, permissions)",
            _WORKSPACE_ADMIN,
        )
        yield Right(
            "plan",
            "Databricks workspace admin (reading permissions and secret ACLs needs it)",
            "each workspace it plans",
            "reads the workspace objects the stack manages",
            _WORKSPACE_ADMIN,
        )


def _state(tf: Json) -> Iterator[Right]:
    backend = tf.get("terraform", {}).get("backend", {})
    if "azurerm" in backend:
        settings = backend["azurerm"]
        where = (
            f"the state container {settings.get('container_name')} of "
            f"{settings.get('storage_account_name')}"
        )
        prefix = str(settings.get("key", "")).partition("/")[0]
        condition = (
            f"only blobs whose path starts with `{prefix}/` (a role assignment condition: "
            'docs/deployment.md, "State: one environment\'s blobs")'
        )
        yield Right(
            "deployer",
            f"Storage Blob Data Contributor, {condition}",
            where,
            "its Terraform state, and the states of its environment's stacks it reads",
            _STATE,
        )
        yield Right(
            "plan",
            f"Storage Blob Data Reader, {condition}",
            where,
            "reads its state (plans with -lock=false)",
            _STATE,
        )


def rights(tf: Json, *, it_network: bool) -> list[Right]:
    """The rights one synthesized stack needs."""
    found = [*_azurerm(tf, it_network), *_databricks(tf), *_state(tf)]
    return sorted(set(found))


_ORDER: tuple[str, ...] = (
    *("network", "platform", "databricks", "databricks-keys", "governance"),
    *("unity-catalog", "workloads", "ingestion", "account"),
)


def table(stacks: Mapping[str, Json]) -> str:
    """Markdown: per kind of stack, what each identity needs, each right labelled with the
    option (or network mode) that brings it, then why each right is needed, with its source
    (stack id -> its JSON: the variants with every option on, tooling/variants.py, and the
    account scopes). Environments are not named: a new one changes nothing here."""
    it_scopes = {s.split("-", 1)[0] for s, tf in stacks.items() if _in_it_mode(tf)}
    found: set[tuple[str, str, str, str]] = set()
    reasons: dict[tuple[str, str], Right] = {}
    kinds: set[str] = set()
    for stack, tf in stacks.items():
        scope, kind = stack.split("-", 1)
        kinds.add(kind)
        for right in rights(tf, it_network=scope in it_scopes):
            if right.source == _STATE:
                continue
            found.add((kind, right.identity, right.role, right.scope))
            reasons.setdefault((right.role, right.scope), right)
    rows = ["| stack | deploying identity | plan identity |", "|---|---|---|"]
    for kind in sorted(kinds, key=lambda k: (_ORDER.index(k) if k in _ORDER else 99, k)):
        cells = []
        for identity in ("deployer", "plan"):
            needs = []
            for k, who, role, scope in sorted(found):
                if k == kind and who == identity:
                    when = reasons[(role, scope)].when
                    needs.append(f"{role} on {scope}" + (f" ({when})" if when else ""))
            cells.append("<br>".join(needs) or "-")
        label = "account" if kind == "account" else "env"
        rows.append(f"| `<{label}>-{kind}` | {cells[0]} | {cells[1]} |")
    rows += [
        "",
        "Every stack whose state is in Azure Storage: the environment's deploying identity needs "
        "Storage Blob Data Contributor, and its plan identity (one per environment) Storage "
        "Blob Data Reader, on the state container, each with a condition that limits it to the "
        "blobs under the environment's key prefix (`<env>/`, or `state.key_prefix`; the account "
        "scope's `<account>/`): one environment's identities can neither read nor overwrite "
        f"another's state ([{_STATE[0]}]({_STATE[1]}); docs/deployment.md, \"State: one "
        "environment's blobs\").",
        "",
        "Why each is needed:",
        "",
    ]
    for (role, scope), right in sorted(reasons.items()):
        title, url = right.source
        rows.append(f"- {role} on {scope}: {right.because} ([{title}]({url})).")
    return "\n".join([RIGHTS_START, *rows, RIGHTS_END])


def synthesized(outdir: Path) -> dict[str, Json]:
    """Every stack of a synth (all scopes), by stack id."""
    return {s: load_stack(outdir, s) for s in sorted(load_manifest(outdir)["stacks"])}


def write(doc: Path, outdir: Path) -> bool:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(RIGHTS_START), text.index(RIGHTS_END) + len(RIGHTS_END)
    new = text[:start] + table(synthesized(outdir)) + text[end:]
    doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-docs"] and len(sys.argv) == 4:
        doc = Path(sys.argv[2])
        print("updated" if write(doc, Path(sys.argv[3])) else "up to date", doc)
        sys.exit(0)
    usage = "usage: python -m policy.rights --write-docs <file.md> <synth folder of the variants>"
    print(usage, file=sys.stderr)
    sys.exit(2)
