"""Deployment rules: what a first real deployment needs, checked on the synthesized stacks.

Nothing here can reach Azure or Databricks, so each requirement that a service documents (and
that Terraform would only meet at apply time, or the service at run time) is a rule over every
environment's synthesized Terraform JSON. Each rule names the document it comes from; a test
shows each one failing on a broken copy of a real stack (tests/test_deployment_rules.py), and
docs/deployment.md lists them.

    python -m policy cdktf.out          (make policy: checkov, then these rules)

A rule is a function of one `Environment` (its stacks in dependency order, read-only) that
yields a `Violation` per problem; `RULES` is the list, `check(environment)` runs them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_config.azure_rules import ALL_DNS_ZONES, resource_providers

Json = dict[str, Any]


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    stack: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.stack}: {self.address}: {self.message}"


@dataclass(frozen=True)
class Environment:
    """One environment's synthesized stacks, as the rules read them."""

    name: str
    stacks: Mapping[str, Json]
    """Stack id -> its Terraform JSON, in dependency order."""
    manifest_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Stack id -> the stacks cdktf's manifest says it depends on (the CLI checks these)."""

    def kind(self, stack: str) -> str:
        return stack.removeprefix(f"{self.name}-")

    def stack(self, kind: str) -> Json | None:
        return self.stacks.get(f"{self.name}-{kind}")

    def resources(
        self, resource_type: str, kind: str | None = None
    ) -> Iterator[tuple[str, str, Json]]:
        """(stack id, address, body) of every resource of a type (in one kind of stack)."""
        for stack, tf in self.stacks.items():
            if kind is not None and self.kind(stack) != kind:
                continue
            for name, body in sorted(tf.get("resource", {}).get(resource_type, {}).items()):
                yield stack, f"{resource_type}.{name}", body

    def resolve(self, value: str) -> str:
        """value with each contract output it reads replaced by the producer's expression."""

        def producer_value(match: re.Match[str]) -> str:
            output = self.stacks.get(match[1], {}).get("output", {}).get(match[2])
            return self.resolve(str(output["value"])) if output else match[0]

        return _READ.sub(producer_value, value)

    def origin(self, stack: str, value: str) -> tuple[str, str]:
        """(stack, expression) where a value read from other stacks' outputs is produced."""
        match = _READ.fullmatch(value)
        output = self.stacks.get(match[1], {}).get("output", {}).get(match[2]) if match else None
        if match and output:
            return self.origin(match[1], str(output["value"]))
        return stack, value

    def lookup(self, stack: str, reference: str) -> Json | None:
        """The resource or data source `${[data.]type.name.attribute}` names, followed across
        stacks; None when the value is not such a reference."""
        stack, value = self.origin(stack, reference)
        match = _REFERENCE.fullmatch(value)
        if not match:
            return None
        section = self.stacks[stack].get("data" if match["data"] else "resource", {})
        found: Json | None = section.get(match["type"], {}).get(match["name"])
        return found


_READ = re.compile(r"\$\{data\.terraform_remote_state\.([a-z0-9-]+)\.outputs\.([A-Za-z0-9_-]+)\}")
_REFERENCE = re.compile(
    r"\$\{(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?:\.[^}]*)?\}"
)


@dataclass(frozen=True)
class Rule:
    id: str
    requirement: str
    """What must hold, in one sentence."""
    source: str
    """The document it comes from: its title."""
    url: str
    check: Callable[[Environment], Iterable[Violation]]


RULES: list[Rule] = []


Check = Callable[[Environment], Iterable[Violation]]


def rule(id_: str, requirement: str, source: str, url: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(id_, requirement, source, url, check))
        return check

    return register


# --- Deploy by name -------------------------------------------------------------------------


@rule(
    "stack-deploys-by-name",
    "No stack records a manifest dependency, so `cdktf deploy <env>-<stack>` passes the CLI's "
    "stack-dependency check as typed.",
    "CDK for Terraform: Stacks (cross-stack references and dependencies)",
    "https://developer.hashicorp.com/terraform/cdktf/concepts/stacks",
)
def _stack_deploys_by_name(env: Environment) -> Iterator[Violation]:
    for stack, dependencies in env.manifest_dependencies.items():
        if dependencies:
            yield Violation(
                "stack-deploys-by-name",
                stack,
                "manifest.json",
                f"depends on {', '.join(dependencies)}: a value crossed as a cdktf cross-stack "
                "reference; publish it in the producer's contract (stacks/contract.py)",
            )


@rule(
    "contract-read-is-published",
    "Every value a stack reads from another stack's state is an output of an earlier stack of "
    "the same environment.",
    "Terraform: The terraform_remote_state data source",
    "https://developer.hashicorp.com/terraform/language/state/remote-state-data",
)
def _contract_read_is_published(env: Environment) -> Iterator[Violation]:
    order = list(env.stacks)
    for position, (stack, tf) in enumerate(env.stacks.items()):
        text = json.dumps({k: tf.get(k, {}) for k in ("resource", "output", "provider", "data")})
        for producer, output in sorted(set(_READ.findall(text))):
            if producer not in order[:position]:
                yield Violation(
                    "contract-read-is-published",
                    stack,
                    f"data.terraform_remote_state.{producer}",
                    f"reads {producer}, which is not deployed before it in {env.name}",
                )
            elif output not in env.stacks[producer].get("output", {}):
                yield Violation(
                    "contract-read-is-published",
                    stack,
                    f"data.terraform_remote_state.{producer}",
                    f"reads output {output!r}, which {producer} does not publish",
                )


# --- Network --------------------------------------------------------------------------------


@rule(
    "databricks-subnets-have-egress",
    "Every subnet delegated to Databricks without default outbound access has an egress path: "
    "a NAT gateway or a route table (IT's firewall). Clusters without public IPs reach the "
    "control plane only through it.",
    "Azure Databricks: User-defined route settings for Azure Databricks",
    "https://learn.microsoft.com/azure/databricks/security/network/classic/udr",
)
def _databricks_subnets_have_egress(env: Environment) -> Iterator[Violation]:
    for stack, address, subnet in env.resources("azurerm_subnet"):
        delegated = any(
            (d.get("service_delegation") or {}).get("name") == "Microsoft.Databricks/workspaces"
            for d in subnet.get("delegation") or []
        )
        if not delegated or subnet.get("default_outbound_access_enabled") is not False:
            continue
        reference = f"${{{address}.id}}"
        paths = [
            body
            for kind in (
                "azurerm_subnet_nat_gateway_association",
                "azurerm_subnet_route_table_association",
            )
            for _, _, body in env.resources(kind, env.kind(stack))
            if body.get("subnet_id") == reference
        ]
        if not paths:
            yield Violation(
                "databricks-subnets-have-egress",
                stack,
                address,
                "no NAT gateway and no route table: clusters could not reach the control "
                "plane (set network.route_table_id or network.nat_gateway)",
            )


@rule(
    "private-workspace-has-private-storage",
    "A workspace without public network access keeps its own storage account private too: the "
    "storage firewall on with the access connector, and dfs and blob private endpoints to it.",
    "Azure Databricks: Enable firewall support for your workspace storage account",
    "https://learn.microsoft.com/azure/databricks/security/network/storage/firewall-support",
)
def _private_workspace_has_private_storage(env: Environment) -> Iterator[Violation]:
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        if workspace.get("public_network_access_enabled") is not False:
            continue
        problems = []
        if workspace.get("default_storage_firewall_enabled") is not True:
            problems.append("its storage firewall is off")
        if not workspace.get("access_connector_id"):
            problems.append("no access connector reaches its storage")
        managed_storage = (
            f"/resourceGroups/{workspace.get('managed_resource_group_name')}"
            "/providers/Microsoft.Storage/storageAccounts/"
        )
        reached = {
            (endpoint.get("private_service_connection") or {}).get("subresource_names", [""])[0]
            for _, _, endpoint in env.resources("azurerm_private_endpoint", env.kind(stack))
            if managed_storage
            in str(
                (endpoint.get("private_service_connection") or {}).get(
                    "private_connection_resource_id", ""
                )
            )
        }
        missing = sorted({"dfs", "blob"} - reached)
        if missing:
            problems.append(f"no {' and no '.join(missing)} private endpoint to its storage")
        if problems:
            yield Violation(
                "private-workspace-has-private-storage", stack, address, "; ".join(problems)
            )


@rule(
    "serverless-reaches-the-lake",
    "A serverless SQL warehouse's workspace is bound to a network connectivity configuration "
    "with private endpoint rules to the lake's dfs and blob: serverless compute reaches a lake "
    "with public access off only through them.",
    "Azure Databricks: Configure private connectivity from serverless compute",
    "https://learn.microsoft.com/azure/databricks/security/network/serverless-network-security/serverless-private-link",
)
def _serverless_reaches_the_lake(env: Environment) -> Iterator[Violation]:
    serverless = [
        (stack, address)
        for stack, address, warehouse in env.resources("databricks_sql_endpoint")
        if warehouse.get("enable_serverless_compute") is True
    ]
    if not serverless:
        return
    bindings = list(env.resources("databricks_mws_ncc_binding"))
    reached = {
        rule.get("group_id")
        for stack, _, rule in env.resources("databricks_mws_ncc_private_endpoint_rule")
        if (
            _REFERENCE.fullmatch(env.origin(stack, str(rule.get("resource_id")))[1]) or {"type": ""}
        )["type"]
        == "azurerm_storage_account"
    }
    missing = sorted({"dfs", "blob"} - reached)
    for stack, address in serverless:
        if not bindings:
            yield Violation(
                "serverless-reaches-the-lake",
                stack,
                address,
                "the workspace is bound to no network connectivity configuration",
            )
        if missing:
            yield Violation(
                "serverless-reaches-the-lake",
                stack,
                address,
                f"no private endpoint rule to the lake's {' and '.join(missing)}",
            )


# --- Private endpoints ----------------------------------------------------------------------

# Private-link subresource -> the purpose of the zone its records go to (azure_rules).
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
def _private_endpoint_dns(env: Environment) -> Iterator[Violation]:
    for stack, address, endpoint in env.resources("azurerm_private_endpoint"):
        connection = endpoint.get("private_service_connection") or {}
        (subresource,) = connection.get("subresource_names") or [""]
        group = endpoint.get("private_dns_zone_group") or {}
        zone_ids = group.get("private_dns_zone_ids") or []
        if not zone_ids:
            yield Violation(
                "private-endpoint-dns",
                stack,
                address,
                "no private DNS zone group: the "
                "service's name would still resolve to its public address",
            )
            continue
        expected = ALL_DNS_ZONES.get(SUBRESOURCE_ZONES.get(subresource, ""))
        if expected is None:
            yield Violation(
                "private-endpoint-dns",
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
                yield Violation(
                    "private-endpoint-dns",
                    stack,
                    address,
                    f"{subresource} registers in {name or zone_id}, not {expected}",
                )


# --- What the providers call at create time ---------------------------------------------------


def _azurerm_providers(tf: Json) -> list[Json]:
    configs = tf.get("provider", {}).get("azurerm", [])
    return configs if isinstance(configs, list) else [configs]


@rule(
    "storage-data-plane-not-awaited",
    "Every azurerm provider of a stack that creates a storage account sets features.storage."
    "data_plane_available = false, and containers are created through Resource Manager "
    "(storage_account_id): azurerm 4.x otherwise waits after create, and on every read, for the "
    "account's data plane, which a private account refuses before its private endpoint exists.",
    "hashicorp/terraform-provider-azurerm: storage_account_resource.go at v4.55.0; pull request "
    "27818, 'allow azurerm_storage_account to be used in Data Plane restrictive environments'",
    "https://github.com/hashicorp/terraform-provider-azurerm/pull/27818",
)
def _storage_data_plane_not_awaited(env: Environment) -> Iterator[Violation]:
    for stack, tf in env.stacks.items():
        accounts = tf.get("resource", {}).get("azurerm_storage_account", {})
        if accounts:
            for index, provider in enumerate(_azurerm_providers(tf)):
                storage = [
                    block
                    for features in provider.get("features") or []
                    for block in features.get("storage") or []
                ]
                if not any(block.get("data_plane_available") is False for block in storage):
                    name = provider.get("alias") or "default"
                    yield Violation(
                        "storage-data-plane-not-awaited",
                        stack,
                        f"provider.azurerm[{index}] ({name})",
                        "features.storage.data_plane_available is not false: creating the "
                        "private storage account would wait for a data plane nothing can reach",
                    )
        for _, address, container in env.resources("azurerm_storage_container", env.kind(stack)):
            if "storage_account_id" not in container:
                yield Violation(
                    "storage-data-plane-not-awaited",
                    stack,
                    address,
                    "created by storage_account_name, through the data plane: use "
                    "storage_account_id (Resource Manager)",
                )


# Arguments whose change replaces a resource that holds data or carries traffic (each
# resource's page in the azurerm and databricks provider docs: "Changing this forces a new
# resource to be created"). Paths into nested blocks use dots.
FORCES_REPLACEMENT: Mapping[str, tuple[str, ...]] = {
    "azurerm_private_endpoint": (
        "name",
        "subnet_id",
        "custom_network_interface_name",
        "private_service_connection.private_connection_resource_id",
        "private_service_connection.subresource_names",
        "private_service_connection.is_manual_connection",
    ),
    "azurerm_storage_account": ("name", "resource_group_name", "location", "is_hns_enabled"),
    "azurerm_storage_container": ("name", "storage_account_id"),
    "azurerm_key_vault": ("name", "resource_group_name", "location"),
    "azurerm_databricks_workspace": (
        "name",
        "resource_group_name",
        "location",
        "managed_resource_group_name",
        "custom_parameters.virtual_network_id",
        "custom_parameters.public_subnet_name",
        "custom_parameters.private_subnet_name",
        "custom_parameters.storage_account_name",
    ),
    "azurerm_databricks_access_connector": ("name", "resource_group_name", "location"),
    "azurerm_subnet": ("name", "resource_group_name", "virtual_network_name"),
    "azurerm_data_factory": ("name", "resource_group_name", "location"),
    "azurerm_data_factory_managed_private_endpoint": (
        "name",
        "data_factory_id",
        "target_resource_id",
        "subresource_name",
    ),
    "azurerm_purview_account": ("name", "resource_group_name", "location"),
    "azurerm_role_assignment": ("scope", "role_definition_name", "principal_id"),
    "databricks_catalog": ("name", "storage_root"),
    "databricks_schema": ("catalog_name", "name", "storage_root"),
    "databricks_storage_credential": ("name",),
}
_UNKNOWN_AT_PLAN = re.compile(r"\b(timestamp|uuid|bcrypt)\(")


def _values_at(body: Json, path: str) -> Iterator[str]:
    head, _, rest = path.partition(".")
    value = body.get(head)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if rest and isinstance(item, dict):
            yield from _values_at(item, rest)
        elif not rest and item is not None:
            yield json.dumps(item)


def _deferred_reads(tf: Json) -> set[str]:
    """`data.<type>.<name>` of each data source with depends_on: Terraform reads it during
    apply whenever something it depends on has a change."""
    return {
        f"data.{type_name}.{name}"
        for type_name, items in tf.get("data", {}).items()
        for name, body in items.items()
        if body.get("depends_on")
    }


@rule(
    "no-replacement-fed-at-apply",
    "No argument that forces the replacement of a stateful or networked resource takes a value "
    "that is known only during apply (a data source read with depends_on, timestamp(), "
    "uuid()): the plan cannot tell the value is unchanged, so it plans a replacement.",
    "Terraform: Data sources, 'Data resource dependencies'",
    "https://developer.hashicorp.com/terraform/language/data-sources#data-resource-dependencies",
)
def _no_replacement_fed_at_apply(env: Environment) -> Iterator[Violation]:
    for stack, tf in env.stacks.items():
        deferred = _deferred_reads(tf)
        for type_name, paths in FORCES_REPLACEMENT.items():
            for _, address, body in env.resources(type_name, env.kind(stack)):
                for path in paths:
                    for value in _values_at(body, path):
                        late = sorted(d for d in deferred if f"${{{d}." in value)
                        if late or _UNKNOWN_AT_PLAN.search(value):
                            yield Violation(
                                "no-replacement-fed-at-apply",
                                stack,
                                address,
                                f"{path} is read at apply ({', '.join(late) or value}): any "
                                "change it depends on replaces this resource; compute it from "
                                "values known at plan",
                            )


# --- Resource providers ---------------------------------------------------------------------


@rule(
    "resource-providers-registered",
    "When the environment registers resource providers, each azurerm stack's provider registers "
    "the namespace of every resource type it deploys and what those services create on their "
    "own (Microsoft.Compute for Databricks clusters).",
    "Azure resource providers and types",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types",
)
def _resource_providers_registered(env: Environment) -> Iterator[Violation]:
    registering = {
        stack: set(default["resource_providers_to_register"])
        for stack, tf in env.stacks.items()
        for default in tf.get("provider", {}).get("azurerm", [])
        if "alias" not in default and default.get("resource_providers_to_register")
    }
    if not registering:
        return  # register_resource_providers: false; IT registers them
    for stack, tf in env.stacks.items():
        types = {
            resource_type
            for resource_type, items in tf.get("resource", {}).items()
            if resource_type.startswith("azurerm_")
            and any("provider" not in body for body in items.values())
        }
        if not types:
            continue
        try:
            needed = set(resource_providers(types))
        except ValueError as err:
            yield Violation("resource-providers-registered", stack, "provider.azurerm", str(err))
            continue
        missing = sorted(needed - registering.get(stack, set()))
        if missing:
            yield Violation(
                "resource-providers-registered",
                stack,
                "provider.azurerm",
                f"does not register {', '.join(missing)}, which its resources need",
            )


# --- Secrets --------------------------------------------------------------------------------


def _access_policies(env: Environment, stack: str, vault: str) -> list[Json]:
    return [
        policy
        for _, _, policy in env.resources("azurerm_key_vault_access_policy", env.kind(stack))
        if policy.get("key_vault_id") == f"${{{vault}.id}}"
    ]


@rule(
    "secret-scope-vault-readable",
    "A Key-Vault-backed secret scope's vault uses the access-policy model and grants an "
    "identity get and list on secrets (Databricks reads it as the AzureDatabricks "
    "application; these scopes do not support Azure RBAC vaults).",
    "Azure Databricks: Workspace secret scopes (Azure Key Vault-backed scopes)",
    "https://learn.microsoft.com/azure/databricks/security/secrets/workspace-secret-scopes",
)
def _secret_scope_vault_readable(env: Environment) -> Iterator[Violation]:
    for stack, address, scope in env.resources("databricks_secret_scope"):
        metadata = scope.get("keyvault_metadata") or {}
        if not metadata:
            continue
        origin, expression = env.origin(stack, str(metadata.get("resource_id", "")))
        match = _REFERENCE.fullmatch(expression)
        vault = env.lookup(stack, str(metadata.get("resource_id", "")))
        if not match or vault is None:
            yield Violation(
                "secret-scope-vault-readable",
                stack,
                address,
                "its vault is not one of the platform's: nothing here shows Databricks can read it",
            )
            continue
        target = f"azurerm_key_vault.{match['name']}"
        readers = [
            p
            for p in _access_policies(env, origin, target)
            if {"Get", "List"} <= set(p.get("secret_permissions") or [])
        ]
        if vault.get("rbac_authorization_enabled") is not False or not readers:
            yield Violation(
                "secret-scope-vault-readable",
                origin,
                target,
                f"backs {address} but "
                + (
                    "uses Azure RBAC"
                    if vault.get("rbac_authorization_enabled") is not False
                    else "no access policy grants get and list on secrets"
                ),
            )


def _secrets_are_read(env: Environment, stack: str, address: str, vault: Json) -> bool:
    """Whether anything reads the vault's secrets: a role, an access policy or a secret scope."""
    reference = f"${{{address}.id}}"
    if vault.get("rbac_authorization_enabled") is False and _access_policies(env, stack, address):
        return True
    for other, _, assignment in env.resources("azurerm_role_assignment"):
        target = env.origin(other, str(assignment.get("scope")))
        if target == (stack, reference) and "Secrets User" in str(
            assignment.get("role_definition_name")
        ):
            return True
    for other, _, secret_scope in env.resources("databricks_secret_scope"):
        metadata = secret_scope.get("keyvault_metadata") or {}
        if env.origin(other, str(metadata.get("resource_id"))) == (stack, reference):
            return True
    return False


@rule(
    "vault-secrets-have-writers",
    "Every Key Vault whose secrets something reads (a role, an access policy, a secret scope) "
    "gives someone the right to write them (Key Vault Secrets Officer, or an access policy "
    "with set): the deployer's Contributor role reaches no data plane.",
    "Azure Key Vault: Provide access with Azure role-based access control",
    "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
)
def _vault_secrets_have_writers(env: Environment) -> Iterator[Violation]:
    for stack, address, vault in env.resources("azurerm_key_vault"):
        if not _secrets_are_read(env, stack, address, vault):
            continue  # nothing reads its secrets (yet): nobody needs to write them
        if vault.get("rbac_authorization_enabled") is False:
            writers = [
                p
                for p in _access_policies(env, stack, address)
                if "Set" in (p.get("secret_permissions") or [])
            ]
        else:
            writers = [
                a
                for _, _, a in env.resources("azurerm_role_assignment", env.kind(stack))
                if a.get("scope") == f"${{{address}.id}}"
                and a.get("role_definition_name")
                in ("Key Vault Secrets Officer", "Key Vault Administrator")
            ]
        if not writers:
            yield Violation(
                "vault-secrets-have-writers",
                stack,
                address,
                "nobody may write its secrets: set secrets.writers",
            )


# --- Jobs -----------------------------------------------------------------------------------


@rule(
    "job-started-once",
    "A Databricks job that a Data Factory pipeline starts has no schedule, file-arrival or "
    "continuous trigger of its own (it would run again for a date with no new data).",
    "Databricks: Automating jobs with schedules and triggers",
    "https://learn.microsoft.com/azure/databricks/jobs/triggers",
)
def _job_started_once(env: Environment) -> Iterator[Violation]:
    for stack, address, pipeline in env.resources("azurerm_data_factory_pipeline"):
        for parameter, value in sorted((pipeline.get("parameters") or {}).items()):
            origin, expression = env.origin(stack, str(value))
            match = _REFERENCE.fullmatch(expression)
            if not match or match["type"] != "databricks_job":
                continue
            job = env.lookup(stack, str(value)) or {}
            own = [t for t in ("schedule", "trigger", "continuous") if job.get(t)]
            if own:
                yield Violation(
                    "job-started-once",
                    origin,
                    f"databricks_job.{match['name']}",
                    f"has a {' and a '.join(own)} of its own, and {address} starts it "
                    f"(parameter {parameter}): set workloads.job.trigger: none",
                )


_EXACT_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+-]*$")


@rule(
    "dbt-task-as-documented",
    "A dbt task with a SQL warehouse sets no profiles_directory (Databricks generates the "
    "profile; the Jobs API takes a relative profiles_directory only without warehouse_id), and "
    "its libraries pin dbt-databricks exactly.",
    "Databricks Jobs API: DbtTask (profiles_directory, warehouse_id)",
    "https://docs.databricks.com/api/azure/workspace/jobs/create",
)
def _dbt_task_as_documented(env: Environment) -> Iterator[Violation]:
    for stack, address, job in env.resources("databricks_job"):
        for task in job.get("task", []):
            dbt = task.get("dbt_task")
            if not dbt:
                continue
            where = f"{address} task {task.get('task_key')}"
            profiles = dbt.get("profiles_directory")
            if profiles and dbt.get("warehouse_id"):
                yield Violation(
                    "dbt-task-as-documented",
                    stack,
                    where,
                    "sets profiles_directory and warehouse_id; the Jobs API takes "
                    "profiles_directory only without a warehouse",
                )
            elif profiles and str(profiles).startswith("/"):
                yield Violation(
                    "dbt-task-as-documented",
                    stack,
                    where,
                    f"profiles_directory {profiles!r} must be relative to the project",
                )
            packages = [
                str((library.get("pypi") or {}).get("package", ""))
                for library in task.get("library", [])
            ]
            adapter = [
                p
                for p in packages
                if p.split("=")[0].split("<")[0].split(">")[0] == "dbt-databricks"
            ]
            if not adapter or not all(_EXACT_PIN.match(p) for p in packages):
                yield Violation(
                    "dbt-task-as-documented",
                    stack,
                    where,
                    f"libraries {packages}: dbt-databricks (and each other) must be pinned "
                    "exactly (name==version), the version the tests ran",
                )


@rule(
    "job-cluster-without-autotermination",
    "A job cluster neither sets autotermination_minutes nor takes its policy's default for it "
    "(apply_policy_default_values): job compute ends with its run.",
    "Databricks Clusters API: apply_policy_default_values, autotermination_minutes",
    "https://docs.databricks.com/api/azure/workspace/clusters/create",
)
def _job_cluster_without_autotermination(env: Environment) -> Iterator[Violation]:
    for stack, address, job in env.resources("databricks_job"):
        for cluster in job.get("job_cluster", []):
            new = cluster.get("new_cluster") or {}
            policy = env.lookup(stack, str(new.get("policy_id", ""))) or {}
            definition = json.loads(policy.get("definition") or "{}")
            default = (definition.get("autotermination_minutes") or {}).get("defaultValue")
            if "autotermination_minutes" in new or (
                new.get("apply_policy_default_values") and default is not None
            ):
                yield Violation(
                    "job-cluster-without-autotermination",
                    stack,
                    f"{address} job_cluster {cluster.get('job_cluster_key')}",
                    "would run with autotermination_minutes (set, or the policy's default "
                    f"{default} applied): set apply_policy_default_values = false",
                )


# --- Workspace access -----------------------------------------------------------------------

# Workspace object type -> the databricks_permissions argument that names it.
_PERMISSION_TARGETS: dict[str, str] = {
    "databricks_cluster_policy": "cluster_policy_id",
    "databricks_cluster": "cluster_id",
    "databricks_sql_endpoint": "sql_endpoint_id",
    "databricks_job": "job_id",
}


def _permissions_on(env: Environment, stack: str, address: str) -> list[Json] | None:
    """The access control list of the databricks_permissions on a resource, or None."""
    resource_type, name = address.split(".", 1)
    argument = _PERMISSION_TARGETS[resource_type]
    for _, _, permissions in env.resources("databricks_permissions", env.kind(stack)):
        if permissions.get(argument) == f"${{{resource_type}.{name}.id}}":
            return list(permissions.get("access_control", []))
    return None


def _holds(acl: list[Json], principal: str, levels: tuple[str, ...]) -> bool:
    return any(
        principal
        in (entry.get("service_principal_name"), entry.get("group_name"), entry.get("user_name"))
        and entry.get("permission_level") in levels
        for entry in acl
    )


@rule(
    "workspace-objects-have-permissions",
    "Every cluster policy, cluster, SQL warehouse and job the platform creates has its "
    "permissions declared (without them only admins can use it), and the built-in Personal "
    "Compute policy is restricted.",
    "Azure Databricks: Access control lists",
    "https://learn.microsoft.com/azure/databricks/security/auth/access-control/",
)
def _workspace_objects_have_permissions(env: Environment) -> Iterator[Violation]:
    for resource_type in _PERMISSION_TARGETS:
        for stack, address, _ in env.resources(resource_type):
            if _permissions_on(env, stack, address) is None:
                yield Violation(
                    "workspace-objects-have-permissions",
                    stack,
                    address,
                    "no databricks_permissions: nobody but workspace admins can use it",
                )
    for stack, tf in env.stacks.items():
        if "databricks_job" not in tf.get("resource", {}):
            continue
        policies = tf.get("data", {}).get("databricks_cluster_policy", {})
        personal = [k for k, v in policies.items() if v.get("name") == "Personal Compute"]
        restricted = any(
            p.get("cluster_policy_id") == f"${{data.databricks_cluster_policy.{k}.id}}"
            for k in personal
            for p in tf.get("resource", {}).get("databricks_permissions", {}).values()
        )
        if not restricted:
            yield Violation(
                "workspace-objects-have-permissions",
                stack,
                "Personal Compute",
                "the built-in Personal Compute policy keeps its default (every user)",
            )


@rule(
    "job-run-as-can-use-compute",
    "A job's Run As principal has CAN_USE on the cluster policy of its job cluster and on the "
    "SQL warehouse its dbt task runs on.",
    "Databricks: dbt task for jobs (requirements of the Run As principal)",
    "https://learn.microsoft.com/azure/databricks/jobs/tasks/dbt",
)
def _job_run_as_can_use_compute(env: Environment) -> Iterator[Violation]:
    for stack, address, job in env.resources("databricks_job"):
        run_as = (job.get("run_as") or {}).get("service_principal_name") or (
            job.get("run_as") or {}
        ).get("user_name")
        if not run_as:
            continue  # the deployer runs it
        used: list[tuple[str, str]] = []
        for cluster in job.get("job_cluster", []):
            policy = (cluster.get("new_cluster") or {}).get("policy_id")
            if policy:
                used.append(("databricks_cluster_policy", str(policy)))
        for task in job.get("task", []):
            warehouse = (task.get("dbt_task") or {}).get("warehouse_id")
            if warehouse:
                used.append(("databricks_sql_endpoint", str(warehouse)))
        for resource_type, reference in used:
            match = _REFERENCE.fullmatch(reference)
            if not match or match["type"] != resource_type:
                continue
            target = f"{resource_type}.{match['name']}"
            acl = _permissions_on(env, stack, target) or []
            levels = ("CAN_USE", "CAN_MANAGE")
            if not _holds(acl, run_as, levels):
                yield Violation(
                    "job-run-as-can-use-compute",
                    stack,
                    address,
                    f"runs as {run_as}, which has no CAN_USE on {target}",
                )


# --- Unity Catalog storage ------------------------------------------------------------------


@rule(
    "layer-containers-hold-their-schemas",
    "Every lake container with a writable external location is the managed location of a "
    "schema (nothing is left unused), and every schema's managed location lies under one of "
    "the stack's external locations.",
    "Azure Databricks: Specify a managed storage location in Unity Catalog",
    "https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/managed-storage",
)
def _layer_containers_hold_their_schemas(env: Environment) -> Iterator[Violation]:
    name = "layer-containers-hold-their-schemas"
    for stack, tf in env.stacks.items():
        resources = tf.get("resource", {})
        locations = {
            address: str(body.get("url", "")).rstrip("/") + "/"
            for address, body in resources.get("databricks_external_location", {}).items()
        }
        roots = [
            str(body.get("storage_root"))
            for body in (
                *resources.get("databricks_catalog", {}).values(),
                *resources.get("databricks_schema", {}).values(),
            )
            if body.get("storage_root")
        ]
        for address, body in sorted(resources.get("databricks_schema", {}).items()):
            root = str(body.get("storage_root") or "")
            if root and not any(root.startswith(url) for url in locations.values()):
                yield Violation(
                    name,
                    stack,
                    f"databricks_schema.{address}",
                    f"managed location {root} is under no external location",
                )
        for address, url in sorted(locations.items()):
            body = resources["databricks_external_location"][address]
            if body.get("read_only"):
                continue  # landing: Data Factory writes it, external tables read it
            if not any(root.startswith(url) for root in roots):
                yield Violation(
                    name,
                    stack,
                    f"databricks_external_location.{address}",
                    f"{url} holds no catalog's or schema's managed tables: unused",
                )


_ISOLATED = {
    "databricks_catalog": ("ISOLATED", "catalog"),
    "databricks_external_location": ("ISOLATION_MODE_ISOLATED", "external_location"),
    "databricks_storage_credential": ("ISOLATION_MODE_ISOLATED", "storage_credential"),
}


@rule(
    "unity-catalog-securables-bound",
    "Every catalog, external location and storage credential an environment creates is "
    "isolated and bound read-write to its own workspace, so another environment's workspace "
    "on the same metastore cannot use it (read-only bindings are an explicit opt-in).",
    "Azure Databricks: Limit catalog access to specific workspaces",
    "https://learn.microsoft.com/azure/databricks/catalogs/binding",
)
def _unity_catalog_securables_bound(env: Environment) -> Iterator[Violation]:
    for resource_type, (isolated, securable_type) in _ISOLATED.items():
        for stack, address, body in env.resources(resource_type):
            bindings = [
                b
                for _, _, b in env.resources("databricks_workspace_binding", env.kind(stack))
                if b.get("securable_type") == securable_type
                and b.get("securable_name") == f"${{{address}.name}}"
            ]
            own = [
                b
                for b in bindings
                if b.get("binding_type") == "BINDING_TYPE_READ_WRITE"
                and "workspace_id" in str(b.get("workspace_id"))
            ]
            if body.get("isolation_mode") != isolated or not own:
                yield Violation(
                    "unity-catalog-securables-bound",
                    stack,
                    address,
                    "open to every workspace on the metastore: isolate it and bind it to the "
                    "environment's workspace",
                )
            for extra in bindings:
                if extra not in own and extra.get("binding_type") != "BINDING_TYPE_READ_ONLY":
                    yield Violation(
                        "unity-catalog-securables-bound",
                        stack,
                        address,
                        f"another workspace ({extra.get('workspace_id')}) may write it",
                    )


# --- Data Factory -> Databricks -------------------------------------------------------------


def _web_activities(activities: list[Json]) -> Iterator[Json]:
    """Every Web activity, nested ones (ForEach, If, Until, Switch) included."""
    for activity in activities:
        if activity.get("type") == "WebActivity":
            yield activity
        properties = activity.get("typeProperties") or {}
        for key in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"):
            yield from _web_activities(properties.get(key) or [])
        for case in properties.get("cases") or []:
            yield from _web_activities(case.get("activities") or [])


def _pipelines(env: Environment) -> Iterator[tuple[str, str, Json, list[Json]]]:
    for stack, address, pipeline in env.resources("azurerm_data_factory_pipeline"):
        activities = json.loads(pipeline.get("activities_json") or "[]")
        yield stack, address, pipeline, list(_web_activities(activities))


@rule(
    "pipeline-web-calls-in-managed-network",
    "Every Web activity of a factory's pipelines runs on an integration runtime in the factory's "
    "managed virtual network (connectVia): the default Azure IR has no line of sight to private "
    "endpoints.",
    "Web activity in Azure Data Factory (connectVia; private URLs need an IR that reaches them)",
    "https://learn.microsoft.com/azure/data-factory/control-flow-web-activity",
)
def _pipeline_web_calls_in_managed_network(env: Environment) -> Iterator[Violation]:
    for stack, address, _, web in _pipelines(env):
        runtimes = {
            body.get("name")
            for _, _, body in env.resources(
                "azurerm_data_factory_integration_runtime_azure", env.kind(stack)
            )
            if body.get("virtual_network_enabled")
        }
        for activity in web:
            via = ((activity.get("typeProperties") or {}).get("connectVia") or {}).get(
                "referenceName"
            )
            if via not in runtimes:
                yield Violation(
                    "pipeline-web-calls-in-managed-network",
                    stack,
                    f"{address} activity {activity.get('name')!r}",
                    f"runs on {via or 'the default Azure IR'}, not an integration runtime in the "
                    "managed virtual network",
                )


@rule(
    "pipeline-starts-job-with-least-privilege",
    "A pipeline that calls the Databricks workspace reaches it through a managed private "
    "endpoint (databricks_ui_api), authenticates with a user-assigned identity credential, "
    "and that identity holds CAN_MANAGE_RUN on the job it starts; the factory has no Azure "
    "role on the workspace (Contributor would make it a workspace admin).",
    "Azure Databricks: Authenticate with Azure managed identities",
    "https://learn.microsoft.com/azure/databricks/dev-tools/auth/azure-mi",
)
def _pipeline_starts_job_with_least_privilege(env: Environment) -> Iterator[Violation]:
    name = "pipeline-starts-job-with-least-privilege"
    workspaces = {a for _, a, _ in env.resources("azurerm_databricks_workspace")}
    for stack, address, pipeline, web in _pipelines(env):
        parameters = pipeline.get("parameters") or {}
        job_ref = next(
            (
                str(v)
                for v in parameters.values()
                if (_REFERENCE.fullmatch(env.origin(stack, str(v))[1]) or {"type": ""})["type"]
                == "databricks_job"
            ),
            None,
        )
        if job_ref is None or not web:
            continue
        job_stack, job_expression = env.origin(stack, job_ref)
        job_address = ".".join(job_expression.strip("${}").split(".")[:2])
        endpoints = [
            body
            for _, _, body in env.resources(
                "azurerm_data_factory_managed_private_endpoint", env.kind(stack)
            )
            if body.get("subresource_name") == "databricks_ui_api"
        ]
        if not any(
            ".".join(
                env.origin(stack, str(e.get("target_resource_id")))[1].strip("${}").split(".")[:2]
            )
            in workspaces
            for e in endpoints
        ):
            yield Violation(
                name,
                stack,
                address,
                "no managed private endpoint (databricks_ui_api) to the workspace it calls",
            )
        for _, role_address, role in env.resources("azurerm_role_assignment", env.kind(stack)):
            scope = ".".join(
                env.origin(stack, str(role.get("scope")))[1].strip("${}").split(".")[:2]
            )
            if scope in workspaces:
                yield Violation(
                    name,
                    stack,
                    role_address,
                    f"gives the factory {role.get('role_definition_name')} on the workspace",
                )
        credentials = {
            body.get("name"): env.origin(stack, str(body.get("identity_id")))
            for _, _, body in env.resources(
                "azurerm_data_factory_credential_user_managed_identity", env.kind(stack)
            )
        }
        acl = _permissions_on(env, job_stack, job_address) or []
        for activity in web:
            auth = (activity.get("typeProperties") or {}).get("authentication") or {}
            credential = (auth.get("credential") or {}).get("referenceName")
            where = f"{address} activity {activity.get('name')!r}"
            if auth.get("type") != "UserAssignedManagedIdentity" or credential not in credentials:
                yield Violation(
                    name,
                    stack,
                    where,
                    f"authenticates with {auth.get('type')!r}, "
                    "not a user-assigned identity credential the stack declares",
                )
                continue
            identity_stack, identity = credentials[credential]
            client_id = identity.replace(".id}", ".client_id}")
            holders = [
                entry
                for entry in acl
                if env.origin(job_stack, str(entry.get("service_principal_name")))
                == (identity_stack, client_id)
                and entry.get("permission_level") in ("CAN_MANAGE_RUN", "CAN_MANAGE")
            ]
            if not holders:
                yield Violation(
                    name,
                    job_stack,
                    job_address,
                    f"the identity of credential "
                    f"{credential!r} holds no CAN_MANAGE_RUN on the job {where} starts",
                )


# --- Across environments ---------------------------------------------------------------------

ACCOUNT_RULES: list[Rule] = []
"""Rules over every environment of a synthesis at once (their check takes an Environment whose
stacks are all of them): what several environments share must have one owner."""

_ACCOUNT_OBJECTS = ("databricks_group", "databricks_service_principal")


def _account_objects(tf: Json) -> Iterator[tuple[str, str]]:
    """(address, name) of each account-level group or service principal a stack creates."""
    for resource_type in _ACCOUNT_OBJECTS:
        for key, body in sorted(tf.get("resource", {}).get(resource_type, {}).items()):
            names = body.get("for_each") or {body.get("display_name"): None}
            for name in names:
                yield f"{resource_type}.{key}", str(name)


def _one_owner_per_account_object(everything: Environment) -> Iterator[Violation]:
    owners: dict[str, list[tuple[str, str]]] = {}
    for stack, tf in everything.stacks.items():
        for address, name in _account_objects(tf):
            owners.setdefault(name, []).append((stack, address))
    for name, found in sorted(owners.items()):
        if len({stack for stack, _ in found}) > 1:
            for stack, address in found:
                yield Violation(
                    "account-object-has-one-owner",
                    stack,
                    address,
                    f"{name!r} is also created by "
                    f"{', '.join(s for s, _ in found if s != stack)}: destroying one state would "
                    "delete it under the others; move it to config/accounts/",
                )


ACCOUNT_RULES.append(
    Rule(
        "account-object-has-one-owner",
        "Every account-level group and service principal is created by exactly one stack of the "
        "synthesis (the account scope's, or one environment's); other environments refer to it "
        "by name.",
        "Terraform: State (each remote object is bound to exactly one resource instance)",
        "https://developer.hashicorp.com/terraform/language/state",
        _one_owner_per_account_object,
    )
)


def check_across(environments: Iterable[Environment]) -> list[Violation]:
    """Every violation of the ACCOUNT_RULES over all environments together."""
    everything = Environment(
        name="*", stacks={s: tf for e in environments for s, tf in e.stacks.items()}
    )
    return sorted(v for r in ACCOUNT_RULES for v in r.check(everything))


# --- Rules kept in their own modules (they register through @rule on import) ---------------

from policy import encryption_rules  # noqa: E402, F401

# --- Running the rules ----------------------------------------------------------------------


def check(env: Environment, rules: Iterable[Rule] = ()) -> list[Violation]:
    """Every violation of the rules (default: all) in one environment, sorted."""
    return sorted(v for r in (rules or RULES) for v in r.check(env))


def environments(outdir: Path) -> list[Environment]:
    """Every environment of a synth output folder (cdktf.out), its stacks in dependency order."""
    from tooling.stack_order import stack_order

    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    names = sorted({name.split("-", 1)[0] for name in manifest["stacks"]})
    found = []
    for name in names:
        order = stack_order(outdir, name)
        found.append(
            Environment(
                name=name,
                stacks={
                    s: json.loads((outdir / "stacks" / s / "cdk.tf.json").read_text("utf-8"))
                    for s in order
                },
                manifest_dependencies={
                    s: tuple(manifest["stacks"][s].get("dependencies", [])) for s in order
                },
            )
        )
    return found


def main(outdir: Path) -> int:
    found = environments(outdir)
    violations = [v for env in found for v in check(env)] + check_across(found)
    for violation in violations:
        print(violation)
    print(
        f"deployment rules: {len(RULES) + len(ACCOUNT_RULES)} rules, {len(violations)} violations"
    )
    return 1 if violations else 0


TABLE_START, TABLE_END = "<!-- deployment-rules:start -->", "<!-- deployment-rules:end -->"


def markdown_table() -> str:
    """The rules as docs/deployment.md lists them (between TABLE_START and TABLE_END)."""
    rows = ["| rule | what must hold | source |", "|---|---|---|"]
    rows += [
        f"| `{r.id}` | {r.requirement} | [{r.source}]({r.url}) |" for r in (*RULES, *ACCOUNT_RULES)
    ]
    return "\n".join([TABLE_START, *rows, TABLE_END])


def write_table(doc: Path) -> bool:
    """Rewrites the table in doc; True when it changed."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    new = text[:start] + markdown_table() + text[end:]
    doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    # Run as a script this file is `__main__`, a second copy of the module: the rule modules
    # register with `policy.deployment_rules`, so use that one.
    import importlib
    import sys

    deployment_rules = importlib.import_module("policy.deployment_rules")

    if sys.argv[1:2] == ["--write-docs"] and len(sys.argv) == 3:
        changed = deployment_rules.write_table(Path(sys.argv[2]))
        print("updated" if changed else "up to date", sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 2:
        sys.exit(deployment_rules.main(Path(sys.argv[1])))
    print("usage: python -m policy.deployment_rules <cdktf.out> | --write-docs <file.md>")
    sys.exit(2)
