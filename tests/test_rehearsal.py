"""rehearsal: deploys rehearsed by Terraform itself on mock providers (make rehearse).

The static half checks how the stacks are prepared for `terraform test`; the Terraform half runs
small rehearsals and shows that each fails on the bug it guards: an output a reader needs that
its producer no longer publishes, and the prod upgrade that Terraform refused (a guarded Entra
group instance that left its `for_each`). `make rehearse` runs the full set (every scope).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rehearsal import mocks, scenarios
from rehearsal.workspace import (
    Rehearsal,
    RehearsalError,
    Release,
    parse,
    rehearsal_copy,
    rehearse,
    tftest_file,
)

ROOT = Path(__file__).resolve().parent.parent


def _terraform_version() -> tuple[int, int] | None:
    terraform = shutil.which("terraform")
    if terraform is None:
        return None
    out = subprocess.run(
        [terraform, "version", "-json"], capture_output=True, text=True, check=True
    )
    major, minor = json.loads(out.stdout)["terraform_version"].split(".")[:2]
    return int(major), int(minor)


needs_terraform = pytest.mark.skipif(
    (_terraform_version() or (0, 0)) < (1, 11),
    reason="Terraform 1.11 or newer is not on PATH (terraform test's state_key needs it)",
)


@pytest.fixture(scope="session")
def current(synth_dir: Path) -> Release:
    return Release.load("current", synth_dir)


def test_mock_values_cover_every_type_the_stacks_use(current):
    resources: set[str] = set()
    data: set[str] = set()
    for stack in current.stacks:
        r, d = current.types(stack)
        resources |= r
        data |= d
    assert mocks.missing_types(resources, data) == []
    assert mocks.missing_types({"azurerm_new_thing"}, set()) == ["resource azurerm_new_thing"]


def test_mock_ids_are_arm_ids_of_their_resource_type():
    arm = re.compile(r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/[A-Z]\w+\.\w+/")
    expected = {
        "azurerm_storage_account": "/providers/Microsoft.Storage/storageAccounts/",
        "azurerm_key_vault": "/providers/Microsoft.KeyVault/vaults/",
        "azurerm_databricks_workspace": "/providers/Microsoft.Databricks/workspaces/",
        "azurerm_subnet": "/virtualNetworks/vnet-rehearsal/subnets/",
        "azurerm_storage_container": "/blobServices/default/containers/",
        "azurerm_private_dns_zone": "/providers/Microsoft.Network/privateDnsZones/",
    }
    for type_name, part in expected.items():
        assert part in mocks.AZURERM_RESOURCES[type_name]["id"], type_name
    for type_name, values in mocks.AZURERM_RESOURCES.items():
        if type_name == "azurerm_key_vault_key":  # a data-plane id; its ARM ids beside it
            assert re.fullmatch(
                r"https://[a-z0-9-]+\.vault\.azure\.net/keys/[^/]+/\w+", values["id"]
            )
            assert arm.match(values["resource_versionless_id"]), type_name
            continue
        assert arm.match(values["id"]), type_name
    # Databricks ids the stacks turn into numbers (principal_id, workspace_id) are numeric.
    for type_name in ("databricks_group", "databricks_service_principal", "databricks_job"):
        assert mocks.DATABRICKS_RESOURCES[type_name]["id"].isdigit()
    assert mocks.WORKSPACE_URL.startswith(f"adb-{mocks.WORKSPACE_ID}.")


def test_a_stack_copy_reads_what_its_producers_runs_output(current, tmp_path):
    stack = next(s for s in current.stacks if s.endswith("-platform"))
    scope = stack.split("-")[0]
    copy = rehearsal_copy(current, stack, tmp_path / "empty.tfstate")
    assert "backend" not in copy["terraform"]
    (name,) = copy["data"]["terraform_remote_state"]
    assert name == f"{scope}-network"
    variable = f"rehearsal_{scope}_network"
    assert copy["data"]["terraform_remote_state"][name] == {
        "backend": "local",
        "config": {"path": str(tmp_path / "empty.tfstate")},
        "defaults": f"${{var.{variable}}}",
    }
    assert copy["variable"][variable]["type"] == "any"
    # Everything else is the synthesized stack unchanged.
    original = current.stacks[stack]
    assert copy["resource"] == original["resource"]
    assert copy["output"] == original["output"]


def test_runs_take_the_outputs_of_the_run_that_last_applied_the_producer(current):
    scope = next(s for s in current.stacks if s.endswith("-platform")).split("-")[0]
    rehearsal = Rehearsal("first")
    for stack in current.order(scope):
        rehearsal.step(current, stack)
    runs = {run.stack: run for run in rehearsal.runs}
    assert runs[f"{scope}-network"].inputs == {}
    assert runs[f"{scope}-platform"].inputs == {
        f"rehearsal_{scope}_network": f"apply-current-{scope}-network"
    }
    text = tftest_file(rehearsal, {"current": current})
    assert f"rehearsal_{scope}_network = run.apply-current-{scope}-network" in text
    assert f'state_key = "{scope}-platform"' in text
    assert 'mock_provider "azurerm"' in text


def test_a_remote_state_is_wired_to_its_producer_by_backend_not_by_name():
    # A release before named outputs read other stacks through cdktf's own data sources.
    release = Release(
        "old",
        {
            "x-network": {"terraform": {"backend": {"local": {"path": "../terraform.x-net"}}}},
            "x-platform": {
                "terraform": {"backend": {"local": {"path": "../terraform.x-platform"}}},
                "data": {
                    "terraform_remote_state": {
                        "cross-stack-reference-input-x-network": {
                            "backend": "local",
                            "config": {"path": "/elsewhere/terraform.x-net"},
                        }
                    }
                },
            },
        },
    )
    assert release.producers("x-platform") == {"cross-stack-reference-input-x-network": "x-network"}
    assert release.order("x") == ["x-network", "x-platform"]
    release.stacks["x-platform"]["data"]["terraform_remote_state"][
        "cross-stack-reference-input-x-network"
    ]["config"]["path"] = "terraform.nobody"
    with pytest.raises(RehearsalError, match="that no stack of this synth writes"):
        release.producers("x-platform")


def test_outcome_is_read_per_run_and_a_guarded_teardown_is_not_a_failure():
    lines = [
        {"type": "test_run", "@testfile": "tests/a.tftest.hcl", "@testrun": "one",
         "test_run": {"run": "one", "progress": "complete", "status": "pass"}},
        {"type": "test_run", "@testfile": "tests/a.tftest.hcl", "@testrun": "two",
         "test_run": {"run": "two", "progress": "complete", "status": "error"}},
        {"type": "diagnostic", "@level": "error", "@testfile": "tests/a.tftest.hcl",
         "@testrun": "two", "diagnostic": {"summary": "Unsupported attribute",
                                           "detail": "no attribute named \"x\""}},
        {"type": "diagnostic", "@level": "error", "@testfile": "tests/a.tftest.hcl",
         "diagnostic": {"summary": "Instance cannot be destroyed", "detail": "guarded"}},
    ]  # fmt: skip
    outcome = parse("\n".join(json.dumps(line) for line in lines))
    assert outcome.runs == {
        ("tests/a.tftest.hcl", "one"): "pass",
        ("tests/a.tftest.hcl", "two"): "error",
    }
    rehearsal = Rehearsal("a")
    release = Release("current", {"s-one": {}, "s-two": {}})
    for stack in ("s-one", "s-two"):
        rehearsal.step(release, stack)
    rehearsal.runs[:] = [
        type(r)(**{**r.__dict__, "name": n})
        for r, n in zip(rehearsal.runs, ("one", "two"), strict=True)
    ]
    (failure,) = scenarios.judge([rehearsal], outcome)
    assert "run two: error" in failure and "Unsupported attribute" in failure
    assert parse("", "boom").problems == ["terraform test ran nothing: boom"]


def _renamed_output(release: Release, stack: str, old: str, new: str) -> Release:
    stacks = json.loads(json.dumps(release.stacks))
    outputs = stacks[stack]["output"]
    outputs[new] = outputs.pop(old)
    return Release("broken", stacks)


@needs_terraform
def test_first_deploy_passes_and_fails_when_a_read_output_is_gone(current, tmp_path):
    scope = "sandbox"  # its own network: the smallest chain that reads remote state
    if f"{scope}-network" not in current.stacks:
        pytest.skip("no sandbox environment shipped")
    ok, broken = Rehearsal(f"first-deploy-{scope}"), Rehearsal(f"broken-{scope}")
    renamed = _renamed_output(
        current, f"{scope}-network", "private_endpoint_subnet_id", "pe_subnet_id"
    )
    for stack in current.order(scope)[:3]:
        ok.step(current, stack)
        broken.step(renamed, stack)
    releases = {"current": current, "broken": renamed}
    outcome, _ = rehearse(releases, [ok, broken], tmp_path)
    assert scenarios.judge([ok], outcome) == []
    failures = scenarios.judge([broken], outcome)
    assert failures, "a missing output must fail the rehearsal"
    assert f"apply-broken-{scope}-platform" in failures[0]
    assert 'attribute named "private_endpoint_subnet_id"' in failures[0]


BEFORE_THE_FIX = "305dfee"
"""The last commit before the prod upgrade was fixed: its prod-unity-catalog kept the adopted
groups at their address, one instance fewer in the for_each."""


@needs_terraform
def test_the_prod_upgrade_passes_and_fails_as_shipped_before_the_fix(current, tmp_path):
    if "prod-unity-catalog" not in current.stacks:
        pytest.skip("no prod environment shipped")
    work = ROOT / ".rehearsal"
    previous = Release.load(
        "previous", scenarios.synthesize_release(scenarios.previous_release(None), work)
    )
    refused = Release.load(
        "refused", scenarios.synthesize_release(scenarios.previous_release(BEFORE_THE_FIX), work)
    )
    stacks = json.loads(json.dumps(current.stacks))
    for block in ("moved", "removed"):
        stacks["prod-unity-catalog"].pop(block)
    unmigrated = Release("unmigrated", stacks)
    # One file: the previous release up to the stack in question, the current release's
    # stacks it reads, then that stack planned on the same state as each variant would.
    rehearsal = Rehearsal("upgrade-prod-unity-catalog")
    for stack in previous.order("prod")[:4]:
        rehearsal.step(previous, stack)
    for stack in current.order("prod")[:3]:
        rehearsal.step(current, stack)
    guarded = previous.guarded("prod-unity-catalog") | current.guarded("prod-unity-catalog")
    rehearsal.guarded["prod-unity-catalog"] = guarded
    for release in (current, unmigrated, refused):  # a run that errors skips the ones after
        rehearsal.step(release, "prod-unity-catalog", command="plan")
    releases = {r.name: r for r in (current, previous, unmigrated, refused)}
    outcome, _ = rehearse(releases, [rehearsal], tmp_path)
    failures = scenarios.judge([rehearsal], outcome)
    by_run = {run.name: [f for f in failures if f" run {run.name}:" in f] for run in rehearsal.runs}
    assert [name for name, found in by_run.items() if found] == [
        "plan-unmigrated-prod-unity-catalog",
        "plan-refused-prod-unity-catalog",
    ], failures
    # As shipped before the fix, Terraform itself refuses the guarded instance that left the
    # for_each (the failure the issue reported) ...
    (refusal,) = by_run["plan-refused-prod-unity-catalog"]
    assert "Instance cannot be destroyed" in refusal and '["mdp-analysts"]' in refusal
    # ... and without the moved blocks the groups' resource leaves the configuration, which
    # Terraform deletes unchecked: the rehearsal reads the plan and refuses that too.
    deleted = sorted(
        f.split(" the guarded ")[1].split(";")[0]
        for f in by_run["plan-unmigrated-prod-unity-catalog"]
    )
    assert deleted == [
        'databricks_group.principals_entra-groups_36A5733C["mdp-analysts"]',
        'databricks_group.principals_entra-groups_36A5733C["mdp-prod-data-engineers"]',
        'databricks_mws_permission_assignment.principals_workspace-entra-groups_E5482AE7["mdp-analysts"]',
        'databricks_mws_permission_assignment.principals_workspace-entra-groups_E5482AE7["mdp-prod-data-engineers"]',
    ]


@needs_terraform
def test_destroying_a_scope_fails_when_it_manages_an_object_of_another_scope(current, tmp_path):
    accounts = [s for s in current.stacks if s.endswith("-account")]
    if not accounts or "sandbox-unity-catalog" not in current.stacks:
        pytest.skip("needs an account scope and the sandbox")
    (account,) = accounts
    (shared,) = current.stacks[account]["resource"]["databricks_group"].values()
    # The mistake this guards: an environment adopting a group that the account scope owns.
    stacks = json.loads(json.dumps(current.stacks))
    stacks["sandbox-unity-catalog"]["resource"]["databricks_group"]["adopted-again"] = {
        "display_name": "mdp-analysts",
        "external_id": "00000000-0000-0000-0000-0000000000a1",
        "force": True,
        "provider": "databricks.account",
    }
    assert shared["for_each"] == {"mdp-analysts": "00000000-0000-0000-0000-0000000000a1"}
    leaky = Release("leaky", stacks)
    rehearsal = Rehearsal("destroy-sandbox")
    rehearsal.step(current, account)
    for stack in leaky.order("sandbox")[:4]:
        rehearsal.step(leaky, stack)
    for stack in reversed(leaky.order("sandbox")[:4]):
        rehearsal.step(leaky, stack, empty=True)
    outcome, _ = rehearse({"current": current, "leaky": leaky}, [rehearsal], tmp_path)
    (failure,) = scenarios.judge([rehearsal], outcome)
    assert "destroying sandbox-unity-catalog deletes the databricks_group" in failure
    assert '"display_name": "mdp-analysts"' in failure and f"which {account} manages" in failure


@needs_terraform
def test_the_workspace_conf_moves_from_ip_access_without_a_delete(current, tmp_path):
    """A delete resets a conf's enable* keys to false (IP access lists off): the sandbox's conf
    and allow list, deployed at ip-access, are moved to workspace-settings, not replaced."""
    stack = "sandbox-workloads"
    if stack not in current.stacks or "moved" not in current.stacks[stack]:
        pytest.skip("no sandbox with an IP access list shipped")
    stacks = json.loads(json.dumps(current.stacks))
    before = stacks[stack]
    renames = {m["to"]: m["from"] for m in before.pop("moved")}
    text = json.dumps(before)
    for new, old in renames.items():
        text = text.replace(new, old).replace(new.split(".", 1)[1], old.split(".", 1)[1])
    stacks[stack] = json.loads(text)
    previous = Release("previous", stacks)
    rehearsal = Rehearsal("upgrade-sandbox-workloads")
    for name in previous.order("sandbox"):
        rehearsal.step(previous, name)
    rehearsal.guarded[stack] = set()
    plan = rehearsal.step(current, stack, command="plan")
    outcome, _ = rehearse({"current": current, "previous": previous}, [rehearsal], tmp_path)
    assert scenarios.judge([rehearsal], outcome) == []
    changes = outcome.plans[(f"tests/{rehearsal.name}.tftest.hcl", plan.name)]
    moved = {c.previous_address: c.address for c in changes if c.previous_address}
    assert moved == {old: new for new, old in renames.items()}
    assert not [c for c in changes if "delete" in c.actions]


@needs_terraform
def test_a_deployed_factory_given_a_customer_managed_key_fails_the_upgrade(current, tmp_path):
    """Azure sets a factory's key only while it is empty; the mocked provider accepts the update,
    so the rehearsal reads the plan and refuses it (scenarios.REFUSED_UPDATES)."""
    stack = "prod-ingestion"
    if stack not in current.stacks:
        pytest.skip("no prod factory shipped")
    stacks = json.loads(json.dumps(current.stacks))
    (factory,) = stacks[stack]["resource"]["azurerm_data_factory"].values()
    identity = mocks.arm("Microsoft.ManagedIdentity", "userAssignedIdentities", "id-adf-cmk")
    factory["customer_managed_key_id"] = "https://kv-rehearsal.vault.azure.net/keys/cmk-adf"
    factory["customer_managed_key_identity_id"] = identity
    factory["identity"]["identity_ids"] = [*factory["identity"].get("identity_ids", []), identity]
    keyed = Release("keyed", stacks)
    rehearsal = Rehearsal("upgrade-prod-ingestion")
    order = current.order("prod")
    for producer in order[: order.index(stack) + 1]:
        rehearsal.step(current, producer)
    for release in (current, keyed):
        rehearsal.step(release, stack, command="plan")
    outcome, _ = rehearse({"current": current, "keyed": keyed}, [rehearsal], tmp_path)
    factory_changes = {
        run: [c for c in changes if c.resource.startswith("azurerm_data_factory.")]
        for (_, run), changes in outcome.plans.items()
    }
    failures = scenarios.judge([rehearsal], outcome)
    assert len(failures) == 1, (failures, factory_changes)
    (failure,) = failures
    assert "run plan-keyed-prod-ingestion:" in failure
    assert (
        "gains customer_managed_key_id" in failure and "only while the factory is empty" in failure
    )
