"""The pull-request rehearsal: what plan-on-PR shows a reviewer, run through the same code.

For each scope: the previous release's stacks are applied in order (`terraform apply`, one
state file per stack), as the environment is deployed; then the current release's stacks are
planned, with no apply, by `tooling.run_stacks.plan_chain`, the function plan.yml's `run_stacks
plan` runs: each stack in a working copy whose remote-state reads of the stacks planned before
it read their planned outputs (tooling/plan_overlay.py). A scope the previous release did not
have is a new environment: nothing is applied first.

Unlike the other scenarios this one is not a `terraform test` file: the overlay code has to run
between one stack's plan and the next, as it does in CI. So each stack is a folder of its own,
on the rehearsal provider installed from the same plugin folder, with two edits to its copy: its
backend is a local state file, and each remote-state read reads the producer's state file. IT's
route table is read as IT was asked to set it up (MDP_REHEARSAL_GIVEN, as the terraform test
files' override_data).

    <work>/pull-request/<scope>/
      states/<stack>.tfstate        the deployed states (the previous release applied)
      previous/<stack>/             the previous release's stacks, applied
      current/stacks/<stack>/       the current release's stacks, as run_stacks plans them
      plans/<stack>.json            what plan_chain wrote (the plan comment's input)
      work/<stack>/                 plan_chain's working copies
    <work>/pull-request/<scope>.log what Terraform and run_stacks printed, as a CI job log
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rehearsal.errors import RehearsalError
from rehearsal.workspace import Change, Release
from tooling import run_stacks

SCENARIO = "pull-request"


@dataclass
class StackResult:
    """One current stack as plan-on-PR shows it."""

    stack: str
    status: str
    """planned, waits, failed (its plan or the previous release's apply), or not planned."""
    why: str = ""
    changes: tuple[Change, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ScopeResult:
    scope: str
    upgraded: bool
    """The previous release had this scope (else: a new environment)."""
    applied: list[str] = field(default_factory=list)
    """The previous release's stacks applied first."""
    problems: list[str] = field(default_factory=list)
    stacks: list[StackResult] = field(default_factory=list)
    seconds: float = 0.0


def _local_copy(release: Release, stack: str, target: Path, states: Path) -> None:
    """The stack's folder (assets beside it) with a local backend and local remote reads."""
    assert release.outdir is not None
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        release.outdir / "stacks" / stack,
        target,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "tfplan*"),
    )
    body: dict[str, Any] = json.loads(json.dumps(release.stacks[stack]))
    body.setdefault("terraform", {})["backend"] = {
        "local": {"path": str((states / f"{stack}.tfstate").resolve())}
    }
    for name, producer in release.producers(stack).items():
        body["data"]["terraform_remote_state"][name] = {
            "backend": "local",
            "config": {"path": str((states / f"{producer}.tfstate").resolve())},
        }
    (target / "cdk.tf.json").write_text(json.dumps(body, indent=2), encoding="utf-8")


def given_it(releases: Sequence[Release]) -> dict[str, Any]:
    """IT's route tables as docs/deployment.md asks IT to set them up: the default route to the
    firewall each stack names (rehearsal.workspace's override_data, for a plain Terraform)."""
    tables: list[dict[str, Any]] = []
    for release in releases:
        for stack, body in release.stacks.items():
            reads = (body.get("data") or {}).get("azurerm_route_table") or {}
            for name, firewall_ip in release.it_route_tables(stack).items():
                read = reads[name]
                route = {
                    "name": "to-it-firewall",
                    "address_prefix": "0.0.0.0/0",
                    "next_hop_type": "VirtualAppliance",
                    "next_hop_in_ip_address": firewall_ip,
                }
                tables.append(
                    {
                        "match": {
                            "name": read["name"],
                            "resource_group_name": read["resource_group_name"],
                        },
                        "values": {"route": [route]},
                    }
                )
    return {"azurerm_route_table": tables}


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """plan_chain runs Terraform with this process's environment, as in CI."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """This process's stdout and stderr, and its subprocesses', into a log file (run_stacks
    prints each command and Terraform prints each plan, as in CI's job log)."""
    sys.stdout.flush()
    sys.stderr.flush()
    with log.open("w", encoding="utf-8") as out:
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _terraform(folder: Path, terraform: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform, f"-chdir={folder}", *args, "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
    )


def _changes(plan: Mapping[str, Any]) -> tuple[Change, ...]:
    """As rehearsal.workspace reads a terraform test plan (no-ops left out)."""
    return tuple(
        Change(
            change["address"],
            tuple(change["change"]["actions"]),
            change.get("previous_address"),
        )
        for change in plan.get("resource_changes", [])
        if change["change"]["actions"] != ["no-op"] or change.get("previous_address")
    )


def _apply_previous(
    previous: Release, scope: str, root: Path, terraform: str, result: ScopeResult
) -> bool:
    """The previous release's stacks of the scope applied in order, their states in
    root/states; False when one is not."""
    for stack in previous.order(scope):
        folder = root / "previous" / stack
        _local_copy(previous, stack, folder, root / "states")
        for args in (("init",), ("apply", "-auto-approve")):
            done = _terraform(folder, terraform, *args)
            if done.returncode != 0:
                result.problems.append(
                    f"{previous.name} {stack}: terraform {args[0]} failed, so the pull request "
                    f"cannot be rehearsed on it:\n{done.stderr.strip()[-2000:]}"
                )
                return False
        result.applied.append(stack)
    return True


def rehearse_scope(
    scope: str,
    previous: Release | None,
    current: Release,
    root: Path,
    terraform: str,
) -> ScopeResult:
    """The previous release applied (when it had the scope), then the current one planned
    through run_stacks.plan_chain. Terraform and the plugin folder come from the environment
    (TF_CLI_ARGS_init, MDP_REHEARSAL_*), which rehearse() sets."""
    started = time.monotonic()
    result = ScopeResult(scope, upgraded=previous is not None)
    if root.exists():
        shutil.rmtree(root)
    world = os.environ.get("MDP_REHEARSAL_WORLD")
    if world and (Path(world) / scope).exists():  # what an earlier run applied
        shutil.rmtree(Path(world) / scope)
    states = root / "states"
    states.mkdir(parents=True)
    if previous is not None and not _apply_previous(previous, scope, root, terraform, result):
        result.seconds = time.monotonic() - started
        return result
    outdir = root / "current"
    order = current.order(scope)
    for stack in order:
        _local_copy(current, stack, outdir / "stacks" / stack, states)
    manifest = {"stacks": {s: {"synthesizedStackPath": f"stacks/{s}/cdk.tf.json"} for s in order}}
    (outdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    plans = root / "plans"
    failed = run_stacks.plan_chain(outdir, order, plans, root / "work")
    for stack in order:
        recorded = json.loads((plans / f"{stack}.json").read_text("utf-8"))
        if "not_planned" in recorded:
            record = recorded["not_planned"]
            status = "failed" if stack in failed else "waits"
            result.stacks.append(StackResult(stack, status, inputs=record))
        elif recorded.get("plan_failed"):
            result.stacks.append(
                StackResult(stack, "failed", "its plan failed", inputs=recorded["mdp_inputs"])
            )
        else:
            result.stacks.append(
                StackResult(
                    stack, "planned", changes=_changes(recorded), inputs=recorded["mdp_inputs"]
                )
            )
    result.seconds = time.monotonic() - started
    return result


def rehearse(
    scopes: Sequence[str],
    current: Release,
    work: Path,
    plugin_dir: Path,
    *,
    previous: Release | None = None,
    previous_scopes: frozenset[str] = frozenset(),
) -> list[ScopeResult]:
    """Every scope, one after the other (a scope's stacks are planned in order, each on the
    plans before it). What Terraform and run_stacks print goes to <scope>/run_stacks.log."""
    terraform = os.environ.get("TERRAFORM", "terraform")
    root = work / SCENARIO
    root.mkdir(parents=True, exist_ok=True)
    given = root / "given.json"
    releases = [r for r in (previous, current) if r is not None]
    given.write_text(json.dumps(given_it(releases), indent=2), encoding="utf-8")
    results = []
    for scope in scopes:
        values = {
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_ARGS_init": f"-plugin-dir={plugin_dir.resolve()}",
            "MDP_REHEARSAL_WORLD": str((root / ".world").resolve()),
            "MDP_REHEARSAL_WORLD_ID": scope,
            "MDP_REHEARSAL_GIVEN": str(given.resolve()),
        }
        log = root / f"{scope}.log"
        with _environment(values), _output_to(log):
            try:
                results.append(
                    rehearse_scope(
                        scope,
                        previous if scope in previous_scopes else None,
                        current,
                        root / scope,
                        terraform,
                    )
                )
            except (OSError, subprocess.SubprocessError) as err:
                raise RehearsalError(f"{SCENARIO} {scope}: {err}") from err
    return results


def judge(
    results: Sequence[ScopeResult],
    upgrade_plans: Mapping[str, Sequence[Change]] | None = None,
) -> list[str]:
    """What fails the pull-request rehearsal:
    - a previous release that could not be applied, a stack that failed to plan;
    - in a scope the previous release had (an upgrade), any stack not planned: the pull
      request must show every stack;
    - in a new environment, a stack that waits without naming the values it waits for;
    - a planned stack whose changes (address and actions) differ from the plan the upgrade
      rehearsal applies next for the same stack (upgrade_plans: stack -> its changes; given,
      a planned stack of an upgraded scope without one fails too: nothing to compare)."""
    failures = []
    for scope in results:
        failures += [f"{SCENARIO} {scope.scope}: {p}" for p in scope.problems]
        for stack in scope.stacks:
            where = f"{SCENARIO} {scope.scope} {stack.stack}"
            if stack.status == "failed":
                failures.append(f"{where}: not planned ({_why(stack)})")
            elif stack.status == "waits" and scope.upgraded:
                failures.append(
                    f"{where}: waits ({_why(stack)}); an upgrade's pull request must plan "
                    "every stack"
                )
            elif stack.status == "waits" and not stack.inputs.get("needed_at_plan"):
                failures.append(f"{where}: waits without naming the values it waits for")
            elif stack.status == "planned" and upgrade_plans and stack.stack in upgrade_plans:
                failures += _differences(where, stack.changes, upgrade_plans[stack.stack])
            elif stack.status == "planned" and upgrade_plans is not None and scope.upgraded:
                failures.append(f"{where}: the upgrade rehearsal has no plan of it to compare with")
    return failures


def compared(
    results: Sequence[ScopeResult], upgrade_plans: Mapping[str, Sequence[Change]] | None
) -> list[str]:
    """The planned stacks whose changes judge() compares with the upgrade's plans."""
    return [
        stack.stack
        for scope in results
        for stack in scope.stacks
        if stack.status == "planned" and upgrade_plans and stack.stack in upgrade_plans
    ]


def _why(stack: StackResult) -> str:
    parts = []
    for key, label in (
        ("needed_at_plan", "its provider needs, known after apply"),
        ("not_produced", "reads outputs its producer will not have"),
    ):
        for producer, outputs in (stack.inputs.get(key) or {}).items():
            parts.append(f"{label}: {producer} {', '.join(outputs)}")
    if stack.inputs.get("failed"):
        parts.append(f"it reads {', '.join(stack.inputs['failed'])}, which could not be planned")
    return "; ".join(parts) or stack.why or "see the plan log"


def _differences(where: str, planned: Sequence[Change], applied: Sequence[Change]) -> list[str]:
    ours = {(c.address, c.actions) for c in planned}
    theirs = {(c.address, c.actions) for c in applied}
    if ours == theirs:
        return []
    only_pr = sorted(f"{a} {'/'.join(x)}" for a, x in ours - theirs)
    only_upgrade = sorted(f"{a} {'/'.join(x)}" for a, x in theirs - ours)
    return [
        f"{where}: the pull request's plan differs from the one the upgrade applies; only in "
        f"the pull request: {', '.join(only_pr) or 'nothing'}; only in the upgrade: "
        f"{', '.join(only_upgrade) or 'nothing'}"
    ]


def report(results: Sequence[ScopeResult]) -> list[str]:
    lines = []
    for scope in results:
        planned = sum(s.status == "planned" for s in scope.stacks)
        kind = "upgrade" if scope.upgraded else "new environment"
        lines.append(
            f"{SCENARIO}-{scope.scope} ({kind}): {planned}/{len(scope.stacks)} stacks planned, "
            f"{len(scope.applied)} applied first, {scope.seconds:.1f} s"
        )
        for stack in scope.stacks:
            line = f"  {stack.stack}: {stack.status}"
            if stack.status == "planned":
                counts = {"create": 0, "update": 0, "delete": 0}
                for change in stack.changes:
                    for action in change.actions:
                        if action in counts:
                            counts[action] += 1
                line += (
                    f"; {counts['create']} to add, {counts['update']} to change, "
                    f"{counts['delete']} to destroy"
                )
                after = stack.inputs.get("known_after_apply") or {}
                if after:
                    line += "; known after apply: " + "; ".join(
                        f"{p} {', '.join(o)}" for p, o in after.items()
                    )
            else:
                line += f" ({_why(stack)})"
            lines.append(line)
    return lines
