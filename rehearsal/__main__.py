"""Rehearse deploys with Terraform itself, on the rehearsal provider: `make rehearse`.

    python -m rehearsal [--providers schema|registry] [--from REV] [--work DIR] [SCENARIO ...]

Scenarios (default: all):
    first-deploy   every environment and account scope of cdktf.out, each stack applied in
                   deploy order, each reading what the stacks before it produced
    upgrade        the previous release's stacks applied (rehearsal/previous-release, or
                   --from REV), then the current ones applied on the same states, in order
    destroy        dev's stacks destroyed after every scope is deployed: nothing dev's destroy
                   touches may belong to another scope
    pull-request   per scope, the previous release applied, then the current one planned stack
                   by stack as plan.yml plans it (tooling.run_stacks, chained plans): every
                   stack of an upgraded scope planned, none waiting, each plan the one the
                   upgrade applies; in a new environment, what waits names the values

Exit 0 when every run of every scenario passed; 1 naming each failed run and its diagnostics;
2 for bad arguments or a rehearsal that could not be set up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rehearsal import pull_request, scenarios
from rehearsal.errors import RehearsalError
from rehearsal.workspace import Outcome, plugin_folder, rehearse

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    parser.add_argument("--providers", choices=("schema", "registry"), default="schema")
    parser.add_argument("--outdir", type=Path, default=ROOT / "cdktf.out")
    parser.add_argument("--from", dest="base", help="the release to upgrade from (a git rev)")
    parser.add_argument("--work", type=Path, default=ROOT / ".rehearsal")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.scenarios) - set(scenarios.SCENARIOS))
    if unknown:
        parser.error(
            f"unknown scenario {', '.join(unknown)}; allowed: {', '.join(scenarios.SCENARIOS)}"
        )
    chosen = args.scenarios or list(scenarios.SCENARIOS)
    if "pull-request" in chosen and "upgrade" not in chosen:
        # Its plans are judged against the plans the upgrade rehearsal applies.
        chosen.append("upgrade")
    try:
        env = dict(os.environ)
        plugin_dir = plugin_folder(
            args.work, args.providers, env.get("TERRAFORM", "terraform"), env
        )
        releases, rehearsals = scenarios.build(chosen, args.outdir, args.work, base=args.base)
        outcome, seconds = Outcome({}, [], []), 0.0
        if rehearsals:
            outcome, seconds = rehearse(releases, rehearsals, args.work, plugin_dir=plugin_dir)
        requests: list[pull_request.ScopeResult] = []
        request_seconds = 0.0
        if "pull-request" in chosen:
            started = time.monotonic()
            requests = scenarios.pull_request_scenario(releases, args.outdir, args.work, plugin_dir)
            request_seconds = time.monotonic() - started
    except RehearsalError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failures = scenarios.judge(rehearsals, outcome) if rehearsals else []
    if rehearsals:
        for line in scenarios.report(rehearsals, outcome, seconds):
            print(line)
    if "pull-request" in chosen:
        for line in pull_request.report(requests):
            print(line)
        upgraded = scenarios.upgrade_plans(rehearsals, outcome) if rehearsals else None
        same = pull_request.compared(requests, upgraded)
        print(
            f"pull-request: {request_seconds:.1f} s; {len(same)} plans compared with those the "
            "upgrade rehearsal applies (same addresses and actions, or FAILED below)"
        )
        failures += pull_request.judge(requests, upgraded)
    for failure in failures:
        print(f"FAILED {failure}")
    runs = [(f"tests/{r.name}.tftest.hcl", run.name) for r in rehearsals for run in r.runs]
    passed = sum(outcome.runs.get(key) == "pass" for key in runs)
    passed += sum(
        not any(
            f.startswith(f"{pull_request.SCENARIO} {scope.scope} {stack.stack}:") for f in failures
        )
        for scope in requests
        for stack in scope.stacks
    )
    # A run that passed can still fail a check on its plan or state (counted here too).
    print(f"rehearsal: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
