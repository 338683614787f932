"""Resource providers: each namespace a stack's resources need is registered."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary.azure import resource_providers


@rule(
    "resource-providers-registered",
    "When the environment registers resource providers, each azurerm stack's provider registers "
    "the namespace of every resource type it deploys and what those services create on their "
    "own (Microsoft.Compute for Databricks clusters).",
    "Azure resource providers and types",
    "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types",
)
def _resource_providers_registered(env: SynthesizedEnvironment) -> Iterator[Finding]:
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
            yield Finding(stack, "provider.azurerm", str(err))
            continue
        missing = sorted(needed - registering.get(stack, set()))
        if missing:
            yield Finding(
                stack,
                "provider.azurerm",
                f"does not register {', '.join(missing)}, which its resources need",
            )
