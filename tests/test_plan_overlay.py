"""Chained plans (issue 34, tooling/plan_overlay.py and `run_stacks plan`): a consumer planned
against its producer's planned outputs, covered on the bugs it guards: a renamed output, a
changed value, a value known only after apply, a provider (count) that needs one, and a producer
whose plan fails. The chain is proven by Terraform itself, on stacks of its built-in provider
(terraform_data, terraform_remote_state), which need no download."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tooling.plan_overlay import (
    INPUTS_KEY,
    OVERRIDE_FILE,
    UNKNOWN,
    cty_type,
    inputs,
    needed_at_plan,
    not_planned,
    planned_outputs,
    state_of,
    with_unknown_reads,
    working_copy,
)
from tooling.plan_summary import read_plan

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
    plan["output_changes"]["ids"] = {
        "actions": ["create"],
        "after": {"b": "known ${x}"},
        "after_unknown": {"a": True},
    }
    plan["planned_values"]["outputs"]["zones"]["type"] = ["map", "string"]
    plan["planned_values"]["outputs"]["nothing"] = {"sensitive": False, "value": None}
    found = planned_outputs("dev-network", plan)
    assert dict(found.known) == {"pe_subnet_id": SUBNET, "zones": {"dfs": "z1"}}
    assert found.types == {"zones": ["map", "string"]}  # the plan's type, not a guess
    assert found.unknown == {"egress_public_ip", "ids"}
    # A partly unknown object keeps its known parts (escaped): reading one plans it known.
    assert found.local_value("ids") == {"a": "${jsondecode(timestamp())}", "b": "known $${x}"}
    assert found.local_value("egress_public_ip") == "${jsondecode(timestamp())}"
    # A list or set with an unknown element is unknown whole (written out it would be a
    # tuple, whose length Terraform would take as known); object keys are escaped too.
    plan["output_changes"]["hosts"] = {
        "actions": ["create"],
        "after": ["a", None],
        "after_unknown": [False, True],
    }
    plan["output_changes"]["tags"] = {
        "actions": ["create"],
        "after": {"${k}": ["x"]},
        "after_unknown": {"${k}": [False], "new": True},
    }
    found = planned_outputs("dev-network", plan)
    assert found.local_value("hosts") == "${jsondecode(timestamp())}"
    assert found.local_value("tags") == {"$${k}": ["x"], "new": "${jsondecode(timestamp())}"}
    assert "private_endpoint_subnet_id" not in found
    # Terraform keeps no null root output in state: a reader of it would fail at apply.
    assert "nothing" not in found


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
        "dev-platform cannot be planned: it reads private_endpoint_subnet_id, which "
        "dev-network will not have (renamed, removed or null)"
    )


def test_a_value_known_only_after_apply_is_waited_on_by_name():
    plan = planned_outputs("dev-network", _plan({"pe_subnet_id": SUBNET}, ("egress_public_ip",)))
    found = inputs({"dev-network": {"egress_public_ip", "pe_subnet_id"}}, {"dev-network": plan})
    assert dict(found.known_after_apply) == {"dev-network": ("egress_public_ip",)}
    assert found.plannable  # planned with the value unknown
    assert found.describe("dev-databricks") == (
        "dev-databricks planned against the planned outputs of dev-network "
        "(egress_public_ip known after dev-network applies)"
    )
    # Needed by a provider configuration (or count, for_each): the stack waits on exactly it.
    waits = inputs(
        {"dev-network": {"egress_public_ip", "pe_subnet_id"}},
        {"dev-network": plan},
        at_plan={("dev-network", "egress_public_ip")},
    )
    assert not waits.plannable and not waits.broken
    assert dict(waits.needed_at_plan) == {"dev-network": ("egress_public_ip",)}
    assert "waits: its provider configuration, count or for_each needs egress_public_ip" in (
        waits.describe("dev-databricks")
    )


def test_a_producer_not_planned_leaves_every_output_unknown_and_a_failed_one_blocks():
    waiting = not_planned("dev-databricks", {"workspace_url": {}, "workspace_id": {}})
    found = inputs({"dev-databricks": {"workspace_url"}}, {"dev-databricks": waiting})
    assert found.plannable and dict(found.planned_from) == {}  # none of it is a plan's value
    assert dict(found.known_after_apply) == {"dev-databricks": ("workspace_url",)}
    blocked = inputs({"dev-databricks": {"workspace_url"}}, {}, failed=["dev-databricks"])
    assert blocked.broken and blocked.failed == ("dev-databricks",)
    assert blocked.describe("dev-workloads") == (
        "dev-workloads not planned: it reads dev-databricks, which could not be planned"
    )


def test_only_provider_count_and_for_each_keys_are_needed_at_plan():
    """A for_each map written out (cdktf writes the pipeline identity's principal so) keeps its
    keys known: an unknown value in it plans."""
    read = "${data.terraform_remote_state.dev-databricks.outputs.%s}"
    body = {
        "provider": {"databricks": [{"host": read % "workspace_url"}]},
        "resource": {
            "terraform_data": {
                "a": {"count": f"${{length({(read % 'ids')[2:-1]})}}", "input": read % "x"},
                "b": {"input": read % "y"},
                "c": {"for_each": {"pipeline": read % "client_id"}},
                "d": {"for_each": f"${{toset({(read % 'names')[2:-1]})}}"},
            }
        },
    }
    assert needed_at_plan(body) == {
        ("dev-databricks", "workspace_url"),
        ("dev-databricks", "ids"),
        ("dev-databricks", "names"),
    }
    # Through a local and a data source the provider reads: needed too.
    indirect = {
        "locals": {"n": f"${{length({(read % 'hosts')[2:-1]})}}", "other": read % "x"},
        "data": {
            "azurerm_databricks_workspace": {"w": {"name": read % "workspace_name"}},
        },
        "provider": {
            "databricks": [{"host": "${data.azurerm_databricks_workspace.w.workspace_url}"}]
        },
        "resource": {"terraform_data": {"a": {"count": "${local.n}"}}},
    }
    assert needed_at_plan(indirect) == {
        ("dev-databricks", "hosts"),
        ("dev-databricks", "workspace_name"),
    }


def test_unknown_reads_are_rewritten_wherever_they_are():
    """Preconditions included: Terraform refuses them in an override file."""
    read = "data.terraform_remote_state.dev-databricks.outputs.pipeline_identity_client_id"
    other = "data.terraform_remote_state.dev-databricks.outputs.workspace_url"
    body = {
        "resource": {
            "azurerm_role_assignment": {
                "pipeline": {
                    "principal_id": "${" + read + "}",
                    "description": "${" + other + "}",
                    "lifecycle": {
                        "precondition": [{"condition": "${" + read + ' != ""}'}],
                    },
                }
            }
        },
        "locals": {"who": "app-${" + read + "}"},
    }
    unknown = {("dev-databricks", "pipeline_identity_client_id"): "${" + UNKNOWN + "}"}
    rewritten = with_unknown_reads(body, unknown)
    local = "local.known_after_apply__dev-databricks__pipeline_identity_client_id"
    role = rewritten["resource"]["azurerm_role_assignment"]["pipeline"]
    assert role["principal_id"] == "${" + local + "}"
    assert role["description"] == "${" + other + "}"  # known: read from the planned state
    assert role["lifecycle"]["precondition"][0]["condition"] == "${" + local + ' != ""}'
    assert rewritten["locals"] == {
        "who": "app-${" + local + "}",
        local.removeprefix("local."): "${" + UNKNOWN + "}",
    }
    assert with_unknown_reads(body, {}) is body


def test_state_outputs_carry_their_terraform_types_and_sensitivity():
    assert cty_type({"a": [1, "x"], "b": True}) == [
        "object",
        {"a": ["tuple", ["number", "string"]], "b": "bool"},
    ]
    state = state_of({"n": 1, "key": "k"}, sensitive={"key"})
    assert state["outputs"] == {
        "n": {"value": 1, "type": "number"},
        "key": {"value": "k", "type": "string", "sensitive": True},
    }
    assert state["version"] == 4
    plan = _plan({"key": "k"})
    plan["planned_values"]["outputs"]["key"]["sensitive"] = True
    assert planned_outputs("dev-platform", plan).sensitive == {"key"}


# --- the chain, by Terraform itself ------------------------------------------------------------

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="Terraform is not on PATH"
)
NEW_SUBNET = SUBNET.replace("/pep", "/pe-new")


def _read(producer: str, output: str) -> str:
    return f"${{data.terraform_remote_state.{producer}.outputs.{output}}}"


def _stack(states: Path, name: str, reads: tuple[str, ...] = (), **blocks: object) -> dict:
    """A stack as cdktf synthesizes one, on the local backend (absolute paths: the working copy
    is planned elsewhere), reading its producers' states."""
    body: dict = {"terraform": {"backend": {"local": {"path": str(states / f"{name}.tfstate")}}}}
    if reads:
        body["data"] = {
            "terraform_remote_state": {
                p: {"backend": "local", "config": {"path": str(states / f"{p}.tfstate")}}
                for p in reads
            }
        }
    body.update(blocks)
    return body


def _synth(outdir: Path, stacks: dict[str, dict]) -> Path:
    if outdir.exists():
        shutil.rmtree(outdir)
    for name, body in stacks.items():
        folder = outdir / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(body, indent=2))
    manifest = {"stacks": {n: {"synthesizedStackPath": f"stacks/{n}/cdk.tf.json"} for n in stacks}}
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    return outdir


def _terraform(
    folder: Path, *steps: tuple[str, ...], data_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Terraform's commands in the folder, one after the other until one fails: the last run."""
    env = {**os.environ, "TF_DATA_DIR": str(data_dir)} if data_dir else None
    for args in steps:
        done = subprocess.run(
            ["terraform", f"-chdir={folder}", *args, "-no-color"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if done.returncode != 0:
            break
    return done


def _apply(outdir: Path, stack: str) -> None:
    done = _terraform(
        outdir / "stacks" / stack,
        ("init", "-input=false"),
        ("apply", "-input=false", "-auto-approve"),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _deployed(tmp_path: Path) -> tuple[Path, Path]:
    """The release deployed: t-network publishes private_endpoint_subnet_id (the old subnet),
    t-platform reads it."""
    states = tmp_path / "states"
    states.mkdir()
    old = _synth(
        tmp_path / "old.out",
        {
            "t-network": _stack(
                states, "t-network", output={"private_endpoint_subnet_id": {"value": SUBNET}}
            ),
            "t-platform": _stack(
                states,
                "t-platform",
                ("t-network",),
                resource={
                    "terraform_data": {
                        "endpoint": {"input": _read("t-network", "private_endpoint_subnet_id")}
                    }
                },
            ),
        },
    )
    _apply(old, "t-network")
    _apply(old, "t-platform")
    return states, old


def _current(tmp_path: Path, states: Path, *, fail_network: bool = False) -> Path:
    """The pull request: t-network renames its output to pe_subnet_id with a new subnet, and
    adds egress_ip, known after it applies (terraform_data's output on create); t-platform reads
    both; t-workloads sizes a count by egress_ip (needed at plan) and reads t-platform."""
    network_resource: dict = {"ip": {"input": "203.0.113.7"}}
    if fail_network:
        network_resource["ip"]["lifecycle"] = {
            "precondition": [
                {"condition": "${local.refuse}", "error_message": "refused on purpose"}
            ]
        }
    return _synth(
        tmp_path / "cdktf.out",
        {
            "t-network": _stack(
                states,
                "t-network",
                resource={"terraform_data": network_resource},
                locals={"refuse": False},
                output={
                    "pe_subnet_id": {"value": NEW_SUBNET},
                    "egress_ip": {"value": "${terraform_data.ip.output}"},
                },
            ),
            "t-platform": _stack(
                states,
                "t-platform",
                ("t-network",),
                resource={
                    "terraform_data": {
                        "endpoint": {"input": _read("t-network", "pe_subnet_id")},
                        "allow": {"input": _read("t-network", "egress_ip")},
                    }
                },
                output={"endpoint": {"value": "${terraform_data.endpoint.input}"}},
            ),
            "t-workloads": _stack(
                states,
                "t-workloads",
                ("t-network", "t-platform"),
                resource={
                    "terraform_data": {
                        "rule": {
                            "count": f"${{length([{_read('t-network', 'egress_ip')[2:-1]}])}}",
                            "input": _read("t-platform", "endpoint"),
                        }
                    }
                },
            ),
        },
    )


@pytest.fixture
def local_states_allowed(monkeypatch):
    """These stacks keep their state in local files (no Azure here), which `run_stacks plan`
    refuses for CI's sake (tests/test_workflows.py covers the refusal)."""
    monkeypatch.setattr("tooling.run_stacks.require_remote_state", lambda *args: None)


def _changes(plan: dict) -> dict:
    return {c["address"]: c["change"] for c in plan["resource_changes"]}


@needs_terraform
def test_a_pull_request_plans_consumers_against_the_planned_producer(
    tmp_path, capsys, local_states_allowed
):
    """Renamed output and changed value: t-platform is planned against pe_subnet_id and shows
    the new subnet (against the deployed state it could not even be planned); egress_ip is
    planned as unknown; t-workloads waits on exactly egress_ip. Nothing is written into the
    synthesized folders but Terraform's own init."""
    from tooling.run_stacks import main

    states, _ = _deployed(tmp_path)
    outdir = _current(tmp_path, states)
    before = {p: p.read_text() for p in outdir.rglob("cdk.tf.json")}
    plans = tmp_path / "plans"
    assert main(["plan", str(outdir), "t", "--plans", str(plans)]) == 0
    platform = json.loads((plans / "t-platform.json").read_text())
    changes = _changes(platform)
    assert changes["terraform_data.endpoint"]["actions"] == ["update"]
    assert changes["terraform_data.endpoint"]["before"]["input"] == SUBNET
    assert changes["terraform_data.endpoint"]["after"]["input"] == NEW_SUBNET
    assert changes["terraform_data.allow"]["after_unknown"]["input"] is True
    assert platform[INPUTS_KEY]["planned_from"] == {"t-network": ["egress_ip", "pe_subnet_id"]}
    assert platform[INPUTS_KEY]["known_after_apply"] == {"t-network": ["egress_ip"]}
    workloads = json.loads((plans / "t-workloads.json").read_text())
    assert workloads["not_planned"]["needed_at_plan"] == {"t-network": ["egress_ip"]}
    out = capsys.readouterr().out
    assert "t-workloads waits: its provider configuration, count or for_each needs egress_ip" in out
    assert {p: p.read_text() for p in outdir.rglob("cdk.tf.json")} == before
    assert not list(outdir.rglob(OVERRIDE_FILE))
    # The deployed state is untouched: the plan read the overlay, not a modified state.
    deployed = json.loads((states / "t-network.tfstate").read_text())
    assert set(deployed["outputs"]) == {"private_endpoint_subnet_id"}


@needs_terraform
def test_a_failed_producer_plan_reports_its_consumers_and_exits_1(
    tmp_path, capsys, local_states_allowed
):
    from tooling.plan_summary import main as summary
    from tooling.run_stacks import main

    states, _ = _deployed(tmp_path)
    outdir = _current(tmp_path, states, fail_network=True)
    plans = tmp_path / "plans"
    assert main(["plan", str(outdir), "t", "--plans", str(plans)]) == 1
    said = capsys.readouterr()
    assert "t-platform not planned: it reads t-network, which could not be planned" in said.out
    assert "error: t-network, t-platform, t-workloads could not be planned" in said.err
    assert json.loads((plans / "t-network.json").read_text())["plan_failed"] is True
    assert json.loads((plans / "t-platform.json").read_text())["not_planned"]["failed"] == [
        "t-network"
    ]
    files = [str(plans / f"{s}.json") for s in ("t-network", "t-platform", "t-workloads")]
    assert summary(["--environment", "t", "--failed", *files]) == 0
    comment = capsys.readouterr().out
    assert "`t-network`: **the plan failed**" in comment
    assert "`t-platform`: not planned, it reads `t-network`, which could not be planned" in comment


@needs_terraform
def test_a_consumer_of_an_output_the_producer_drops_fails_by_name(
    tmp_path, capsys, local_states_allowed
):
    """The renamed output's old readers: the release could never apply them."""
    from tooling.run_stacks import main

    _, old = _deployed(tmp_path)
    current = json.loads((old / "stacks" / "t-network" / "cdk.tf.json").read_text())
    current["output"] = {"pe_subnet_id": {"value": NEW_SUBNET}}
    outdir = _synth(
        tmp_path / "cdktf.out",
        {
            "t-network": current,
            "t-platform": json.loads((old / "stacks" / "t-platform" / "cdk.tf.json").read_text()),
        },
    )
    plans = tmp_path / "plans"
    assert main(["plan", str(outdir), "t", "--plans", str(plans)]) == 1
    assert (
        "t-platform cannot be planned: it reads private_endpoint_subnet_id, which t-network "
        "will not have" in capsys.readouterr().out
    )
    record = json.loads((plans / "t-platform.json").read_text())["not_planned"]
    assert record["not_produced"] == {"t-network": ["private_endpoint_subnet_id"]}


@needs_terraform
def test_known_parts_nulls_and_indirect_counts_are_planned_as_terraform_would(
    tmp_path, capsys, local_states_allowed
):
    """The consumer reads its producer through an azurerm backend, as cdktf writes it (never
    reached: the override points it at the plan). Reading the known part of a partly unknown
    object plans no replacement; a null output cannot be read once applied, so its reader fails
    by name; a count sized through a local by an unknown list waits; a ForceNew argument that
    reads an unknown value is a replacement the comment calls conditional."""
    from tooling.run_stacks import main

    states = tmp_path / "states"
    states.mkdir()
    old = _synth(
        tmp_path / "old.out",
        {
            "t-network": _stack(
                states,
                "t-network",
                output={"m": {"value": {"a": "A"}}, "ip": {"value": "192.0.2.1"}},
            ),
            "t-platform": _stack(
                states,
                "t-platform",
                ("t-network",),
                resource={
                    "terraform_data": {
                        "keep": {"triggers_replace": f"${{{_read('t-network', 'm')[2:-1]}.a}}"},
                        "rule": {"triggers_replace": _read("t-network", "ip")},
                    }
                },
            ),
        },
    )
    _apply(old, "t-network")
    _apply(old, "t-platform")
    azurerm = {
        "backend": "azurerm",
        "config": {
            "resource_group_name": "rg-tfstate",
            "storage_account_name": "stunreachable",
            "container_name": "tfstate",
            "key": "t/t-network.tfstate",
        },
    }
    platform = json.loads((old / "stacks" / "t-platform" / "cdk.tf.json").read_text())
    platform["data"]["terraform_remote_state"]["t-network"] = azurerm
    reader_of_null = _stack(
        states,
        "t-governance",
        ("t-network",),
        resource={"terraform_data": {"n": {"input": _read("t-network", "n")}}},
    )
    counted = _stack(
        states,
        "t-workloads",
        ("t-network",),
        locals={"hosts": f"${{length({_read('t-network', 'ips')[2:-1]})}}"},
        resource={"terraform_data": {"h": {"count": "${local.hosts}"}}},
    )
    for body in (reader_of_null, counted):
        body["data"]["terraform_remote_state"]["t-network"] = azurerm
    outdir = _synth(
        tmp_path / "cdktf.out",
        {
            "t-network": _stack(
                states,
                "t-network",
                resource={"terraform_data": {"x": {"input": "new"}}},
                output={
                    "m": {"value": {"a": "A", "b": "${terraform_data.x.output}"}},
                    "n": {"value": None},
                    "ip": {"value": "${terraform_data.x.output}"},
                    "ips": {"value": ["192.0.2.1", "${terraform_data.x.output}"]},
                },
            ),
            "t-platform": platform,
            "t-governance": reader_of_null,
            "t-workloads": counted,
        },
    )
    plans = tmp_path / "plans"
    assert main(["plan", str(outdir), "t", "--plans", str(plans)]) == 1  # the null's reader
    out = capsys.readouterr().out
    planned = json.loads((plans / "t-platform.json").read_text())
    assert _changes(planned)["terraform_data.keep"]["actions"] == ["no-op"]
    assert _changes(planned)["terraform_data.rule"]["actions"] == ["delete", "create"]
    assert planned[INPUTS_KEY]["known_after_apply"] == {"t-network": ["ip", "m"]}
    assert read_plan("t-platform", planned).if_unknown_changes == {
        "terraform_data.rule": ["triggers_replace"]
    }
    assert "t-governance cannot be planned: it reads n, which t-network will not have" in out
    workloads = json.loads((plans / "t-workloads.json").read_text())["not_planned"]
    assert workloads["needed_at_plan"] == {"t-network": ["ips"]}
    # Without the wait Terraform refuses the count: a list with an unknown element is unknown.
    copy = tmp_path / "copy"
    network = planned_outputs("t-network", json.loads((plans / "t-network.json").read_text()))
    working_copy(outdir / "stacks" / "t-workloads", copy, {"t-network": network})
    done = _terraform(
        copy,
        ("init", "-input=false"),
        ("plan", "-input=false", "-lock=false"),
        data_dir=outdir / "stacks" / "t-workloads" / ".terraform",
    )
    assert done.returncode != 0 and "Invalid count argument" in done.stderr, done.stderr
