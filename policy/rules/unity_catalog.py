"""Unity Catalog storage: each layer's schemas live in its container, and securables are bound
to the workspaces that may use them."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary.databricks import (
    BINDING_READ_ONLY,
    BINDING_READ_WRITE,
    CATALOG_ISOLATED,
    ISOLATED,
)


@rule(
    "layer-containers-hold-their-schemas",
    "Every lake container with a writable external location is the managed location of a "
    "schema (nothing is left unused), and every schema's managed location lies under one of "
    "the stack's external locations.",
    "Azure Databricks: Specify a managed storage location in Unity Catalog",
    "https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/managed-storage",
)
def _layer_containers_hold_their_schemas(env: SynthesizedEnvironment) -> Iterator[Finding]:
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
                yield Finding(
                    stack,
                    f"databricks_schema.{address}",
                    f"managed location {root} is under no external location",
                )
        for address, url in sorted(locations.items()):
            body = resources["databricks_external_location"][address]
            if body.get("read_only"):
                continue  # landing: Data Factory writes it, external tables read it
            if not any(root.startswith(url) for root in roots):
                yield Finding(
                    stack,
                    f"databricks_external_location.{address}",
                    f"{url} holds no catalog's or schema's managed tables: unused",
                )


_ISOLATED = {
    "databricks_catalog": (CATALOG_ISOLATED, "catalog"),
    "databricks_external_location": (ISOLATED, "external_location"),
    "databricks_storage_credential": (ISOLATED, "storage_credential"),
}


@rule(
    "unity-catalog-securables-bound",
    "Every catalog, external location and storage credential an environment creates is "
    "isolated and bound read-write to its own workspace, so another environment's workspace "
    "on the same metastore cannot use it (read-only bindings are an explicit opt-in).",
    "Azure Databricks: Limit catalog access to specific workspaces",
    "https://learn.microsoft.com/azure/databricks/catalogs/binding",
)
def _unity_catalog_securables_bound(env: SynthesizedEnvironment) -> Iterator[Finding]:
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
                if b.get("binding_type") == BINDING_READ_WRITE
                and "workspace_id" in str(b.get("workspace_id"))
            ]
            if body.get("isolation_mode") != isolated or not own:
                yield Finding(
                    stack,
                    address,
                    "open to every workspace on the metastore: isolate it and bind it to the "
                    "environment's workspace",
                )
            for extra in bindings:
                if extra not in own and extra.get("binding_type") != BINDING_READ_ONLY:
                    yield Finding(
                        stack,
                        address,
                        f"another workspace ({extra.get('workspace_id')}) may write it",
                    )
