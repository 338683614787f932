"""Small helpers shared by the tests: synthesize one construct or one stack, read stack JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cdktf import App, TerraformStack, Testing
from constructs import Construct

from components.placement import Placement
from tooling.synthesized import resolve

__all__ = ["resolve"]  # the tests' resolver is the one reader's (tooling/synthesized.py)

TAGS = {"environment": "test"}
RG = "rg-test"
LOCATION = "westeurope"
PLACEMENT = Placement(resource_group_name=RG, location=LOCATION, tags=TAGS)


def synth_construct(build: Callable[[Construct], Any]) -> dict[str, Any]:
    """Build one construct in an empty azurerm stack and return the stack's Terraform JSON."""
    from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures

    app = Testing.app()
    stack = TerraformStack(app, "test")
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()])
    build(stack)
    return json.loads(Testing.synth(stack))


def synth_stack(build: Callable[[App], TerraformStack]) -> dict[str, Any]:
    """Build one stack (an option test needs one, not a whole environment); its Terraform JSON."""
    app = Testing.app()
    return json.loads(Testing.synth(build(app)))


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


def addresses(tf: dict[str, Any]) -> set[str]:
    """Terraform addresses (<type>.<logical id>) of every resource in a stack."""
    return {f"{t}.{name}" for t, items in tf.get("resource", {}).items() for name in items}


def edit_json(path: Path, change: Callable[[Any], None]) -> Path:
    """Rewrites a JSON file after change(body) edits it in place; returns the path."""
    body = json.loads(path.read_text())
    change(body)
    path.write_text(json.dumps(body, indent=1))
    return path
