"""tooling/plan_overlay.py, the first step of chained plans (issue 34): a consumer planned
against its producer's planned outputs, covered on the bugs it guards: a renamed output, a
changed value, a value known only after apply. The override is proven by Terraform itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tooling.plan_overlay import (
    OVERRIDE_FILE,
    cty_type,
    inputs,
    planned_outputs,
    state_of,
    working_copy,
)

SUBNET = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pep"
)


def _plan(known: dict, unknown: tuple[str, ...] = (), deleted: tuple[str, ...] = ()) -> dict:
    """The outputs part of `terraform show -json` for a producer's plan."""
    changes = {
        n: {"actions": ["update"], "after": v, "after_unknown": False} for n, v in known.items()
    }
    changes |= {n: {"actions": ["create"], "after_unknown": True} for n in unknown}
    changes |= {n: {"actions": ["delete"], "before": "x", "after_unknown": False} for n in deleted}
    return {
        "planned_values": {
            "outputs": {n: {"sensitive": False, "value": v} for n, v in known.items()}
        },
        "output_changes": changes,
    }


def test_planned_outputs_are_known_unknown_or_gone():
    plan = _plan(
        {"pe_subnet_id": SUBNET, "zones": {"dfs": "z1"}},
        unknown=("egress_public_ip",),
        deleted=("private_endpoint_subnet_id",),
    )
    plan["output_changes"]["zones"]["after_unknown"] = {"dfs": False}
    plan["output_changes"]["ids"] = {"actions": ["create"], "after_unknown": {"a": True}}
    found = planned_outputs("dev-network", plan)
    assert dict(found.known) == {"pe_subnet_id": SUBNET, "zones": {"dfs": "z1"}}
    assert found.unknown == {"egress_public_ip", "ids"}  # a partly unknown object counts whole
    assert "private_endpoint_subnet_id" not in found


def test_a_renamed_output_is_read_under_its_new_name_from_the_plan():
    """The deployed state still has the old name; the planned producer has the new one, which
    the consumer reads: it is planned, not waiting."""
    planned = {"dev-network": planned_outputs("dev-network", _plan({"pe_subnet_id": SUBNET}))}
    found = inputs({"dev-network": {"pe_subnet_id"}, "dev-platform": {"lake_id"}}, planned)
    assert found.plannable and dict(found.planned_from) == {"dev-network": ("pe_subnet_id",)}
    # A consumer still reading the old name would fail at apply: reported, not planned.
    stale = inputs({"dev-network": {"private_endpoint_subnet_id"}}, planned)
    assert not stale.plannable
    assert stale.describe("dev-platform") == (
        "dev-platform waits: dev-network no longer has private_endpoint_subnet_id"
    )


def test_a_value_known_only_after_apply_is_waited_on_by_name():
    plan = planned_outputs("dev-network", _plan({"pe_subnet_id": SUBNET}, ("egress_public_ip",)))
    found = inputs({"dev-network": {"egress_public_ip", "pe_subnet_id"}}, {"dev-network": plan})
    assert dict(found.known_after_apply) == {"dev-network": ("egress_public_ip",)}
    assert found.describe("dev-databricks") == (
        "dev-databricks waits: egress_public_ip known after dev-network applies"
    )


def test_state_outputs_carry_their_terraform_types():
    assert cty_type({"a": [1, "x"], "b": True}) == [
        "object",
        {"a": ["tuple", ["number", "string"]], "b": "bool"},
    ]
    state = state_of({"n": 1})
    assert state["outputs"] == {"n": {"value": 1, "type": "number"}} and state["version"] == 4


def _consumer(folder: Path) -> Path:
    """A consumer as cdktf synthesizes one: it reads the network stack's state in Azure
    Storage (never reachable here) and passes the subnet on."""
    folder.mkdir(parents=True)
    body = {
        "data": {
            "terraform_remote_state": {
                "dev-network": {
                    "backend": "azurerm",
                    "config": {
                        "resource_group_name": "rg-tfstate",
                        "storage_account_name": "stunreachable",
                        "container_name": "tfstate",
                        "key": "dev/dev-network.tfstate",
                    },
                }
            }
        },
        "output": {
            "subnet": {"value": "${data.terraform_remote_state.dev-network.outputs.pe_subnet_id}"}
        },
    }
    (folder / "cdk.tf.json").write_text(json.dumps(body))
    return folder


@pytest.mark.skipif(shutil.which("terraform") is None, reason="Terraform is not on PATH")
def test_terraform_plans_the_working_copy_with_the_planned_value(tmp_path):
    """A changed value (a new subnet): the consumer's plan shows the planned one, read through
    the override; the synthesized folder is left as it was."""
    stack = _consumer(tmp_path / "cdktf.out" / "stacks" / "dev-platform")
    before = (stack / "cdk.tf.json").read_text()
    planned = {"dev-network": planned_outputs("dev-network", _plan({"pe_subnet_id": SUBNET}))}
    work = working_copy(stack, tmp_path / "work" / "dev-platform", planned)
    assert (work / OVERRIDE_FILE).is_file() and not (stack / OVERRIDE_FILE).exists()
    assert sorted(p.name for p in stack.iterdir()) == ["cdk.tf.json"]
    assert (stack / "cdk.tf.json").read_text() == before

    def terraform(*args: str) -> str:
        done = subprocess.run(
            ["terraform", f"-chdir={work}", *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    terraform("init", "-input=false", "-no-color", "-backend=false")
    terraform("plan", "-input=false", "-no-color", "-out=tfplan")
    shown = json.loads(terraform("show", "-json", "tfplan"))
    assert shown["planned_values"]["outputs"]["subnet"]["value"] == SUBNET
