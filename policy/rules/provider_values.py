"""Deployment rules on the values the stacks send: what the pinned providers refuse at plan.

The providers check many arguments before they call Azure or Databricks (an enum, a range, a
duration, a name's pattern). Those checks run only where the real providers run (ci.yml's
registry rehearsal and `make validate`); here the same checks, read from the providers' source at
the pinned tags (vocabulary/providers.py), run on every literal value the synthesized stacks set,
and the rehearsal provider runs them on the planned values too (a value read from another stack's
state included). Registered with the other deployment rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from policy.rules.registry import Finding, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary import providers
from vocabulary.value_checks import check_values


def _literal(value: Any) -> Any:
    """The value with every Terraform expression ("${...}") left out: only what synthesis
    wrote itself is checked here (the rehearsal checks the rest)."""
    if isinstance(value, str):
        return None if "${" in value else value
    if isinstance(value, list):
        return [item for item in (_literal(v) for v in value) if item is not None]
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items() if k != "//"}
    return value


@rule(
    "provider-accepts-values",
    "Every literal value a stack sets passes the plan-time checks its provider makes on that "
    "argument (enums, ranges, ISO 8601 durations, name patterns; each check cites its line in "
    "the provider's source): a value the provider refuses stops the deploy at plan, after the "
    "stacks before it have applied.",
    "hashicorp/terraform-provider-azurerm v4.55.0 and databricks/terraform-provider-databricks "
    "v1.99.0: each resource's ValidateFunc (vocabulary/providers.py cites each line)",
    "https://github.com/hashicorp/terraform-provider-azurerm/tree/v4.55.0/internal/services",
)
def _provider_accepts_values(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for type_name, checks in sorted(providers.VALUE_CHECKS.items()):
        static = [c.as_rule() for c in checks if c.kind != "file_exists"]
        for stack, address, body in env.resources(type_name):
            for attribute, said in check_values(static, _literal(json.loads(json.dumps(body)))):
                yield Finding(stack, address, f"{attribute}: {said}")
