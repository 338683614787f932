"""Small helpers shared by the tests: synthesize one construct, find resources in stack JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cdktf import Testing, TerraformStack
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from constructs import Construct

TAGS = {"environment": "test"}
RG = "rg-test"
LOCATION = "westeurope"


def synth_construct(build: Callable[[Construct], Any]) -> dict[str, Any]:
    """Build one construct in an empty azurerm stack and return the stack's Terraform JSON."""
    app = Testing.app()
    stack = TerraformStack(app, "test")
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()])
    build(stack)
    return json.loads(Testing.synth(stack))


def resources(tf: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Every resource of one type in a synthesized stack, in logical-id order."""
    found = tf.get("resource", {}).get(resource_type, {})
    return [found[key] for key in sorted(found)]


def only(tf: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The single resource of a type; fails if there are none or several."""
    found = resources(tf, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def data_sources(tf: dict[str, Any], data_type: str) -> list[dict[str, Any]]:
    found = tf.get("data", {}).get(data_type, {})
    return [found[key] for key in sorted(found)]


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}
