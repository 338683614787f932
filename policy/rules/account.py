"""Across the scopes of a synthesis: what several scopes share has one owner."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, Json, rule
from tooling.synthesized import SynthesizedEnvironment

_ACCOUNT_OBJECTS = ("databricks_group", "databricks_service_principal")


def _account_objects(tf: Json) -> Iterator[tuple[str, str]]:
    """(address, name) of each account-level group or service principal a stack creates."""
    for resource_type in _ACCOUNT_OBJECTS:
        for key, body in sorted(tf.get("resource", {}).get(resource_type, {}).items()):
            names = body.get("for_each") or {body.get("display_name"): None}
            for name in names:
                yield f"{resource_type}.{key}", str(name)


def _advice(address: str) -> str:
    if "admin-group" in address:
        # Each environment's own: a copied file kept another's (unity_catalog.admin_group).
        return "rename unity_catalog.admin_group in one environment's file"
    return "declare it once, in config/accounts/, and refer to it by name"


@rule(
    "account-object-has-one-owner",
    "Every account-level group and service principal is created by exactly one stack of the "
    "synthesis (the account scope's, or one environment's); other environments refer to it "
    "by name.",
    "Terraform: State (each remote object is bound to exactly one resource instance)",
    "https://developer.hashicorp.com/terraform/language/state",
    across=True,
)
def _one_owner_per_account_object(everything: SynthesizedEnvironment) -> Iterator[Finding]:
    owners: dict[str, list[tuple[str, str]]] = {}
    for stack, tf in everything.stacks.items():
        for address, name in _account_objects(tf):
            owners.setdefault(name, []).append((stack, address))
    for name, found in sorted(owners.items()):
        if len({stack for stack, _ in found}) > 1:
            for stack, address in found:
                yield Finding(
                    stack,
                    address,
                    f"{name!r} is also created by "
                    f"{', '.join(s for s, _ in found if s != stack)}: destroying one state would "
                    f"delete it under the others; {_advice(address)}",
                )
