"""Run one environment's synthesized stacks in dependency order (later stacks read the earlier
ones' outputs from their state).

    python -m tooling.run_stacks deploy cdktf.out dev [--auto-approve]   # make deploy
    python -m tooling.run_stacks diff cdktf.out dev                      # make diff
    python -m tooling.run_stacks plan cdktf.out prod --plans plans/      # CI
    python -m tooling.run_stacks apply cdktf.out prod                    # CI

deploy, diff: `cdktf deploy <stack>` (`cdktf diff <stack>`) stack after stack, through the
pinned CLI, on what `make synth-cli` wrote (`--skip-synth`): the commands a person types, in
order, with the CLI's approval prompt unless --auto-approve; they stop at the first failure.
plan, apply (CI's plan, deploy and drift jobs): Terraform itself in each stack's folder; plan
also writes `terraform show -json` into `<plans>/<stack>.json` for tooling.plan_summary. The
environment must keep its state remotely: applying a local state file on a CI runner would
lose it. Only the gated deploy jobs run apply.

plan chains the stacks (tooling/plan_overlay.py): each is planned, in a working copy, against
the planned outputs of the stacks before it, so a pull request shows every stack as it will be
(a renamed output, a new value), not as the deployed producers would have it. A value known
only after its producer applies is planned as unknown; a stack whose provider configuration
needs one waits, and says for which values. A stack whose plan fails is recorded, the stacks
that read it are reported as not planned, the others are planned, and the command exits 1.
The plan files name, per stack, the outputs planned rather than deployed (`mdp_inputs`).

diff waits rather than fails: `cdktf diff` plans in the synthesized folder itself, where no
override may be written, so a stack reads its producers' deployed state. After a producer is
diffed its state's outputs are read (`terraform output -json`); each stack that reads one that
is missing is reported as waiting for that stack instead of diffed. apply and deploy never wait
and always read deployed state: they deploy the producers first. An apply (and an unattended
deploy) that Azure refuses while a role assignment it made is propagating is tried once more
after a wait (run_applying).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from tooling import plan_overlay
from tooling.synthesized import REMOTE_READ, load_stack, stack_order

PROPAGATION = re.compile(
    r"does not have (?:keys|secrets|certificates) \w+ permission|ForbiddenByRbac|"
    r"AuthorizationFailed|PrincipalNotFound|KeyVaultAccessForbidden|"
    r"(?:Caller|identity) is not authorized to perform action",
    re.IGNORECASE,
)
"""What Azure answers while a role assignment made in the same apply has not reached the service
yet. Azure RBAC changes can take up to 10 minutes to take effect ("Troubleshoot Azure RBAC",
https://learn.microsoft.com/azure/role-based-access-control/troubleshooting: "Symptom - Role
assignment changes are not being detected"): the first apply that grants an identity its key and
then sets the key (the lake's, the DBFS root's) can fail once."""


def _run_logged(command: Sequence[str]) -> tuple[int, str]:
    """Run a command with its output shown as it comes and kept (to read why it failed)."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        said = []
        for line in process.stdout:
            sys.stdout.write(line)
            said.append(line)
        return process.wait(), "".join(said)


def run_applying(command: Sequence[str]) -> None:
    """An apply that waits once for Azure to propagate role assignments, then tries again: it
    is idempotent (what the failed run created is in its state). MDP_RETRY_AFTER_SECONDS sets
    the wait (default 300)."""
    for attempt in (1, 2):
        code, said = _run_logged(command)
        if code == 0:
            return
        refused = PROPAGATION.search(said)
        if attempt == 1 and refused:
            wait = int(os.environ.get("MDP_RETRY_AFTER_SECONDS", "300"))
            print(
                f"Azure has not propagated a role assignment yet ({refused[0]}); "
                f"trying again in {wait} s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(wait)
            continue
        raise subprocess.CalledProcessError(code, list(command))


def terraform(
    stack_dir: Path, *args: str, stdout: IO[str] | None = None, data_dir: Path | None = None
) -> None:
    """data_dir: the `.terraform` folder to use (a working copy planned with its stack's)."""
    command = [os.environ.get("TERRAFORM", "terraform"), f"-chdir={stack_dir}", *args]
    env = None if data_dir is None else {**os.environ, "TF_DATA_DIR": str(data_dir.resolve())}
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    if args[:1] == ("apply",):
        run_applying(command)
        return
    subprocess.run(command, check=True, stdout=stdout, env=env)


def cdktf(outdir: Path, *args: str) -> None:
    command = [os.environ.get("CDKTF", "node_modules/.bin/cdktf"), *args]
    command += ["--skip-synth", f"--output={outdir}"]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    if args[:1] == ("deploy",) and "--auto-approve" in args:
        run_applying(command)  # unattended: the prompt needs no terminal
        return
    subprocess.run(command, check=True)


def needed_outputs(stack_file: Path) -> dict[str, set[str]]:
    """Producer stack -> the outputs of its state that this stack reads."""
    needed: dict[str, set[str]] = {}
    for producer, output in REMOTE_READ.findall(stack_file.read_text(encoding="utf-8")):
        needed.setdefault(producer, set()).add(output)
    return needed


def state_outputs(stack_dir: Path) -> set[str]:
    """The outputs the stack's state holds now (none for a stack never deployed)."""
    command = [os.environ.get("TERRAFORM", "terraform"), f"-chdir={stack_dir}", "output", "-json"]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout or "{}"))


def waiting_for(
    needed: Mapping[str, set[str]], deployed: Mapping[str, set[str] | None]
) -> dict[str, list[str]]:
    """Producer -> the outputs this stack reads that its state does not hold yet.

    deployed: producer -> its state's outputs, or None when it waits itself."""
    waits = {}
    for producer, outputs in sorted(needed.items()):
        if producer not in deployed:
            continue  # another environment's or scope's: not planned here
        held = deployed[producer]
        missing = sorted(outputs) if held is None else sorted(outputs - held)
        if missing:
            waits[producer] = missing
    return waits


def describe_wait(stack: str, waits: Mapping[str, list[str]]) -> str:
    parts = [f"{producer} ({', '.join(outputs)})" for producer, outputs in waits.items()]
    return f"{stack} waits for {'; '.join(parts)}: not deployed yet, so not planned"


DOCUMENTATION_RANGES = tuple(
    ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
"""RFC 5737's examples: a config may ship them, no deployer's address is in them."""


def preflight(outdir: Path, stacks: Sequence[str], environment: str) -> None:
    """What would lock the deployer out, refused before anything is applied: a workspace IP
    access list that allows only documentation ranges (the shipped sandbox's placeholder)."""
    for stack in stacks:
        body = load_stack(outdir, stack)
        for name, access in body.get("resource", {}).get("databricks_ip_access_list", {}).items():
            if access.get("list_type") != "ALLOW":
                continue
            # A reference (the NAT gateway's address) is the clusters', not the deployer's.
            literal = [a for a in access["ip_addresses"] if "${" not in a]
            networks = [ipaddress.ip_network(a, strict=False) for a in literal]
            if all(
                isinstance(n, ipaddress.IPv4Network)
                and any(n.subnet_of(d) for d in DOCUMENTATION_RANGES)
                for n in networks
            ):
                raise ValueError(
                    f"{stack}: databricks_ip_access_list.{name} allows only documentation "
                    f"ranges ({', '.join(literal)}): once it is on, the workspace "
                    "refuses every other address, yours included; set workloads.ip_access.allow "
                    f"in config/{environment}.yaml to your public IP range"
                )


def require_remote_state(outdir: Path, stacks: Sequence[str], environment: str) -> None:
    """CI plans and applies remote states only: a local state file on a runner is lost."""
    for stack in stacks:
        if "local" in load_stack(outdir, stack).get("terraform", {}).get("backend", {}):
            raise SystemExit(
                f"{stack}: its state is a local file; set state.backend: azurerm in "
                f"config/{environment}.yaml to plan or deploy it from CI"
            )


def run(
    action: str,
    outdir: Path,
    environment: str,
    plans: Path | None,
    *,
    auto_approve: bool = False,
) -> list[str]:
    stacks = stack_order(outdir, environment)
    if action in ("plan", "apply"):
        require_remote_state(outdir, stacks, environment)
    if action in ("deploy", "apply"):
        from tooling import first_deploy

        found = []
        try:
            preflight(outdir, stacks, environment)
        except ValueError as err:
            found.append(str(err))
        found += first_deploy.problems(environment)
        if found:
            raise ValueError(first_deploy.report(found))
    if action == "plan":
        assert plans is not None
        failed = plan_chain(outdir, stacks, plans)
        if failed:
            raise PlanError(failed)
        return stacks
    needed = {s: needed_outputs(outdir / "stacks" / s / "cdk.tf.json") for s in stacks}
    producers = {p for reads in needed.values() for p in reads}
    deployed: dict[str, set[str] | None] = {}
    """Each producer diffed so far -> its state's outputs (None: it waits itself)."""
    for stack in stacks:
        waits = waiting_for(needed[stack], deployed) if action == "diff" else {}
        if waits:
            print(describe_wait(stack, waits), flush=True)
            deployed[stack] = None
            continue
        if action in ("deploy", "diff"):
            cdktf(outdir, action, stack, *(["--auto-approve"] if auto_approve else []))
            if action == "diff" and stack in producers:
                deployed[stack] = state_outputs(outdir / "stacks" / stack)
            continue
        stack_dir = outdir / "stacks" / stack
        terraform(stack_dir, "init", "-input=false", "-no-color")
        terraform(stack_dir, "apply", "-input=false", "-no-color", "-auto-approve")
    return stacks


class PlanError(Exception):
    """Stacks whose plan failed, or that could not be planned for an error (run_stacks plan
    plans the others, then exits 1)."""

    def __init__(self, stacks: Sequence[str]) -> None:
        super().__init__(", ".join(stacks))
        self.stacks = list(stacks)


def plan_chain(
    outdir: Path, stacks: Sequence[str], plans: Path, work: Path | None = None
) -> list[str]:
    """Plan the stacks in order, each against the planned outputs of those before it
    (tooling/plan_overlay.py), writing <plans>/<stack>.json: `terraform show -json` with the
    stack's inputs under plan_overlay.INPUTS_KEY, or {"not_planned": inputs} for a stack that
    waits or cannot be planned, or {"plan_failed": true, ...} for a plan Terraform refused.
    Each stack is initialized in its own folder and planned in a working copy under `work`
    (default: a temporary folder, removed after). Returns the stacks that failed."""
    if work is None:
        with tempfile.TemporaryDirectory(prefix="mdp-plan-") as temporary:
            return plan_chain(outdir, stacks, plans, Path(temporary))
    plans.mkdir(parents=True, exist_ok=True)
    planned: dict[str, plan_overlay.PlannedOutputs] = {}
    failed: list[str] = []
    for stack in stacks:
        stack_dir = outdir / "stacks" / stack
        body = load_stack(outdir, stack)
        found = plan_overlay.inputs(
            needed_outputs(stack_dir / "cdk.tf.json"),
            planned,
            failed=failed,
            at_plan=plan_overlay.needed_at_plan(body),
        )
        record = found.as_json()
        print(found.describe(stack), flush=True)
        if not found.plannable:
            (plans / f"{stack}.json").write_text(json.dumps({"not_planned": record}, indent=2))
            if found.broken:
                failed.append(stack)
            else:
                planned[stack] = plan_overlay.not_planned(stack, body.get("output") or {})
            continue
        data_dir = stack_dir / ".terraform"  # init's and the copy's, whatever TF_DATA_DIR says
        try:
            terraform(stack_dir, "init", "-input=false", "-no-color", data_dir=data_dir)
            copy = plan_overlay.working_copy(stack_dir, work / stack, planned)
            terraform(
                copy,
                "plan",
                "-input=false",
                "-lock=false",
                "-no-color",
                "-out=tfplan",
                data_dir=data_dir,
            )
            with (plans / f"{stack}.json").open("w", encoding="utf-8") as out:
                terraform(copy, "show", "-json", "tfplan", stdout=out, data_dir=data_dir)
        except subprocess.CalledProcessError as err:
            print(
                f"{stack}: terraform failed ({err.returncode}); the stacks that read it "
                "are not planned",
                file=sys.stderr,
                flush=True,
            )
            (plans / f"{stack}.json").write_text(
                json.dumps({"plan_failed": True, plan_overlay.INPUTS_KEY: record}, indent=2)
            )
            failed.append(stack)
            continue
        plan = json.loads((plans / f"{stack}.json").read_text(encoding="utf-8"))
        planned[stack] = plan_overlay.planned_outputs(stack, plan)
        plan[plan_overlay.INPUTS_KEY] = record
        (plans / f"{stack}.json").write_text(json.dumps(plan))
    return failed


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.run_stacks", description=__doc__)
    parser.add_argument("action", choices=("deploy", "diff", "plan", "apply"))
    parser.add_argument("outdir", type=Path)
    parser.add_argument("environment")
    parser.add_argument("--plans", type=Path, help="where plan writes <stack>.json (plan only)")
    parser.add_argument(
        "--auto-approve", action="store_true", help="deploy without the CLI's prompt (deploy only)"
    )
    args = parser.parse_args(argv)
    if args.action == "plan" and args.plans is None:
        parser.error("plan needs --plans <folder>")
    if args.auto_approve and args.action != "deploy":
        parser.error("--auto-approve is for deploy only")
    try:
        stacks = run(
            args.action,
            args.outdir,
            args.environment,
            args.plans,
            auto_approve=args.auto_approve,
        )
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except PlanError as err:
        print(
            f"error: {err} could not be planned (each says why above); the stacks that read "
            "them were not planned, the others were",
            file=sys.stderr,
        )
        return 1
    except subprocess.CalledProcessError as err:
        tool = "cdktf" if args.action in ("deploy", "diff") else "terraform"
        print(f"error: {tool} failed ({err.returncode}); later stacks not run", file=sys.stderr)
        return 1
    print(" ".join(stacks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
