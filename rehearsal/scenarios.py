"""The rehearsals: which runs, over which releases, and how their outcome is judged."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rehearsal import pull_request
from rehearsal.errors import RehearsalError
from rehearsal.workspace import Change, Outcome, Rehearsal, Release
from tooling import synthesized
from tooling.synthesized import load_manifest

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS_RELEASE = ROOT / "rehearsal" / "previous-release"
SCENARIOS = ("first-deploy", "upgrade", "destroy", "pull-request")
DESTROYED_SCOPE = "dev"
"""The environment whose destroy is rehearsed (the one CI deploys first, beside prod)."""


def scopes(outdir: Path) -> list[str]:
    """Every environment and account scope of a synth, accounts first (environments read them)."""
    stacks = load_manifest(outdir)["stacks"]
    names = synthesized.scopes(outdir)
    accounts = [n for n in names if f"{n}-account" in stacks]
    return accounts + [n for n in names if n not in accounts]


def _release_lines() -> list[list[str]]:
    lines = PREVIOUS_RELEASE.read_text("utf-8").splitlines()
    return [line.split("#", 1)[0].split() for line in lines if line.split("#", 1)[0].strip()]


def declared_destroys() -> set[tuple[str, str]]:
    """`destroy <stack> <address>` lines of rehearsal/previous-release: deletes the change
    declares (and explains), which the upgrade rehearsal then accepts."""
    declared = set()
    for words in _release_lines()[1:]:
        if len(words) != 3 or words[0] != "destroy":
            raise RehearsalError(
                f"{PREVIOUS_RELEASE.relative_to(ROOT)}: {' '.join(words)!r}; allowed after the "
                "commit: destroy <stack> <address>"
            )
        declared.add((words[1], words[2]))
    return declared


def previous_release(base: str | None) -> str:
    """The commit a deployed environment is on: --from, else rehearsal/previous-release."""
    if base is None:
        base = _release_lines()[0][0]
    result = subprocess.run(
        ["git", "rev-parse", "--verify", f"{base}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RehearsalError(
            f"the previous release {base!r} is not a commit of this repository "
            f"({PREVIOUS_RELEASE.relative_to(ROOT)}, or --from): {result.stderr.strip()}"
        )
    return result.stdout.strip()


def synthesize_release(commit: str, work: Path) -> Path:
    """That commit's stacks, synthesized from its own tree (cached by commit)."""
    folder = work / "releases" / commit
    outdir = folder / "cdktf.out"
    if (outdir / "manifest.json").is_file():
        return outdir
    source = folder / "source"
    source.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir.resolve())}
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RehearsalError(f"synthesis of {commit[:12]} failed:\n{result.stderr[-3000:]}")
    return outdir


def first_deploy(current: Release, outdir: Path) -> list[Rehearsal]:
    """Each scope stack by stack, on empty states, each reading what came before it."""
    rehearsals = []
    for scope in scopes(outdir):
        rehearsal = Rehearsal(f"first-deploy-{scope}")
        for stack in current.order(scope):
            rehearsal.step(current, stack)
        rehearsals.append(rehearsal)
    return rehearsals


def upgrade(
    previous: Release, previous_out: Path, current: Release, outdir: Path
) -> list[Rehearsal]:
    """Per scope: the previous release applied, then the current one applied over it in order.

    A stack of the previous release that the current one no longer has is left in its state
    (a real deploy never runs it again); a new stack starts empty."""
    rehearsals = []
    old_scopes = set(scopes(previous_out))
    declared = declared_destroys()
    for scope in scopes(outdir):
        rehearsal = Rehearsal(f"upgrade-{scope}", declared=declared)
        if scope in old_scopes:
            for stack in previous.order(scope):
                rehearsal.step(previous, stack)
        for stack in current.order(scope):
            rehearsal.guarded[stack] = previous.guarded(stack) | current.guarded(stack)
            rehearsal.storage_endpoints[stack] = current.workspace_storage_endpoints(stack)
            rehearsal.step(current, stack, command="plan")
            rehearsal.step(current, stack)
        rehearsals.append(rehearsal)
    return rehearsals


def destroy(current: Release, outdir: Path) -> list[Rehearsal]:
    """Every scope deployed in one file, then dev's stacks destroyed in reverse order."""
    rehearsal = Rehearsal(f"destroy-{DESTROYED_SCOPE}")
    for scope in scopes(outdir):
        for stack in current.order(scope):
            rehearsal.step(current, stack)
    for stack in reversed(current.order(DESTROYED_SCOPE)):
        rehearsal.step(current, stack, empty=True)
    return [rehearsal]


def build(
    chosen: Sequence[str], outdir: Path, work: Path, *, base: str | None
) -> tuple[dict[str, Release], list[Rehearsal]]:
    """The releases and the terraform test rehearsals of the chosen scenarios (the pull-request
    scenario is not one: pull_request_scenario)."""
    current = Release.load("current", outdir)
    releases = {"current": current}
    rehearsals: list[Rehearsal] = []
    if "first-deploy" in chosen:
        rehearsals += first_deploy(current, outdir)
    if "upgrade" in chosen or "pull-request" in chosen:
        commit = previous_release(base)
        previous_out = synthesize_release(commit, work)
        previous = Release.load(f"r{commit[:8]}", previous_out)
        releases[previous.name] = previous
    if "upgrade" in chosen:
        rehearsals += upgrade(previous, previous_out, current, outdir)
    if "destroy" in chosen:
        rehearsals += destroy(current, outdir)
    return releases, rehearsals


def pull_request_scenario(
    releases: Mapping[str, Release], outdir: Path, work: Path, plugin_dir: Path
) -> list[pull_request.ScopeResult]:
    """Per scope, the previous release applied, then the current one planned as plan.yml plans
    it (rehearsal/pull_request.py)."""
    current = releases["current"]
    previous = next((r for name, r in releases.items() if name != "current"), None)
    previous_scopes = (
        frozenset(scopes(previous.outdir))
        if previous is not None and previous.outdir is not None
        else frozenset()
    )
    return pull_request.rehearse(
        scopes(outdir),
        current,
        work,
        plugin_dir,
        previous=previous,
        previous_scopes=previous_scopes,
    )


def upgrade_plans(rehearsals: Sequence[Rehearsal], outcome: Outcome) -> dict[str, list[Change]]:
    """Stack -> the changes of the plan the upgrade rehearsal applies next for it."""
    plans: dict[str, list[Change]] = {}
    for rehearsal in rehearsals:
        if not rehearsal.name.startswith("upgrade-"):
            continue
        file = f"tests/{rehearsal.name}.tftest.hcl"
        for run in rehearsal.runs:
            if run.command == "plan" and run.release == "current":
                found = outcome.plans.get((file, run.name))
                if found is not None:
                    plans[run.stack] = list(found)
    return plans


# Terraform destroys every state a test file applied when the file ends, and refuses the
# instances guarded by prevent_destroy: expected there, so the clean-up is not judged.
_GUARD = re.compile(r"Instance cannot be destroyed")


def judge(rehearsals: Sequence[Rehearsal], outcome: Outcome) -> list[str]:
    """Every run that did not pass, with the diagnostics of that run."""
    failures = []
    for rehearsal in rehearsals:
        file = f"tests/{rehearsal.name}.tftest.hcl"
        for run in rehearsal.runs:
            status = outcome.runs.get((file, run.name), "not run")
            if status != "pass":
                said = [p for p in outcome.problems if f"{file} run {run.name}:" in p]
                failures.append(
                    f"{file} run {run.name}: {status}"
                    + "".join(f"\n    {p.split(': ', 1)[1]}" for p in said)
                )
        failures += _guarded_deletes(rehearsal, outcome)
        failures += _refused_updates(rehearsal, outcome)
        failures += _firewall_before_its_endpoints(rehearsal, outcome)
        failures += _egress_gap(rehearsal, outcome)
        failures += _shared_with_other_scopes(rehearsal, outcome)
    unattributed = [p for p in outcome.problems if " run " not in p]
    failures += unattributed
    failures += [t for t in outcome.teardown if not _GUARD.search(t)]
    return failures


def _shared_with_other_scopes(rehearsal: Rehearsal, outcome: Outcome) -> list[str]:
    """For a rehearsal that destroys a scope: each object that scope's destroy deletes which a
    stack of another scope manages too (same type and the same name, display name, external
    id, application id or resource group: the real object, whatever the mock's id)."""
    destroyed_stacks = {run.stack for run in rehearsal.runs if run.empty}
    if not destroyed_stacks:
        return []
    file = f"tests/{rehearsal.name}.tftest.hcl"
    last_state: dict[str, Mapping[str, Mapping[str, Any]]] = {}
    for run in rehearsal.runs:
        if run.command == "apply" and not run.empty and (file, run.name) in outcome.states:
            last_state[run.stack] = outcome.states[(file, run.name)]
    owners: dict[tuple[str, str], set[str]] = {}
    for stack, objects in last_state.items():
        for address, values in objects.items():
            type_name = address.split(".", 1)[0]
            if set(values) <= {"name"} and type_name not in NAMED_BY_NAME:
                continue  # a child named within its parent: the parent's identity decides
            key = (type_name, json.dumps(values, sort_keys=True))
            owners.setdefault(key, set()).add(stack)
    failures = []
    for (type_name, identity), stacks in sorted(owners.items()):
        mine, others = stacks & destroyed_stacks, stacks - destroyed_stacks
        if mine and others:
            failures.append(
                f"{file}: destroying {', '.join(sorted(mine))} deletes the {type_name} "
                f"{identity}, which {', '.join(sorted(others))} manages too"
            )
    if not last_state:
        failures.append(f"{file}: no state was reported (terraform test -verbose)")
    return failures


NAMED_BY_NAME = frozenset(
    {
        "databricks_catalog",
        "databricks_external_location",
        "databricks_storage_credential",
        "databricks_metastore",
        "databricks_mws_network_connectivity_config",
    }
)
"""Objects of a metastore or an account, which several workspaces share: their name alone
says which object they are (a workspace's own objects are named within the workspace)."""


GUARDED_TYPES = frozenset(
    {"databricks_group", "databricks_service_principal", "databricks_mws_permission_assignment"}
)
"""Deleted, these take access away even when another address creates them again: an account
principal takes its grants and assignments with it (an adopted Entra group comes back empty),
and a workspace assignment destroyed after its successor was created leaves the principal
unassigned. Whether the previous release guarded them or not."""


REFUSED_UPDATES: dict[str, dict[str, str]] = {
    "azurerm_data_factory": {
        "customer_managed_key_id": "Azure sets a factory's customer-managed key only while the "
        'factory is empty, no linked service, pipeline or dataset ("Encrypt Azure Data Factory '
        'with customer-managed keys", https://learn.microsoft.com/azure/data-factory/'
        "enable-customer-managed-key); azurerm sends it as an update, which Azure refuses"
    },
}
"""Arguments that a plan accepts on an existing resource and Azure refuses at apply: the
mocked providers cannot refuse them, so the upgrade rehearsal does."""


def _refused_updates(rehearsal: Rehearsal, outcome: Outcome) -> list[str]:
    file = f"tests/{rehearsal.name}.tftest.hcl"
    failures = []
    for run in rehearsal.runs:
        if run.command != "plan":
            continue
        for change in outcome.plans.get((file, run.name), ()):
            refused = REFUSED_UPDATES.get(change.resource.split(".")[0], {})
            failures += [
                f"{file} run {run.name}: {change.address} gains {argument}: {why}"
                for argument, why in refused.items()
                if argument in change.gained
            ]
    return failures


def _firewall_before_its_endpoints(rehearsal: Rehearsal, outcome: Outcome) -> list[str]:
    """A plan that turns an existing workspace's storage firewall on (it gains its access
    connector, which azurerm sends only with the firewall) and creates the endpoints to that
    storage in the same apply: the workspace is updated first (the endpoints read its storage
    account's name), and classic compute loses its storage until they exist, or for good if
    they fail (hashicorp/terraform-provider-azurerm issue 29343, open). The mocks cannot tell:
    the rehearsal reads the plan."""
    file = f"tests/{rehearsal.name}.tftest.hcl"
    failures = []
    for run in rehearsal.runs:
        endpoints = rehearsal.storage_endpoints.get(run.stack, set())
        if run.command != "plan" or not endpoints:
            continue
        changes = outcome.plans.get((file, run.name), ())
        created = sorted(
            c.address for c in changes if "create" in c.actions and c.resource in endpoints
        )
        for change in changes:
            turned_on = change.actions == ("update",) and "access_connector_id" in change.gained
            if (
                change.resource.startswith("azurerm_databricks_workspace.")
                and turned_on
                and created
            ):
                failures.append(
                    f"{file} run {run.name}: {change.address} turns its storage firewall on in "
                    f"the apply that creates {', '.join(created)}: classic compute loses the "
                    "workspace storage until they exist (azurerm issue 29343); deploy "
                    "databricks.private_workspace_storage: endpoints first, then true "
                    '(docs/deployment.md, "The workspace storage firewall on an existing '
                    'workspace")'
                )
    return failures


def _egress_gap(rehearsal: Rehearsal, outcome: Outcome) -> list[str]:
    """A plan that deletes the subnets' NAT gateway associations and creates their route table
    associations in one apply: the deletes depend on nothing and run first, the route table's
    association waits for the firewall (its route reads the firewall's private IP, minutes to
    create), and subnets without default outbound access have no way out meanwhile. The
    mocks cannot tell: the rehearsal reads the plan."""
    file = f"tests/{rehearsal.name}.tftest.hcl"
    failures = []
    for run in rehearsal.runs:
        if run.command != "plan":
            continue
        changes = outcome.plans.get((file, run.name), ())
        deleted = sorted(
            c.address
            for c in changes
            if "delete" in c.actions
            and c.resource.startswith("azurerm_subnet_nat_gateway_association.")
        )
        created = sorted(
            c.address
            for c in changes
            if "create" in c.actions
            and c.resource.startswith("azurerm_subnet_route_table_association.")
        )
        if deleted and created:
            failures.append(
                f"{file} run {run.name}: deletes {', '.join(deleted)} in the apply that creates "
                f"{', '.join(created)}: the subnets have no egress until the firewall exists; "
                "deploy network.firewall with network.nat_gateway: true first, then without it "
                '(docs/deployment.md, "Turning the firewall on for an existing environment")'
            )
    return failures


def _guarded_deletes(rehearsal: Rehearsal, outcome: Outcome) -> list[str]:
    """Each delete (or replace) a plan run of the rehearsal plans of a guarded resource: one
    with prevent_destroy in either release (Terraform only checks the current configuration,
    so an instance whose resource left the configuration is deleted unchecked) or of a
    GUARDED_TYPES type; unless the change declares it (rehearsal/previous-release)."""
    file = f"tests/{rehearsal.name}.tftest.hcl"
    failures = []
    for run in rehearsal.runs:
        if run.command != "plan" or run.stack not in rehearsal.guarded:
            continue
        for change in outcome.plans.get((file, run.name), ()):
            if "delete" not in change.actions:
                continue
            guarded = change.resource in rehearsal.guarded[run.stack]
            if not guarded and change.resource.split(".")[0] not in GUARDED_TYPES:
                continue
            if (run.stack, change.address) in rehearsal.declared:
                continue
            forced = (
                f" (the provider forces new: {', '.join(change.replaced_by)})"
                if change.replaced_by
                else ""
            )
            failures.append(
                f"{file} run {run.name}: plans to {'/'.join(change.actions)} the guarded "
                f"{change.address}{forced}; move it (moved), forget it (removed, destroy = "
                "false), keep the arguments it is created with, or declare the destroy in "
                "rehearsal/previous-release"
            )
    return failures


def report(rehearsals: Sequence[Rehearsal], outcome: Outcome, seconds: float) -> list[str]:
    lines = []
    for rehearsal in rehearsals:
        file = f"tests/{rehearsal.name}.tftest.hcl"
        statuses: Mapping[str, str] = {
            run.name: outcome.runs.get((file, run.name), "not run") for run in rehearsal.runs
        }
        passed = sum(status == "pass" for status in statuses.values())
        lines.append(f"{rehearsal.name}: {passed}/{len(rehearsal.runs)} runs passed")
        for run in rehearsal.runs:
            took = outcome.seconds.get((file, run.name))
            line = f"  {run.name}: {statuses[run.name]}" + (f", {took:.1f} s" if took else "")
            changes = outcome.plans.get((file, run.name))
            if run.command == "plan" and changes is not None:
                line += f"; {_plan_summary(changes)}"
            lines.append(line)
    lines.append(f"terraform init + test: {seconds:.1f} s")
    return lines


def _plan_summary(changes: Sequence[Change]) -> str:
    counts = {"create": 0, "update": 0, "delete": 0, "forget": 0, "move": 0}
    for change in changes:
        for action in change.actions:
            if action in counts:
                counts[action] += 1
        if change.previous_address:
            counts["move"] += 1
    return (
        f"{counts['create']} to add, {counts['update']} to change, {counts['delete']} to "
        f"destroy, {counts['forget']} to forget, {counts['move']} moved"
    )
