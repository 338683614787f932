"""Runs the deployment rules (policy/rules/) over a synth output folder.

python -m policy.deployment_rules cdktf.out      (make policy runs it after checkov)
"""

from __future__ import annotations

import sys
from pathlib import Path

from policy.rules import ACCOUNT_RULES, RULES, check, check_across
from tooling.synthesized import environments


def main(outdir: Path) -> int:
    found = environments(outdir)
    violations = [v for env in found for v in check(env)] + check_across(found)
    for violation in violations:
        print(violation)
    print(
        f"deployment rules: {len(RULES) + len(ACCOUNT_RULES)} rules, {len(violations)} violations"
    )
    return 1 if violations else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m policy.deployment_rules <cdktf.out>", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
