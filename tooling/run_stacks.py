"""Run one environment's synthesized stacks in dependency order, stopping at the first failure
(later stacks read the earlier ones' outputs from their state).

    python -m tooling.run_stacks deploy cdktf.out dev [--auto-approve]   # make deploy
    python -m tooling.run_stacks diff cdktf.out dev                      # make diff
    python -m tooling.run_stacks plan cdktf.out prod --plans plans/      # CI
    python -m tooling.run_stacks apply cdktf.out prod                    # CI

deploy, diff: `cdktf deploy <stack>` (`cdktf diff <stack>`) stack after stack, through the
pinned CLI, on what `make synth-cli` wrote (`--skip-synth`): the commands a person types, in
order, with the CLI's approval prompt unless --auto-approve.
plan, apply (CI's plan, deploy and drift jobs): Terraform itself in each stack's folder; plan
also writes `terraform show -json` into `<plans>/<stack>.json` for tooling.plan_summary. The
environment must keep its state remotely: applying a local state file on a CI runner would
lose it. Only the gated deploy jobs run apply.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from tooling.stack_order import stack_order


def terraform(stack_dir: Path, *args: str, stdout: IO[str] | None = None) -> None:
    command = [os.environ.get("TERRAFORM", "terraform"), f"-chdir={stack_dir}", *args]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=stdout)


def cdktf(outdir: Path, *args: str) -> None:
    command = [os.environ.get("CDKTF", "node_modules/.bin/cdktf"), *args]
    command += ["--skip-synth", f"--output={outdir}"]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True)


def run(
    action: str,
    outdir: Path,
    environment: str,
    plans: Path | None,
    *,
    auto_approve: bool = False,
) -> list[str]:
    stacks = stack_order(outdir, environment)
    if action in ("deploy", "diff"):
        for stack in stacks:
            cdktf(outdir, action, stack, *(["--auto-approve"] if auto_approve else []))
        return stacks
    for stack in stacks:
        stack_dir = outdir / "stacks" / stack
        synthesized = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
        if "local" in synthesized.get("terraform", {}).get("backend", {}):
            raise SystemExit(
                f"{stack}: its state is a local file; set state.backend: azurerm in "
                f"config/{environment}.yaml to plan or deploy it from CI"
            )
        terraform(stack_dir, "init", "-input=false", "-no-color")
        if action == "plan":
            assert plans is not None
            plans.mkdir(parents=True, exist_ok=True)
            terraform(stack_dir, "plan", "-input=false", "-lock=false", "-no-color", "-out=tfplan")
            with (plans / f"{stack}.json").open("w", encoding="utf-8") as out:
                terraform(stack_dir, "show", "-json", "tfplan", stdout=out)
        else:
            terraform(stack_dir, "apply", "-input=false", "-no-color", "-auto-approve")
    return stacks


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
    except subprocess.CalledProcessError as err:
        tool = "cdktf" if args.action in ("deploy", "diff") else "terraform"
        print(f"error: {tool} failed ({err.returncode}); later stacks not run", file=sys.stderr)
        return 1
    print(" ".join(stacks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
