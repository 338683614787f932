"""What the providers do at create time and what forces a replacement: nothing waits for a
private data plane, and nothing stateful is replaced by a value known only at apply."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from policy.rules.registry import Finding, Json, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary import providers


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
def _storage_data_plane_not_awaited(env: SynthesizedEnvironment) -> Iterator[Finding]:
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
                    yield Finding(
                        stack,
                        f"provider.azurerm[{index}] ({name})",
                        "features.storage.data_plane_available is not false: creating the "
                        "private storage account would wait for a data plane nothing can reach",
                    )
        for _, address, container in env.resources("azurerm_storage_container", env.kind(stack)):
            if "storage_account_id" not in container:
                yield Finding(
                    stack,
                    address,
                    "created by storage_account_name, through the data plane: use "
                    "storage_account_id (Resource Manager)",
                )


STATEFUL_OR_NETWORKED: tuple[str, ...] = (
    "azurerm_private_endpoint",
    "azurerm_storage_account",
    "azurerm_storage_container",
    "azurerm_key_vault",
    "azurerm_databricks_workspace",
    "azurerm_databricks_access_connector",
    "azurerm_subnet",
    "azurerm_data_factory",
    "azurerm_data_factory_managed_private_endpoint",
    "azurerm_purview_account",
    "azurerm_role_assignment",
    "databricks_catalog",
    "databricks_schema",
    "databricks_storage_credential",
)
"""Resources that hold data or carry traffic: a replacement loses data or cuts a path."""


def forces_replacement(type_name: str) -> tuple[str, ...]:
    """The arguments whose change replaces a resource of the type: its provider's ForceNew
    paths (rehearsal/schemas/*.replacement.json.gz, read from the provider's schema objects)
    and the ones its CustomizeDiff forces new on some changes (vocabulary.providers)."""
    conditional = [r.path for r in providers.CONDITIONAL_REPLACEMENTS.get(type_name, ())]
    return tuple(dict.fromkeys([*providers.force_new(type_name), *conditional]))


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
    "Terraform: Data sources, 'Data resource dependencies'; the arguments: the providers' ForceNew "
    "and CustomizeDiff at v4.55.0 / v1.99.0 (rehearsal/schemas/README.md)",
    "https://developer.hashicorp.com/terraform/language/data-sources#data-resource-dependencies",
)
def _no_replacement_fed_at_apply(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, tf in env.stacks.items():
        deferred = _deferred_reads(tf)
        for type_name in STATEFUL_OR_NETWORKED:
            paths = forces_replacement(type_name)
            for _, address, body in env.resources(type_name, env.kind(stack)):
                for path in paths:
                    for value in _values_at(body, path):
                        late = sorted(d for d in deferred if f"${{{d}." in value)
                        if late or _UNKNOWN_AT_PLAN.search(value):
                            yield Finding(
                                stack,
                                address,
                                f"{path} is read at apply ({', '.join(late) or value}): any "
                                "change it depends on replaces this resource; compute it from "
                                "values known at plan",
                            )
