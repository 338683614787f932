"""Rehearse deploys with Terraform itself, on the rehearsal provider: `make rehearse`.

    python -m rehearsal [--providers schema|registry] [--from REV] [--work DIR] [SCENARIO ...]

Scenarios (default: all):
    first-deploy   every environment and account scope of cdktf.out, each stack applied in
                   deploy order, each reading what the stacks before it produced
    upgrade        the previous release's stacks applied (rehearsal/previous-release, or
                   --from REV), then the current ones applied on the same states, in order
    destroy        dev's stacks destroyed after every scope is deployed: nothing dev's destroy
                   touches may belong to another scope

Exit 0 when every run of every scenario passed; 1 naming each failed run and its diagnostics;
2 for bad arguments or a rehearsal that could not be set up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rehearsal import scenarios
from rehearsal.errors import RehearsalError
from rehearsal.workspace import rehearse

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
    try:
        releases, rehearsals = scenarios.build(chosen, args.outdir, args.work, base=args.base)
        outcome, seconds = rehearse(releases, rehearsals, args.work, providers=args.providers)
    except RehearsalError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failures = scenarios.judge(rehearsals, outcome)
    for line in scenarios.report(rehearsals, outcome, seconds):
        print(line)
    for failure in failures:
        print(f"FAILED {failure}")
    runs = [(f"tests/{r.name}.tftest.hcl", run.name) for r in rehearsals for run in r.runs]
    passed = sum(outcome.runs.get(key) == "pass" for key in runs)
    # A run that passed can still fail a check on its plan or state (counted here too).
    print(f"rehearsal: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
