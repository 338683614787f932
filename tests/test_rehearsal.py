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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rehearsal import mocks, pull_request, scenarios
from rehearsal.errors import RehearsalError
from rehearsal.workspace import (
    Change,
    Outcome,
    Rehearsal,
    Release,
    parse,
    rehearsal_copy,
    rehearse,
    tftest_file,
    write,
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
    # No mock provider: each stack's own providers run, served by the rehearsal provider.
    assert "mock_provider" not in text and "provider " not in text


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


# --- proofs by Terraform ----------------------------------------------------------------------
#
# Each proof below is a small rehearsal that must pass or fail as its test says. They are built
# together and run by Terraform in one batch (one `terraform init`, several test files at a time),
# then each test reads its own files' outcome: the Terraform half of this module costs one
# rehearsal, not one per test.

BEFORE_THE_FIX = "305dfee"
"""The last commit before the prod upgrade was fixed: its prod-unity-catalog kept the adopted
groups at their address, one instance fewer in the for_each."""
GRANTS_BY_INDEX = "60e760b"
"""The release whose databricks stack granted the workspace's key identities by `[0]` of the
workspace it was updating: a first deploy passed, prod's upgrade failed at plan."""


@dataclass
class Proofs:
    releases: dict[str, Release] = field(default_factory=dict)
    rehearsals: dict[str, list[Rehearsal]] = field(default_factory=dict)
    """test -> its rehearsals (one test file each)."""
    outcome: Outcome | None = None
    work: Path | None = None
    """Where the proofs ran (the rehearsal provider is installed under plugins/)."""

    def add(self, test: str, rehearsals: list[Rehearsal], *releases: Release) -> None:
        for release in releases:
            known = self.releases.setdefault(release.name, release)
            assert known is release, f"two releases named {release.name}"
        self.rehearsals[test] = rehearsals

    def judge(self, test: str) -> list[str]:
        assert self.outcome is not None
        return scenarios.judge(self.rehearsals[test], self.outcome)

    def only(self, test: str) -> Rehearsal:
        (rehearsal,) = self.rehearsals[test]
        return rehearsal


def _renamed_output(release: Release, stack: str, old: str, new: str) -> Release:
    stacks = json.loads(json.dumps(release.stacks))
    outputs = stacks[stack]["output"]
    outputs[new] = outputs.pop(old)
    return Release("broken", stacks)


AT_IP_ACCESS = {
    "databricks_workspace_conf": "ip-access_enable_4A621950",
    "databricks_ip_access_list": "ip-access_allow_78772768",
}
"""Where the sandbox's workloads stack held the conf and the allow list at `ip-access`."""


def _at_ip_access(current: Release) -> Release:
    """The current sandbox with its conf and allow list back in workloads, at `ip-access`'s
    addresses (the list labelled `allow`), nothing removed: as a sandbox deployed then stands."""
    stacks = json.loads(json.dumps(current.stacks))
    databricks, workloads = stacks["sandbox-databricks"], stacks["sandbox-workloads"]
    del databricks["provider"]["databricks"]
    del databricks["terraform"]["required_providers"]["databricks"]
    del workloads["removed"]
    for kind, name in AT_IP_ACCESS.items():
        (body,) = databricks["resource"].pop(kind).values()
        body.pop("depends_on", None)
        body["//"]["metadata"] = {"path": f"sandbox-workloads/ip-access/{name}", "uniqueId": name}
        workloads["resource"][kind] = {name: body}
    allow = workloads["resource"]["databricks_ip_access_list"][
        AT_IP_ACCESS["databricks_ip_access_list"]
    ]
    allow["label"] = "allow"
    # Then it held the configured ranges only (the NAT gateway's address came with the move).
    allow["ip_addresses"] = [a for a in allow["ip_addresses"] if "${" not in a]
    allow["depends_on"] = [f"databricks_workspace_conf.{AT_IP_ACCESS['databricks_workspace_conf']}"]
    return Release("at-ip-access", stacks)


def _sandbox(proofs: Proofs, current: Release, _old: dict[str, Release]) -> None:
    """The sandbox as deployed at ip-access (the conf and the allow list in workloads), then
    upgraded: the databricks stack planned and applied (it sets them where the workspace
    opens), the current workloads planned over it (it forgets the conf, deletes the old list),
    then a copy whose notebooks and files are not in the run folder (the batch shares one
    folder: they are named where nothing was copied). Beside it, a first deploy whose network
    stack no longer publishes an output a reader needs."""
    stack = "sandbox-workloads"
    at_ip_access = _at_ip_access(current)
    bare = Release(
        "bare",
        json.loads(json.dumps(current.stacks).replace('"assets/', '"assets/not-copied/')),
    )
    rehearsal = Rehearsal("sandbox")
    for name in at_ip_access.order("sandbox"):
        rehearsal.step(at_ip_access, name)
    rehearsal.step(current, "sandbox-databricks", command="plan")
    rehearsal.step(current, "sandbox-databricks")
    rehearsal.guarded[stack] = set()
    rehearsal.step(current, stack, command="plan")
    rehearsal.step(bare, stack, command="plan")  # last: it errors, and skips what follows
    renamed = _renamed_output(
        current, "sandbox-network", "private_endpoint_subnet_id", "pe_subnet_id"
    )
    broken = Rehearsal("broken-sandbox")
    for name in current.order("sandbox")[:3]:
        broken.step(renamed, name)
    proofs.add("sandbox", [rehearsal, broken], current, at_ip_access, bare, renamed)


def _prod(proofs: Proofs, current: Release, old: dict[str, Release]) -> None:
    """Prod as the previous release deployed it (no keys), upgraded to the current release
    stack by stack, each once; then, planned over it, a factory given a key and a lake and
    vaults renamed (a name_suffix change), last since it errors. Beside it, the same upgrade
    with 60e760b's databricks stack, which granted the key identities by `[0]`."""
    previous, by_index = old["previous"], old["by-index"]
    upgrade = Rehearsal("prod")
    for stack in previous.order("prod")[:3]:  # network, platform, databricks: no keys
        upgrade.step(previous, stack)
    for stack in current.order("prod"):
        upgrade.step(current, stack)
    stacks = json.loads(json.dumps(current.stacks))
    (factory,) = stacks["prod-ingestion"]["resource"]["azurerm_data_factory"].values()
    identity = (
        f"/subscriptions/{mocks.SUBSCRIPTION}/resourceGroups/rg-mdp-prod/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-adf-cmk"
    )
    factory["customer_managed_key_id"] = "https://kv-rehearsal.vault.azure.net/keys/cmk-adf"
    factory["customer_managed_key_identity_id"] = identity
    factory["identity"]["identity_ids"] = [*factory["identity"].get("identity_ids", []), identity]
    for type_name in ("azurerm_storage_account", "azurerm_key_vault"):
        for body in stacks["prod-platform"]["resource"][type_name].values():
            body["name"] = body["name"].replace("01", "02")  # a name_suffix change: 01 -> 02
    changed = Release("changed", stacks)
    upgrade.guarded["prod-platform"] = current.guarded("prod-platform")
    upgrade.guarded["prod-ingestion"] = current.guarded("prod-ingestion")
    upgrade.step(changed, "prod-ingestion", command="plan")
    upgrade.step(changed, "prod-platform", command="plan")
    # 60e760b's platform grants the lake's key to the identity the lake gains in that update
    # (planned null); with the current platform, its databricks stack grants `[0]` of the
    # workspace's identities (planned []).
    lake_by_index, workspace_by_index = Rehearsal("prod-by-index"), Rehearsal("prod-by-index-ws")
    for rehearsal in (lake_by_index, workspace_by_index):
        for stack in previous.order("prod")[:3]:
            rehearsal.step(previous, stack)
    lake_by_index.step(by_index, "prod-network")
    lake_by_index.step(by_index, "prod-platform", command="plan")
    for stack in ("prod-network", "prod-platform"):
        workspace_by_index.step(current, stack)
    workspace_by_index.step(by_index, "prod-databricks", command="plan")
    proofs.add(
        "prod",
        [upgrade, lake_by_index, workspace_by_index],
        current,
        previous,
        changed,
        by_index,
    )


def _prod_groups(proofs: Proofs, current: Release, old: dict[str, Release]) -> None:
    previous, refused = old["previous"], old["refused"]
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
    proofs.add("prod-groups", [rehearsal], current, previous, unmigrated, refused)


def _leaky_destroy(proofs: Proofs, current: Release, _old: dict[str, Release]) -> None:
    (account,) = [s for s in current.stacks if s.endswith("-account")]
    # The mistake this guards: an environment adopting a group that the account scope owns.
    stacks = json.loads(json.dumps(current.stacks))
    stacks["sandbox-unity-catalog"]["resource"]["databricks_group"]["adopted-again"] = {
        "display_name": "mdp-analysts",
        "external_id": "00000000-0000-0000-0000-0000000000a1",
        "force": True,
        "provider": "databricks.account",
    }
    leaky = Release("leaky", stacks)
    rehearsal = Rehearsal("destroy-sandbox")
    rehearsal.step(current, account)
    for stack in leaky.order("sandbox")[:4]:
        rehearsal.step(leaky, stack)
    for stack in reversed(leaky.order("sandbox")[:4]):
        rehearsal.step(leaky, stack, empty=True)
    proofs.add("leaky-destroy", [rehearsal], current, leaky)


def _without_nat_gateway(current: Release) -> Release:
    """The current release's next one: dev's network without `nat_gateway: true`, the second
    of the two deploys that move it to its firewall."""
    from platform_config import load_environments
    from stacks.network import NetworkStack
    from tests.conftest import CONFIG_DIR
    from tests.helpers import synth_stack

    (dev,) = [c for c in load_environments(CONFIG_DIR) if c.environment == "dev"]
    assert dev.network.firewall is not None and dev.network.nat_gateway, "dev's first step"
    second = dev.model_copy(
        update={"network": dev.network.model_copy(update={"nat_gateway": None})}
    )
    stacks = json.loads(json.dumps(current.stacks))
    stacks["dev-network"] = synth_stack(lambda app: NetworkStack(app, config=second))
    return Release("second-step", stacks)


def _egress(proofs: Proofs, current: Release, old: dict[str, Release]) -> None:
    """dev as the previous release deployed it (a NAT gateway), moved to firewall egress in the
    two documented deploys: the current network (firewall, NAT gateway kept) planned and
    applied, the databricks stack planned over it, then the next release's network (NAT
    gateway gone) planned. Beside it the move in one deploy, which the rehearsal refuses; and
    prod's network planned against IT's route table as the rehearsal provider alone answers it
    (no routes) and as IT might have left it (its default route to another address)."""
    previous, second = old["previous"], _without_nat_gateway(current)
    dev = Rehearsal("dev-egress")
    for stack in previous.order("dev")[:3]:  # network, platform, databricks
        dev.step(previous, stack)
    dev.step(current, "dev-network", command="plan")
    dev.step(current, "dev-network")
    dev.step(current, "dev-platform")
    dev.step(current, "dev-databricks", command="plan")
    dev.step(second, "dev-network", command="plan")
    one_step = Rehearsal("dev-egress-one-step")
    one_step.step(previous, "dev-network")
    one_step.step(second, "dev-network", command="plan")
    unplayed = Rehearsal("prod-it-unplayed", plays_it=False)
    unplayed.step(current, "prod-network", command="plan")
    elsewhere = Rehearsal("prod-it-elsewhere", it_next_hop="10.0.9.9")
    elsewhere.step(current, "prod-network", command="plan")
    # The account's network policies without their account id, as SRA-less code writes them.
    (account,) = [s for s in current.stacks if s.endswith("-account")]
    stacks = json.loads(json.dumps(current.stacks))
    for policy in stacks[account]["resource"]["databricks_account_network_policy"].values():
        del policy["account_id"]
    unnamed = Release("policy-without-account", stacks)
    no_id = Rehearsal("policy-without-account")
    no_id.step(unnamed, account)
    proofs.add(
        "egress",
        [dev, one_step, unplayed, elsewhere, no_id],
        current,
        previous,
        second,
        unnamed,
    )


PROOFS = (_sandbox, _prod, _prod_groups, _leaky_destroy, _egress)
OLD_RELEASES = {"previous": None, "refused": BEFORE_THE_FIX, "by-index": GRANTS_BY_INDEX}
"""The releases the proofs need, synthesized from their own commits (cached in .rehearsal/)."""


@pytest.fixture(scope="session")
def proofs(current, tmp_path_factory) -> Proofs:
    if (_terraform_version() or (0, 0)) < (1, 11):
        pytest.skip("Terraform 1.11 or newer is not on PATH (terraform test's state_key needs it)")
    shipped = {"prod-databricks-keys", "sandbox-workloads", "prod-ingestion"}
    if not shipped <= set(current.stacks):
        pytest.skip("the proofs rehearse the shipped prod (with keys) and sandbox")
    work = ROOT / ".rehearsal"
    commits = {name: scenarios.previous_release(rev) for name, rev in OLD_RELEASES.items()}
    with ThreadPoolExecutor(max_workers=len(commits)) as pool:
        folders = dict(
            zip(
                commits,
                pool.map(lambda c: scenarios.synthesize_release(c, work), commits.values()),
                strict=True,
            )
        )
    old = {name: Release.load(name, folder) for name, folder in folders.items()}
    found = Proofs()
    for build in PROOFS:
        build(found, current, old)
    every = [r for rehearsals in found.rehearsals.values() for r in rehearsals]
    found.work = tmp_path_factory.mktemp("proofs")
    found.outcome, _ = rehearse(found.releases, every, found.work, workers=3)
    return found


def _failures_of(proofs: Proofs, test: str, run: str) -> list[str]:
    return [f for f in proofs.judge(test) if f" run {run}:" in f]


def test_first_deploy_passes_and_fails_when_a_read_output_is_gone(proofs):
    sandbox, broken = proofs.rehearsals["sandbox"]
    for run in sandbox.runs[:3]:  # network, platform, databricks, each reading the one before
        assert _failures_of(proofs, "sandbox", run.name) == []
    failures = scenarios.judge([broken], proofs.outcome)
    assert failures, "a missing output must fail the rehearsal"
    assert "apply-broken-sandbox-platform" in failures[0]
    assert 'attribute named "private_endpoint_subnet_id"' in failures[0]


def test_the_ip_list_moves_to_where_the_workspace_opens_and_the_conf_is_never_deleted(
    proofs,
):
    """A delete resets a conf's enable* keys to false (IP access lists off). The sandbox
    deployed at ip-access upgrades: the databricks stack creates the conf and the new list,
    then workloads forgets its conf and deletes only its old list; at no point is the
    workspace without an enabled allow list."""
    sandbox, _ = proofs.rehearsals["sandbox"]
    file = f"tests/{sandbox.name}.tftest.hcl"
    assert [f for f in proofs.judge("sandbox") if file in f] == [
        f for f in _failures_of(proofs, "sandbox", "plan-bare-sandbox-workloads")
    ]
    opened = proofs.outcome.plans[(file, "plan-current-sandbox-databricks")]
    assert {c.resource.split(".")[0] for c in opened if c.actions == ("create",)} >= {
        "databricks_workspace_conf",
        "databricks_ip_access_list",
    }
    changes = proofs.outcome.plans[(file, "plan-current-sandbox-workloads")]
    old = {f"{kind}.{name}" for kind, name in AT_IP_ACCESS.items()}
    assert {c.address: c.actions for c in changes if c.address in old} == {
        "databricks_workspace_conf.ip-access_enable_4A621950": ("forget",),
        "databricks_ip_access_list.ip-access_allow_78772768": ("delete",),
    }
    assert not [c for c in changes if "delete" in c.actions and c.address not in old]


def test_a_workloads_stack_without_its_assets_fails_naming_the_file(proofs):
    (failure,) = _failures_of(proofs, "sandbox", "plan-bare-sandbox-workloads")
    assert "run plan-bare-sandbox-workloads: error" in failure
    assert re.search(r"File assets/\S+ does not exist", failure), failure


def test_prod_upgrades_from_the_previous_release_applying_each_stack_once(proofs, current):
    """The upgrade that turns customer-managed keys on: every stack plans and applies once;
    the key identities the workspace makes are granted by the databricks-keys stack."""
    upgrade, *_ = proofs.rehearsals["prod"]
    applied = [r for r in upgrade.runs if r.release == "current"]
    assert [r.stack for r in applied] == current.order("prod")
    for run in applied:
        assert _failures_of(proofs, "prod", run.name) == [], run.name


def test_prod_s_keys_upgrade_fails_with_60e760b_s_grants_naming_what_they_read(proofs):
    _, lake, workspace = proofs.rehearsals["prod"]
    (failure,) = scenarios.judge([lake], proofs.outcome)
    assert "run plan-by-index-prod-platform: error" in failure
    assert "Missing required argument" in failure and '"principal_id"' in failure
    assert "azurerm_role_assignment.lake_key-user" in failure
    (failure,) = scenarios.judge([workspace], proofs.outcome)
    assert "run plan-by-index-prod-databricks: error" in failure
    assert "Invalid index" in failure and "managed_disk_identity[0].principal_id" in failure


def test_a_deployed_factory_given_a_customer_managed_key_fails_the_upgrade(proofs):
    """Azure sets a factory's key only while it is empty; the providers accept the update, so
    the rehearsal reads the plan and refuses it (scenarios.REFUSED_UPDATES)."""
    (failure,) = _failures_of(proofs, "prod", "plan-changed-prod-ingestion")
    assert (
        "gains customer_managed_key_id" in failure and "only while the factory is empty" in failure
    )


def test_a_renamed_lake_or_vault_in_prod_is_a_replacement_the_rehearsal_refuses(proofs):
    (failure,) = _failures_of(proofs, "prod", "plan-changed-prod-platform")
    # The provider forces a new account and vault (their name is ForceNew); prevent_destroy
    # then stops Terraform itself, naming the resources.
    assert "Instance cannot be destroyed" in failure
    for address in ("azurerm_storage_account.lake_account_92054329", "azurerm_key_vault."):
        assert address in failure


def test_the_prod_upgrade_passes_and_fails_as_shipped_before_the_fix(proofs):
    rehearsal = proofs.only("prod-groups")
    failures = proofs.judge("prod-groups")
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
        f.split(" the guarded ")[1].split(";")[0].split(" (")[0]
        for f in by_run["plan-unmigrated-prod-unity-catalog"]
    )
    assert deleted == [
        'databricks_group.principals_entra-groups_36A5733C["mdp-analysts"]',
        'databricks_group.principals_entra-groups_36A5733C["mdp-prod-data-engineers"]',
        'databricks_mws_permission_assignment.principals_workspace-entra-groups_E5482AE7["mdp-analysts"]',
        'databricks_mws_permission_assignment.principals_workspace-entra-groups_E5482AE7["mdp-prod-data-engineers"]',
    ]


def test_destroying_a_scope_fails_when_it_manages_an_object_of_another_scope(proofs, current):
    (account,) = [s for s in current.stacks if s.endswith("-account")]
    (shared,) = current.stacks[account]["resource"]["databricks_group"].values()
    assert shared["for_each"] == {"mdp-analysts": "00000000-0000-0000-0000-0000000000a1"}
    failures = proofs.judge("leaky-destroy")
    assert len(failures) == 1, "\n".join(failures)
    (failure,) = failures
    assert "destroying sandbox-unity-catalog deletes the databricks_group" in failure
    assert '"display_name": "mdp-analysts"' in failure and f"which {account} manages" in failure


def test_the_run_folder_holds_every_source_a_provider_reads(current, tmp_path):
    """What a run with either provider sees (the registry's providers check these paths from
    where Terraform runs): every notebook's and workspace file's source resolves there."""
    rehearsal = Rehearsal("sources")
    for scope in scenarios.scopes(current.outdir):
        for stack in current.order(scope):
            rehearsal.step(current, stack)
    assert write(tmp_path, {"current": current}, [rehearsal]) == []
    checked = 0
    for copy in (tmp_path / "stacks" / "current").glob("*/cdk.tf.json"):
        resources = json.loads(copy.read_text()).get("resource", {})
        for type_name in ("databricks_notebook", "databricks_workspace_file"):
            for address, body in resources.get(type_name, {}).items():
                assert (tmp_path / body["source"]).is_file(), (copy.parent.name, address)
                checked += 1
    assert checked > 10


def _fake_terraform(tmp_path: Path, schema_json: str) -> str:
    script = tmp_path / "terraform"
    (tmp_path / "schema.json").write_text(schema_json)
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        "  init) exit 0 ;;\n"
        f'  providers) cat "{tmp_path / "schema.json"}" ;;\n'
        "esac\n"
    )
    script.chmod(0o755)
    return str(script)


def test_registry_mode_serves_the_registry_s_schemas_once_they_are_the_committed_ones(tmp_path):
    import gzip

    from rehearsal.plugins import DEFAULT_SCHEMAS, registry_schemas

    with gzip.open(DEFAULT_SCHEMAS, "rt", encoding="utf-8") as stream:
        committed = stream.read()
    terraform = _fake_terraform(tmp_path, committed)
    dumped = registry_schemas(tmp_path / "same", terraform, {})
    assert json.loads(dumped.read_text()) == json.loads(committed)
    required = json.loads((tmp_path / "same" / "main.tf.json").read_text())
    assert required["terraform"]["required_providers"]["azurerm"] == {
        "source": "hashicorp/azurerm",
        "version": "4.55.0",
    }
    changed = json.loads(committed)
    azurerm = changed["provider_schemas"]["registry.terraform.io/hashicorp/azurerm"]
    azurerm["resource_schemas"]["azurerm_storage_account"]["version"] = 99
    terraform = _fake_terraform(tmp_path, json.dumps(changed))
    with pytest.raises(RehearsalError, match="azurerm resource_schemas azurerm_storage_account"):
        registry_schemas(tmp_path / "other", terraform, {})


def _firewall_plan(*changes: Change) -> tuple[Rehearsal, Outcome]:
    rehearsal = Rehearsal("upgrade-prod")
    rehearsal.storage_endpoints["prod-databricks"] = {
        "azurerm_private_endpoint.storage_dfs",
        "azurerm_private_endpoint.storage_blob",
    }
    run = rehearsal.step(
        Release("current", {"prod-databricks": {}}), "prod-databricks", command="plan"
    )
    file = "tests/upgrade-prod.tftest.hcl"
    return rehearsal, Outcome(
        runs={(file, run.name): "pass"}, problems=(), teardown=(), plans={(file, run.name): changes}
    )


FIREWALL_ON = Change(
    "azurerm_databricks_workspace.workspace", ("update",), gained=("access_connector_id",)
)
DFS_ENDPOINT = Change("azurerm_private_endpoint.storage_dfs", ("create",))


def test_a_storage_firewall_turned_on_with_its_endpoints_in_one_apply_fails_the_upgrade():
    """azurerm issue 29343: the workspace update comes first, classic compute loses its
    storage until the endpoints exist; the rehearsal reads the plan (the mocks cannot tell)."""
    rehearsal, outcome = _firewall_plan(FIREWALL_ON, DFS_ENDPOINT)
    (failure,) = scenarios.judge([rehearsal], outcome)
    assert "azurerm_databricks_workspace.workspace turns its storage firewall on" in failure
    assert "azurerm_private_endpoint.storage_dfs" in failure
    assert "private_workspace_storage: endpoints first" in failure


@pytest.mark.parametrize(
    "changes",
    [
        (FIREWALL_ON,),  # the second step: the endpoints exist
        (DFS_ENDPOINT,),  # the first step: the firewall stays off
        (Change("azurerm_databricks_workspace.workspace", ("create",)), DFS_ENDPOINT),  # new
        (FIREWALL_ON, Change("azurerm_private_endpoint.ui_api", ("create",))),  # not storage
    ],
)
def test_the_two_steps_and_a_new_workspace_pass(changes):
    rehearsal, outcome = _firewall_plan(*changes)
    assert scenarios.judge([rehearsal], outcome) == []


def _plan(proofs: Proofs, rehearsal: Rehearsal, run: str):
    assert proofs.outcome is not None
    return proofs.outcome.plans[(f"tests/{rehearsal.name}.tftest.hcl", run)]


def _types(changes, action: str) -> set[str]:
    return {c.resource.split(".")[0] for c in changes if action in c.actions}


def test_dev_moves_to_firewall_egress_in_two_deploys_replacing_nothing(proofs):
    dev, one_step, *_ = proofs.rehearsals["egress"]
    assert scenarios.judge([dev], proofs.outcome) == []
    # First: the firewall, its policy, rules, subnet and public IP, the route table and its two
    # associations come; the NAT gateway stays; nothing is deleted or replaced.
    first = _plan(proofs, dev, "plan-current-dev-network")
    assert _types(first, "delete") == set(), first
    assert {
        "azurerm_firewall",
        "azurerm_firewall_policy",
        "azurerm_firewall_policy_rule_collection_group",
        "azurerm_route_table",
        "azurerm_subnet_route_table_association",
    } <= _types(first, "create")
    workspace = _plan(proofs, dev, "plan-current-dev-databricks")
    assert not [c for c in workspace if "delete" in c.actions], workspace
    # Then: only the NAT gateway goes (gateway, its public IP, their association, the
    # subnets' two); the subnets stay.
    second = _plan(proofs, dev, "plan-second-step-dev-network")
    assert _types(second, "delete") == {
        "azurerm_nat_gateway",
        "azurerm_public_ip",
        "azurerm_nat_gateway_public_ip_association",
        "azurerm_subnet_nat_gateway_association",
    }, second
    assert _types(second, "create") == set(), second
    # In one deploy the subnets would lose egress until the firewall exists: refused.
    (failure,) = scenarios.judge([one_step], proofs.outcome)
    assert "the subnets have no egress until the firewall exists" in failure
    assert "network.nat_gateway: true first" in failure


def test_it_s_route_table_must_send_its_default_route_to_the_configured_firewall(proofs):
    _, _, unplayed, elsewhere, _ = proofs.rehearsals["egress"]
    for rehearsal in (unplayed, elsewhere):
        failures = scenarios.judge([rehearsal], proofs.outcome)
        assert failures, f"{rehearsal.name} must fail"
        assert "must send 0.0.0.0/0 to IT's firewall" in failures[0], failures
        assert "10.0.1.4 (network.it_firewall_private_ip)" in failures[0], failures


def test_a_network_policy_without_its_account_id_fails_its_first_apply(proofs):
    """Provider 1.99.0 stores the account id the API returns in an argument that is optional
    and not computed, and the plugin framework holds it to its plan (issue #5477): the
    rehearsal provider does as the provider does, and the shipped policies name their
    account."""
    *_, no_id = proofs.rehearsals["egress"]
    failures = scenarios.judge([no_id], proofs.outcome)
    assert failures and "inconsistent result after apply" in failures[0], failures
    assert ".account_id" in failures[0], failures


# --- the pull-request rehearsal (rehearsal/pull_request.py) ------------------------------------


def _scope(scope: str, upgraded: bool, *stacks: pull_request.StackResult):
    return pull_request.ScopeResult(scope, upgraded, stacks=list(stacks))


def test_the_pull_request_judge_wants_every_upgraded_stack_planned_as_the_upgrade_plans_it():
    create = (Change("azurerm_subnet.a", ("create",)),)
    planned = pull_request.StackResult("dev-network", "planned", changes=create)
    waits = pull_request.StackResult(
        "dev-workloads", "waits", inputs={"needed_at_plan": {"dev-databricks": ["workspace_url"]}}
    )
    unnamed = pull_request.StackResult("dev-workloads", "waits", inputs={})
    failed = pull_request.StackResult(
        "dev-platform", "failed", inputs={"not_produced": {"dev-network": ["subnet_id"]}}
    )
    # A new environment may wait, naming what for; an upgrade may not.
    assert pull_request.judge([_scope("dev", False, planned, waits)]) == []
    (failure,) = pull_request.judge([_scope("dev", True, planned, waits)])
    assert "dev-workloads: waits (its provider needs, known after apply: dev-databricks " in (
        failure
    )
    assert "an upgrade's pull request must plan every stack" in failure
    (failure,) = pull_request.judge([_scope("dev", False, unnamed)])
    assert "waits without naming the values it waits for" in failure
    (failure,) = pull_request.judge([_scope("dev", False, failed)])
    assert "reads outputs its producer will not have: dev-network subnet_id" in failure
    # The same changes as the plan the upgrade applies, else named.
    same = {"dev-network": list(create)}
    assert pull_request.judge([_scope("dev", True, planned)], same) == []
    assert pull_request.compared([_scope("dev", True, planned)], same) == ["dev-network"]
    (failure,) = pull_request.judge([_scope("dev", True, planned)], {})
    assert "the upgrade rehearsal has no plan of it to compare with" in failure
    other = {"dev-network": [Change("azurerm_subnet.a", ("delete", "create"))]}
    (failure,) = pull_request.judge([_scope("dev", True, planned)], other)
    assert "only in the pull request: azurerm_subnet.a create" in failure
    assert "only in the upgrade: azurerm_subnet.a delete/create" in failure


def test_it_s_route_tables_are_given_as_it_was_asked_to_set_them_up(current):
    given = pull_request.given_it([current])["azurerm_route_table"]
    expected = {
        (body["name"], body["resource_group_name"])
        for stack in current.stacks.values()
        for body in ((stack.get("data") or {}).get("azurerm_route_table") or {}).values()
    }
    assert expected, "prod reads IT's route table"
    assert {(g["match"]["name"], g["match"]["resource_group_name"]) for g in given} == expected
    for table in given:
        (route,) = table["values"]["route"]
        assert route["address_prefix"] == "0.0.0.0/0"
        assert route["next_hop_type"] == "VirtualAppliance"


def _renamed_everywhere(release: Release, stack: str, old: str, new: str) -> Release:
    """The output renamed, and every reader of it updated: the change done right."""
    text = json.dumps(release.stacks).replace(
        f"data.terraform_remote_state.{stack}.outputs.{old}",
        f"data.terraform_remote_state.{stack}.outputs.{new}",
    )
    stacks = json.loads(text)
    outputs = stacks[stack]["output"]
    outputs[new] = outputs.pop(old)
    return Release("renamed", stacks, release.outdir)


def test_a_new_environment_s_pull_request_plans_a_renamed_output_and_fails_a_stale_reader(
    proofs, current, tmp_path
):
    """Through run_stacks' chain on the rehearsal provider: the sandbox as a new environment
    plans network, platform and databricks (the workspace-level stacks wait for the workspace's
    URL, by name); renamed with its readers it still does; renamed without them, the platform
    and databricks stacks cannot be planned, named, and their readers are not planned."""
    assert proofs.work is not None
    plugin_dir = proofs.work / "plugins"
    right = _renamed_everywhere(
        current, "sandbox-network", "private_endpoint_subnet_id", "pe_subnet_id"
    )
    stale = Release(
        "stale",
        _renamed_output(
            current, "sandbox-network", "private_endpoint_subnet_id", "pe_subnet_id"
        ).stacks,
        current.outdir,
    )
    results = {
        release.name: pull_request.rehearse(
            ["sandbox"], release, tmp_path / release.name, plugin_dir
        )
        for release in (current, right, stale)
    }
    for name in ("current", "renamed"):
        (scope,) = results[name]
        statuses = {s.stack: s.status for s in scope.stacks}
        assert statuses == {
            "sandbox-network": "planned",
            "sandbox-platform": "planned",
            "sandbox-databricks": "planned",
            "sandbox-unity-catalog": "waits",
            "sandbox-workloads": "waits",
        }, name
        assert pull_request.judge(results[name]) == [], name
    platform = next(s for s in results["renamed"][0].stacks if s.stack == "sandbox-platform")
    assert "pe_subnet_id" in platform.inputs["known_after_apply"]["sandbox-network"]
    failures = pull_request.judge(results["stale"])
    assert any(
        "sandbox-platform: not planned (reads outputs its producer will not have: "
        "sandbox-network private_endpoint_subnet_id)" in f
        for f in failures
    ), failures
    assert any(
        "sandbox-workloads: not planned (it reads sandbox-databricks, sandbox-unity-catalog, "
        "which could not be planned)" in f
        for f in failures
    ), failures
